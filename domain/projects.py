"""[field] Projects: a customer's installation or roll-out; visits, calls, tickets and documents belong to it."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain import refs, validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from domain.events import emit
from domain.ids import new_id
from graph import projects as q
from graph.db import Tx

STATUSES = ("PLANNED", "ACTIVE", "ON_HOLD", "DONE", "CANCELLED")
PROJECT_WRITERS = CRM_WRITERS


def _day(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, date):
        raise BadInput(f"{field} must be a date", field=field)
    return validate.day(value, field).isoformat()


def _order(starts: str | None, ends: str | None) -> None:
    if starts is not None and ends is not None and ends < starts:
        raise BadInput("endsOn must not be before startsOn", field="endsOn")


async def _contact_works_there(tx: Tx, company_id: str, contact_id: str | None) -> None:
    if contact_id is None:
        return
    rows = await tx.run(q.CONTACT_AT, {"companyId": company_id, "contactId": contact_id})
    if not rows or not rows[0]["worksThere"]:
        raise BadInput("the contact must work at the project's company", field="contactId")


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(PROJECT_WRITERS, "create projects")
    params: dict[str, Any] = {
        "id": new_id("Project"),
        "name": validate.text(data.get("name"), "name", required=True, max_len=300),
        "companyId": data.get("companyId"),
        "contactId": data.get("contactId"),
        "ownerId": data.get("ownerId"),
        "opportunityId": data.get("opportunityId"),
        "startsOn": _day(data.get("startsOn"), "startsOn"),
        "endsOn": _day(data.get("endsOn"), "endsOn"),
    }
    _order(params["startsOn"], params["endsOn"])

    async def work(tx: Tx) -> None:
        await refs.require(
            tx,
            {
                "companyId": ("Company", params["companyId"]),
                "ownerId": ("User", params["ownerId"]),
                "opportunityId": ("Opportunity", params["opportunityId"]),
            },
        )
        await refs.require_locked(tx, {"contactId": ("Person", params["contactId"])})
        await _contact_works_there(tx, str(params["companyId"]), params["contactId"])
        if params["opportunityId"] is not None:
            found = await tx.run(q.OPPORTUNITY_COMPANY, {"id": params["opportunityId"]})
            if not found or found[0]["companyId"] != params["companyId"]:
                raise BadInput("the opportunity must be one of the project's company", field="opportunityId")
        await tx.run(q.CREATE, params)
        emit(tx, "PROJECT", str(params["id"]), "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return str(params["id"])


async def update(deps: Deps, who: Principal, project_id: str, data: dict[str, Any]) -> None:
    who.require(PROJECT_WRITERS, "update projects")
    props: dict[str, Any] = {}
    if "name" in data:
        props["name"] = validate.text(data["name"], "name", required=True, max_len=300)
    if "status" in data:
        if data["status"] not in STATUSES:
            raise BadInput("status may not be null", field="status")
        props["status"] = data["status"]
    params: dict[str, Any] = {
        "id": project_id,
        "props": props,
        "setStartsOn": "startsOn" in data,
        "startsOn": _day(data.get("startsOn"), "startsOn"),
        "setEndsOn": "endsOn" in data,
        "endsOn": _day(data.get("endsOn"), "endsOn"),
        "setContact": "contactId" in data,
        "contactId": data.get("contactId"),
        "setOwner": "ownerId" in data,
        "ownerId": data.get("ownerId"),
    }

    async def work(tx: Tx) -> None:
        found = await tx.run(q.LOCK, {"id": project_id})
        if not found:
            raise NotFound(f"no project {project_id!r}")
        starts = params["startsOn"] if params["setStartsOn"] else found[0]["startsOn"]
        ends = params["endsOn"] if params["setEndsOn"] else found[0]["endsOn"]
        _order(starts, ends)
        await refs.require(tx, {"ownerId": ("User", params["ownerId"])})
        await refs.require_locked(tx, {"contactId": ("Person", params["contactId"])})
        if params["contactId"] is not None:
            company = await tx.run(q.COMPANY_OF, {"id": project_id})
            await _contact_works_there(tx, str(company[0]["companyId"]), params["contactId"])
        await tx.run(q.UPDATE, params)
        emit(tx, "PROJECT", project_id, "UPDATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
