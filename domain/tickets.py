"""Service tickets: create, update, the status flow, pages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from domain import refs, validate
from domain.auth import CRM_WRITERS, Principal, Role
from domain.deps import Deps
from domain.errors import BadInput, Conflict, Forbidden, NotFound
from domain.events import emit
from domain.ids import new_id
from domain.technicians import skill_key
from graph import projects as projects_q
from graph import sla as sla_q
from graph import tickets as q
from graph.db import Row, Tx
from graph.paging import Page, PageArgs, read_page

PARTS = frozenset(q.FRAGMENTS)
PRIORITIES = ("LOW", "NORMAL", "HIGH", "URGENT")
STATUSES = ("OPEN", "SCHEDULED", "IN_PROGRESS", "RESOLVED", "CLOSED")
# Steps updateTicketStatus may take; OPEN -> SCHEDULED is assignTicket, SCHEDULED -> OPEN unassignTicket.
STEPS = {("SCHEDULED", "IN_PROGRESS"), ("IN_PROGRESS", "RESOLVED"), ("RESOLVED", "CLOSED")}
TICKET_WRITERS = CRM_WRITERS
MAX_MINUTES = 7 * 24 * 60


def projection(include: Iterable[str]) -> str:
    return q.NODES.projection(include)


async def get(deps: Deps, ticket_id: str, include: Iterable[str] = ()) -> Row | None:
    return await q.NODES.get(deps.db, ticket_id, include)


async def get_many(deps: Deps, ids: list[str], include: Iterable[str] = ()) -> dict[str, Row]:
    return await q.NODES.get_many(deps.db, ids, include)


async def page(deps: Deps, args: PageArgs, flt: dict[str, Any] | None, include: Iterable[str] = ()) -> Page:
    flt = flt or {}
    params = {
        "status": flt.get("status"),
        "assigneeId": flt.get("assigneeId"),
        "companyId": flt.get("companyId"),
        "unassigned": flt.get("unassigned"),
        **args.after_params("afterAt", "afterId"),
    }
    return await read_page(deps.db, q.PAGE.format(projection=projection(include)), params, args)


async def to_schedule(deps: Deps, args: PageArgs, include: Iterable[str] = ()) -> Page:
    params = args.after_params("afterRank", "afterDueMs", "afterCreatedMs", "afterId")
    return await read_page(deps.db, q.TO_SCHEDULE.format(projection=projection(include)), params, args)


def _iso(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise BadInput(f"{field} must be a date and time", field=field)
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()


def _minutes(value: Any) -> int:
    if not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise BadInput(f"estimatedMinutes must be between 1 and {MAX_MINUTES}", field="estimatedMinutes")
    return value


def requirements(values: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(values or []):
        field = f"requiredSkills[{i}]"
        name = validate.text(item.get("skillName"), f"{field}.skillName", required=True, max_len=100)
        level = item.get("minLevel")
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise BadInput(f"{field}.minLevel must be between 1 and 5", field=f"{field}.minLevel")
        key = skill_key(str(name))
        if key in rows:
            raise BadInput(f"{field}: skill {name!r} is listed twice", field=field)
        rows[key] = {"key": key, "name": name, "minLevel": level, "newId": new_id("Skill")}
    return list(rows.values())


def _priority(value: Any) -> str:
    if value not in PRIORITIES:
        raise BadInput("unknown priority", field="priority")
    return str(value)


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(TICKET_WRITERS, "create tickets")
    if not data.get("companyId") and not data.get("personId") and not data.get("projectId"):
        raise BadInput("a ticket needs a companyId or a personId", field="companyId")
    params: dict[str, Any] = {
        "id": new_id("Ticket"),
        "subject": validate.text(data.get("subject"), "subject", required=True, max_len=300),
        "description": validate.text(data.get("description"), "description", max_len=20_000),
        "priority": _priority(data.get("priority") or "NORMAL"),
        "companyId": data.get("companyId"),
        "personId": data.get("personId"),
        "site": validate.geo(data.get("site"), "site"),
        "estimatedMinutes": _minutes(data.get("estimatedMinutes", 60)),
        "dueAt": _iso(data.get("dueAt"), "dueAt"),
    }
    skills = requirements(data.get("requiredSkills"))

    project_id = data.get("projectId")

    async def work(tx: Tx) -> None:
        await refs.require(
            tx, {"companyId": ("Company", params["companyId"]), "personId": ("Person", params["personId"])}
        )
        if project_id is not None:  # [field] a project's ticket is for the project's company
            await project_company(tx, params, str(project_id))
        await tx.run(q.CREATE, params)
        if project_id is not None:
            await tx.run(projects_q.LINK_TICKET, {"ticketId": params["id"], "projectId": project_id})
        await tx.run(q.SET_REQUIREMENTS, {"id": params["id"], "skills": skills})
        emit(tx, "TICKET", params["id"], "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return str(params["id"])


async def project_company(tx: Tx, params: dict[str, Any], project_id: str) -> None:
    """The company of a project's ticket: the project's (a different companyId is refused)."""
    rows = await tx.run(projects_q.COMPANY_OF, {"id": project_id})
    if not rows:
        raise NotFound(f"projectId: no such record {project_id!r}", field="projectId")
    company_id = rows[0]["companyId"]
    if params["companyId"] not in (None, company_id):
        raise BadInput("the ticket's company must be the project's", field="companyId")
    params["companyId"] = company_id


async def lock(tx: Tx, ticket_id: str) -> Row:
    """Takes the ticket's write lock (held until the transaction ends) and returns its state."""
    rows = await tx.run(q.LOCK, {"id": ticket_id})
    if not rows:
        raise NotFound(f"no ticket {ticket_id!r}")
    return rows[0]


async def update(deps: Deps, who: Principal, ticket_id: str, data: dict[str, Any]) -> str:
    who.require(TICKET_WRITERS, "update tickets")
    props: dict[str, Any] = {}
    if "subject" in data:
        props["subject"] = validate.text(data["subject"], "subject", required=True, max_len=300)
    if "description" in data:
        props["description"] = validate.text(data["description"], "description", max_len=20_000)
    if data.get("priority") is not None:
        props["priority"] = _priority(data["priority"])
    if data.get("estimatedMinutes") is not None:
        props["estimatedMinutes"] = _minutes(data["estimatedMinutes"])
    skills = requirements(data.get("requiredSkills")) if data.get("requiredSkills") is not None else None
    params = {
        "id": ticket_id,
        "props": props,
        "setDue": "dueAt" in data,
        "dueAt": _iso(data.get("dueAt"), "dueAt"),
        "setSite": "site" in data,
        "site": validate.geo(data.get("site"), "site"),
    }

    async def work(tx: Tx) -> None:
        state = await lock(tx, ticket_id)
        if "estimatedMinutes" in props and state["status"] in ("SCHEDULED", "IN_PROGRESS"):
            raise Conflict(
                f"the duration of a {state['status']} ticket is booked; unassign it first", field="estimatedMinutes"
            )
        await tx.run(q.UPDATE, params)
        if "dueAt" in data:
            await tx.run(sla_q.RESET, {"id": ticket_id})
        if skills is not None:
            await tx.run(q.SET_REQUIREMENTS, {"id": ticket_id, "skills": skills})
        emit(tx, "TICKET", ticket_id, "UPDATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return ticket_id


def check_step(current: str, wanted: str) -> None:
    if (current, wanted) not in STEPS:
        raise Conflict(f"a ticket cannot go from {current} to {wanted}", field="status", current=current, wanted=wanted)


async def set_status(deps: Deps, who: Principal, ticket_id: str, status: str) -> str:
    if status not in STATUSES:
        raise BadInput("unknown status", field="status")

    async def work(tx: Tx) -> None:
        state = await lock(tx, ticket_id)
        if who.role not in TICKET_WRITERS and not (who.role is Role.TECHNICIAN and state["assigneeId"] == who.user_id):
            raise Forbidden(f"role {who.role.value} may only change the status of tickets assigned to it")
        if status == "RESOLVED" and state["assigneeId"] is None:
            raise Conflict("a ticket cannot be RESOLVED without an assignee", field="status")
        check_step(state["status"], status)
        await tx.run(q.SET_STATUS, {"id": ticket_id, "status": status})
        emit(tx, "TICKET", ticket_id, "UPDATED", ["status"], who.user_id, {"previousStatus": state["status"]})

    await deps.db.transaction(work)
    return ticket_id
