"""Business units nested inside one company."""

from __future__ import annotations

from typing import Any

from domain import refs, validate
from domain.auth import CRM_DELETERS, CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from domain.events import emit
from domain.ids import new_id
from graph import units as q
from graph.db import Row, Tx


async def get(deps: Deps, unit_id: str) -> Row | None:
    row = await deps.db.read_one(q.BY_ID, {"id": unit_id})
    return row["node"] if row else None


async def _check_parent(tx: Tx, unit_id: str | None, company_id: str | None, parent_id: str) -> str:
    rows = await tx.run(q.PARENT_INFO, {"id": unit_id, "parentUnitId": parent_id})
    if not rows:
        raise NotFound(f"parentUnitId: no such unit {parent_id!r}", field="parentUnitId")
    if company_id is not None and rows[0]["companyId"] != company_id:
        raise BadInput("parentUnitId belongs to another company", field="parentUnitId")
    if rows[0]["cycle"]:
        raise BadInput("parentUnitId would make the unit its own ancestor", field="parentUnitId")
    return str(rows[0]["companyId"])


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "create units")
    name = validate.text(data.get("name"), "name", required=True, max_len=300)
    company_id = data["companyId"]
    parent_id = data.get("parentUnitId")
    unit_id = new_id("Unit")

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"companyId": ("Company", company_id)})
        await tx.run(q.LOCK_COMPANY, {"companyId": company_id})
        if parent_id:
            await _check_parent(tx, None, company_id, parent_id)
        await tx.run(q.CREATE, {"id": unit_id, "name": name, "companyId": company_id, "parentUnitId": parent_id})
        emit(tx, "UNIT", unit_id, "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return unit_id


async def update(deps: Deps, who: Principal, unit_id: str, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "update units")
    name = validate.text(data.get("name"), "name", required=True, max_len=300) if "name" in data else None
    parent_id = data.get("parentUnitId")

    async def work(tx: Tx) -> None:
        rows = await tx.run(q.LOCK_COMPANY_OF, {"id": unit_id})
        if not rows:
            raise NotFound(f"no unit {unit_id!r}")
        if parent_id:
            await _check_parent(tx, unit_id, rows[0]["companyId"], parent_id)
        await tx.run(
            q.UPDATE,
            {"id": unit_id, "name": name, "setParent": "parentUnitId" in data, "parentUnitId": parent_id},
        )
        emit(tx, "UNIT", unit_id, "UPDATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return unit_id


async def delete(deps: Deps, who: Principal, unit_id: str) -> str:
    who.require(CRM_DELETERS, "delete units")

    async def work(tx: Tx) -> None:
        if not await tx.run(q.LOCK_COMPANY_OF, {"id": unit_id}):
            raise NotFound(f"no unit {unit_id!r}")
        await tx.run(q.DELETE, {"id": unit_id})
        emit(tx, "UNIT", unit_id, "DELETED", (), who.user_id)

    await deps.db.transaction(work)
    return unit_id


async def get_many(deps: Deps, ids: list[str]) -> dict[str, Row]:
    rows = await deps.db.read(q.BY_IDS, {"ids": ids})
    return {r["key"]: r["value"] for r in rows}


async def children(deps: Deps, ids: list[str]) -> dict[str, list[Row]]:
    rows = await deps.db.read(q.CHILDREN, {"ids": ids})
    return {r["key"]: r["value"] for r in rows}
