"""Leads: qualified over several attempts, documented fast, then converted (or disqualified)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from domain import campaigns, refs, validate
from domain.activities import TYPES as ACTIVITY_TYPES
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import emit
from domain.ids import new_id
from domain.opportunities import DEFAULT_PROBABILITY, cents, money
from graph import activities as activity_q
from graph import common
from graph import companies as company_q
from graph import leads as q
from graph import opportunities as opportunity_q
from graph import persons as person_q
from graph.db import Row, Tx
from graph.paging import Page, PageArgs, read_page

PARTS = frozenset(q.FRAGMENTS)
TEXT = {"firstName": 200, "lastName": 200, "companyName": 300, "source": 200}
CLOSED = ("DISQUALIFIED", "CONVERTED")


def projection(include: Iterable[str]) -> str:
    return q.NODES.projection(include)


async def get(deps: Deps, lead_id: str, include: Iterable[str] = ()) -> Row | None:
    return await q.NODES.get(deps.db, lead_id, include)


async def get_many(deps: Deps, ids: list[str], include: Iterable[str] = ()) -> dict[str, Row]:
    return await q.NODES.get_many(deps.db, ids, include)


async def page(deps: Deps, args: PageArgs, flt: dict[str, Any] | None, include: Iterable[str] = ()) -> Page:
    flt = flt or {}
    params = {
        "status": flt.get("status"),
        "ownerId": flt.get("ownerId"),
        "minScore": flt.get("minScore"),
        "campaignId": flt.get("campaignId"),
        **args.after_params("afterAt", "afterId"),
    }
    return await read_page(deps.db, q.PAGE.format(projection=projection(include)), params, args)


def _props(data: dict[str, Any], creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, max_len in TEXT.items():
        if key in data:
            out[key] = validate.text(data[key], key, required=key == "lastName", max_len=max_len)
    if creating and not out.get("lastName"):
        raise BadInput("lastName is required", field="lastName")
    if "email" in data:
        out["email"] = validate.email(data["email"])
    if "phone" in data:
        out["phone"] = validate.phone(data["phone"], "phone") if data["phone"] else None
    if "companyDomain" in data:
        domain = validate.text(data["companyDomain"], "companyDomain", max_len=200)
        out["companyDomain"] = domain.lower() if domain else None
    return out


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "create leads")
    props = _props(data, creating=True)
    lead_id = new_id("Lead")
    params = {key: props.get(key) for key in (*TEXT, "email", "phone", "companyDomain")}
    params.update(id=lead_id, ownerId=data.get("ownerId") or who.user_id)

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"ownerId": ("User", params["ownerId"])})
        await tx.run(q.CREATE, params)
        campaign_id = data.get("campaignId")
        if campaign_id:
            await campaigns.link(tx, "Lead", lead_id, campaign_id)
        extra = {"campaignId": campaign_id} if campaign_id else None
        emit(tx, "LEAD", lead_id, "CREATED", data.keys(), who.user_id, extra)

    await deps.db.transaction(work)
    return lead_id


async def _state(tx: Tx, lead_id: str) -> Row:
    rows = await tx.run(q.STATE, {"id": lead_id})
    if not rows:
        raise NotFound(f"no lead {lead_id!r}")
    return dict(rows[0]["lead"])


async def update(deps: Deps, who: Principal, lead_id: str, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "update leads")
    props = _props(data, creating=False)

    async def work(tx: Tx) -> None:
        await _state(tx, lead_id)
        await refs.require(tx, {"ownerId": ("User", data.get("ownerId"))})
        params = {"id": lead_id, "props": props, "setOwner": "ownerId" in data, "ownerId": data.get("ownerId")}
        await tx.run(q.UPDATE, params)
        if "campaignId" in data:
            await campaigns.link(tx, "Lead", lead_id, data["campaignId"])
        emit(tx, "LEAD", lead_id, "UPDATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return lead_id


async def attempt(deps: Deps, who: Principal, lead_id: str, data: dict[str, Any]) -> str:
    """One qualification attempt: an activity about the lead; an outcome starting 'qualified' qualifies it."""
    who.require(CRM_WRITERS, "work on leads")
    if data.get("type") not in ACTIVITY_TYPES:
        raise BadInput("unknown activity type", field="type")
    outcome = str(validate.text(data.get("outcome"), "outcome", required=True, max_len=2000))
    next_at = data.get("nextAttemptAt")
    if next_at is not None:
        next_at = validate.moment(next_at, "nextAttemptAt").isoformat()
    activity = {
        "id": new_id("Activity"),
        "byId": who.user_id,
        "type": data["type"],
        "subject": f"Qualification attempt: {outcome}"[:500],
        "body": validate.text(data.get("note"), "note", max_len=100_000),
        "outcome": outcome,
        "occurredAt": datetime.now(UTC).isoformat(),
        "durationMinutes": None,
        "subjectIds": [lead_id],
    }

    async def work(tx: Tx) -> None:
        lead = await _state(tx, lead_id)
        if lead["status"] in CLOSED:
            raise Conflict(f"the lead is {lead['status'].lower()}; no more attempts")
        qualified = outcome.lower().startswith("qualified") or lead["status"] == "QUALIFIED"
        await tx.run(activity_q.CREATE, activity)
        await tx.run(
            q.ATTEMPT,
            {
                "id": lead_id,
                "status": "QUALIFIED" if qualified else "WORKING",
                "nextAttemptAt": next_at,
            },
        )
        emit(tx, "LEAD", lead_id, "UPDATED", ("attempts", "status"), who.user_id)

    await deps.db.transaction(work)
    return lead_id


async def disqualify(deps: Deps, who: Principal, lead_id: str, reason: str) -> str:
    who.require(CRM_WRITERS, "disqualify leads")
    text = validate.text(reason, "reason", required=True, max_len=2000)

    async def work(tx: Tx) -> None:
        if (await _state(tx, lead_id))["status"] == "CONVERTED":
            raise Conflict("the lead is converted already")
        await tx.run(q.DISQUALIFY, {"id": lead_id, "reason": text})
        emit(tx, "LEAD", lead_id, "UPDATED", ("status",), who.user_id)

    await deps.db.transaction(work)
    return lead_id


async def convert(deps: Deps, who: Principal, lead_id: str, data: dict[str, Any]) -> Row:
    """Person (and company, reused by domain) and optionally an opportunity, all in one transaction."""
    who.require(CRM_WRITERS, "convert leads")
    amount = money(data.get("amount") if data.get("amount") is not None else "0")
    opportunity_name = validate.text(data.get("opportunityName"), "opportunityName", max_len=300)
    result: Row = {"personId": new_id("Person"), "companyId": None, "opportunityId": None}

    async def work(tx: Tx) -> None:
        lead = await _state(tx, lead_id)
        if lead["status"] in CLOSED:
            raise Conflict(f"the lead is {lead['status'].lower()}; it cannot be converted")
        owner = await tx.run(q.OWNER, {"id": lead_id})
        owner_id = owner[0]["id"] if owner else None
        company_id = None
        if lead.get("companyDomain"):
            # Parallel conversions from one new company create it once: the lookup runs under a lock.
            await tx.run(common.LOCK_NAMED, {"name": common.COMPANY_BY_DOMAIN})
            found = await tx.run(q.COMPANY_BY_DOMAIN, {"domain": lead["companyDomain"]})
            company_id = found[0]["id"] if found else None
        if company_id is None and lead.get("companyName"):
            company_id = new_id("Company")
            await tx.run(
                company_q.CREATE,
                {
                    "id": company_id,
                    "name": lead["companyName"],
                    "sortName": validate.sort_key(lead["companyName"]),
                    "domain": lead.get("companyDomain"),
                    "industry": None,
                    "city": None,
                    "country": None,
                    "isReference": False,
                    "location": None,
                    "parentId": None,
                    "ownerId": owner_id,
                },
            )
        await tx.run(
            person_q.CREATE,
            {
                "id": result["personId"],
                "firstName": lead.get("firstName"),
                "lastName": lead["lastName"],
                "sortName": validate.sort_key(f"{lead['lastName']} {lead.get('firstName') or ''}"),
                "email": lead.get("email"),
                "phones": [lead["phone"]] if lead.get("phone") else [],
                "jobTitle": None,
                "city": None,
                "country": None,
                "tags": [],
                "source": lead.get("source") or "lead",
                "location": None,
                "companyId": company_id,
                "unitId": None,
                "ownerId": owner_id,
            },
        )
        if data.get("createOpportunity", True):
            result["opportunityId"] = new_id("Opportunity")
            await tx.run(
                opportunity_q.CREATE,
                {
                    "id": result["opportunityId"],
                    "name": opportunity_name or f"{lead.get('companyName') or lead['fullName']}",
                    "amount": amount,
                    "amountCents": cents(amount),
                    "currency": "EUR",
                    "stage": "QUALIFICATION",
                    "probability": DEFAULT_PROBABILITY["QUALIFICATION"],
                    "overridden": False,
                    "expectedCloseDate": None,
                    "nextStep": None,
                    "nextStepDue": None,
                    "companyId": company_id,
                    "ownerId": owner_id or who.user_id,
                    "byId": who.user_id,
                },
            )
        await tx.run(q.CONVERT, {"id": lead_id, "personId": result["personId"]})
        result["companyId"] = company_id
        emit(tx, "LEAD", lead_id, "UPDATED", ("status", "convertedPerson"), who.user_id)
        emit(tx, "PERSON", result["personId"], "CREATED", ("lead",), who.user_id)
        if result["opportunityId"]:
            emit(tx, "OPPORTUNITY", result["opportunityId"], "CREATED", ("lead",), who.user_id)

    await deps.db.transaction(work)
    return result
