"""Activities: the customer history every colleague sees."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from domain import documents, refs, validate
from domain.auth import ACTIVITY_LOGGERS, Principal
from domain.deps import Deps
from domain.errors import BadInput
from domain.events import emit
from domain.ids import new_id
from graph import activities as q
from graph.db import Row, Tx
from graph.paging import Page, PageArgs, read_pages
from graph.projection import project

TYPES = ("CALL", "MEETING", "VISIT", "EMAIL", "NOTE", "RESEARCH", "TASK")
SUBJECT_FIELDS = {
    "companyId": "Company",
    "opportunityId": "Opportunity",
    "leadId": "Lead",
    "ticketId": "Ticket",
    "projectId": "Project",
}
PARTS = frozenset(q.FRAGMENTS)
TIMELINES = {
    "Person": q.PERSON_TIMELINE,
    "Company": q.COMPANY_TIMELINE,
    "Opportunity": q.OPPORTUNITY_TIMELINE,
}


async def get(deps: Deps, activity_id: str) -> Row | None:
    row = await deps.db.read_one(q.BY_ID, {"id": activity_id})
    return row["node"] if row else None


async def timeline(deps: Deps, label: str, node_id: str, args: PageArgs, include: Iterable[str] = ("about",)) -> Page:
    return (await timelines(deps, label, [node_id], args, include))[node_id]


async def timelines(
    deps: Deps, label: str, ids: list[str], args: PageArgs, include: Iterable[str] = ("about",)
) -> dict[str, Page]:
    """One page of history for each person, company or opportunity, in one round trip.

    `include` names the nested parts to project (`about`: the subjects, with their scalars).
    """
    params = args.after_params("afterAt", "afterId")
    query = TIMELINES[label].replace(q.PROJECTION, project("a", q.FIELDS, q.FRAGMENTS, include))
    return await read_pages(deps.db, query, ids, params, args)


def _when(value: datetime | None, field: str = "occurredAt") -> str:
    return validate.moment(value or datetime.now(UTC), field).isoformat()


async def log(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(ACTIVITY_LOGGERS, "log activities")
    if data.get("type") not in TYPES:
        raise BadInput("unknown activity type", field="type")
    duration = data.get("durationMinutes")
    if duration is not None and not 0 <= duration <= 7 * 24 * 60:
        raise BadInput("durationMinutes must be between 0 and 10080", field="durationMinutes")
    checks: dict[str, tuple[str, str | None]] = {
        field: (label, data.get(field)) for field, label in SUBJECT_FIELDS.items()
    }
    person_ids = list(dict.fromkeys(validate.items(data.get("personIds"), "personIds") or []))
    for i, person_id in enumerate(person_ids):
        checks[f"personIds[{i}]"] = ("Person", person_id)
    subject_ids = [node_id for _, node_id in checks.values() if node_id]
    if not subject_ids:
        raise BadInput("an activity needs at least one subject (person, company, opportunity, lead, ticket or project)")
    document_ids = list(dict.fromkeys(validate.items(data.get("documentIds"), "documentIds") or []))
    params = {
        "id": new_id("Activity"),
        "byId": who.user_id,
        "type": data["type"],
        "subject": validate.text(data.get("subject"), "subject", required=True, max_len=500),
        "body": validate.text(data.get("body"), "body", max_len=100_000),
        "outcome": validate.text(data.get("outcome"), "outcome", max_len=2000),
        "occurredAt": _when(data.get("occurredAt")),
        "durationMinutes": duration,
        "subjectIds": subject_ids,
        "location": validate.geo(data.get("location"), "location"),
    }

    async def work(tx: Tx) -> None:
        # People are locked, so an erasure cannot run between the check and the link.
        await refs.require(tx, {field: ref for field, ref in checks.items() if ref[0] != "Person"})
        await refs.require_locked(tx, {field: ref for field, ref in checks.items() if ref[0] == "Person"})
        await tx.run(q.CREATE, params)
        if params["location"] is not None:
            await tx.run(q.SET_LOCATION, {"id": params["id"], "location": params["location"]})
        await documents.attach_to_activity(tx, who, str(params["id"]), document_ids)
        emit(tx, "ACTIVITY", str(params["id"]), "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return str(params["id"])
