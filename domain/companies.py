"""Companies and corporate groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain import refs, validate
from domain.auth import CRM_DELETERS, CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_domain
from graph import activities as activity_q
from graph import common, phone_links
from graph import companies as q
from graph.db import Row, Tx

PARTS = frozenset(q.FRAGMENTS)
SCALARS = ("name", "domain", "industry", "city", "country", "isReference")


def projection(include: Iterable[str]) -> str:
    return q.NODES.projection(include)


async def get(deps: Deps, company_id: str, include: Iterable[str] = ()) -> Row | None:
    return await q.NODES.get(deps.db, company_id, include)


async def get_many(deps: Deps, ids: list[str], include: Iterable[str] = ()) -> dict[str, Row]:
    return await q.NODES.get_many(deps.db, ids, include)


async def by_external_id(deps: Deps, system: str, value: str, include: Iterable[str] = ()) -> Row | None:
    row = await deps.db.read_one(common.BY_EXTERNAL_ID, refs.external_key("Company", system, value))
    return await get(deps, row["id"], include) if row else None


def filter_params(flt: dict[str, Any] | None) -> dict[str, Any]:
    flt = flt or {}
    name = validate.text(flt.get("nameContains"), "filter.nameContains", max_len=200)
    city = validate.text(flt.get("city"), "filter.city", max_len=200)
    return {
        "nameContains": validate.sort_key(name) if name else None,
        "industry": flt.get("industry"),
        "city": city.lower() if city else None,
        "ownerId": flt.get("ownerId"),
        "parentId": flt.get("parentId"),
        "ids": flt.get("ids"),
    }


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = validate.text(data["name"], "name", required=True, max_len=300)
    for key in ("domain", "industry", "city", "country"):
        if key in data:
            out[key] = validate.text(data[key], key, max_len=200)
    if "domain" in out:
        out["domain"] = normalize_domain(out["domain"])
    if "isReference" in data:
        if data["isReference"] is None:
            raise BadInput("isReference cannot be null", field="isReference")
        out["isReference"] = bool(data["isReference"])
    return out


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "create companies")
    props = _scalars({"isReference": False, **{k: v for k, v in data.items() if k in SCALARS}})
    location = validate.geo(data.get("location"), "location")
    ext = validate.external_ids(data.get("externalIds"))
    phones = validate.phones(data.get("phones")) or []
    company_id = new_id("Company")

    async def work(tx: Tx) -> None:
        if data.get("parentId"):
            await tx.run(common.LOCK_NAMED, {"name": common.CORPORATE_GROUPS})
        await refs.require(
            tx, {"parentId": ("Company", data.get("parentId")), "ownerId": ("User", data.get("ownerId"))}
        )
        params = {key: props.get(key) for key in SCALARS}
        params["sortName"] = validate.sort_key(str(props["name"]))
        await tx.run(
            q.CREATE,
            {
                **params,
                "id": company_id,
                "location": location,
                "parentId": data.get("parentId"),
                "ownerId": data.get("ownerId"),
            },
        )
        await refs.add_external_ids(tx, "Company", company_id, ext)
        if phones:
            await tx.run(phone_links.SET_COMPANY_PHONES, {"id": company_id, "phones": phones})
        emit(tx, "COMPANY", company_id, "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return company_id


async def update(deps: Deps, who: Principal, company_id: str, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "update companies")
    props = _scalars({k: v for k, v in data.items() if k in SCALARS})
    location = validate.geo(data.get("location"), "location") if "location" in data else None
    parent_id = data.get("parentId")
    owner_id = data.get("ownerId")
    phones = validate.phones(data.get("phones")) or [] if "phones" in data else None

    async def work(tx: Tx) -> None:
        if "parentId" in data:
            # Moves run one after another, so the cycle check sees every move committed before it.
            await tx.run(common.LOCK_NAMED, {"name": common.CORPORATE_GROUPS})
        await refs.require(tx, {"id": ("Company", company_id)})
        await refs.require(tx, {"parentId": ("Company", parent_id), "ownerId": ("User", owner_id)})
        if parent_id:
            rows = await tx.run(q.PARENT_CYCLE, {"id": company_id, "parentId": parent_id})
            if rows and rows[0]["cycle"]:
                raise BadInput("parentId would make the company its own ancestor", field="parentId")
        await tx.run(
            q.UPDATE,
            {
                "id": company_id,
                "props": props,
                "sortName": validate.sort_key(str(props["name"])) if props.get("name") else None,
                "setLocation": "location" in data,
                "location": location,
                "setParent": "parentId" in data,
                "parentId": parent_id,
                "setOwner": "ownerId" in data,
                "ownerId": owner_id,
            },
        )
        if "parentId" in data:
            # The subtree's activities now belong to other parent companies' histories.
            await tx.run(activity_q.REFILE_SUBTREE, {"id": company_id})
        if phones is not None:
            await tx.run(phone_links.SET_COMPANY_PHONES, {"id": company_id, "phones": phones})
        emit(tx, "COMPANY", company_id, "UPDATED", data.keys(), who.user_id)

    try:
        await deps.db.transaction(work)
    except NotFound as exc:
        if exc.details.get("field") == "id":
            raise NotFound(f"no company {company_id!r}") from exc
        raise
    return company_id


async def delete(deps: Deps, who: Principal, company_id: str) -> str:
    who.require(CRM_DELETERS, "delete companies")

    async def work(tx: Tx) -> None:
        # No subsidiary may be moved under the company between the check and the delete.
        await tx.run(common.LOCK_NAMED, {"name": common.CORPORATE_GROUPS})
        rows = await tx.run(q.HAS_SUBSIDIARIES, {"id": company_id})
        if not rows:
            raise NotFound(f"no company {company_id!r}")
        if rows[0]["has"]:
            raise Conflict("the company has subsidiaries; move or delete them first")
        await tx.run(q.DELETE, {"id": company_id})
        emit(tx, "COMPANY", company_id, "DELETED", (), who.user_id)

    await deps.db.transaction(work)
    return company_id
