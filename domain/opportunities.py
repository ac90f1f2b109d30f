"""Opportunities (enough of the sales pipeline to hang buying centers and history on)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from domain import campaigns, refs, validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from domain.events import emit
from domain.ids import new_id
from graph import opportunities as q
from graph.db import Row, Tx
from graph.paging import Page, PageArgs, read_page, read_pages

PARTS = frozenset(q.FRAGMENTS)
STAGES = ("PROSPECTING", "QUALIFICATION", "PROPOSAL", "NEGOTIATION", "CLOSED_WON", "CLOSED_LOST")
DEFAULT_PROBABILITY = {
    "PROSPECTING": 0.1,
    "QUALIFICATION": 0.2,
    "PROPOSAL": 0.5,
    "NEGOTIATION": 0.75,
    "CLOSED_WON": 1.0,
    "CLOSED_LOST": 0.0,
}


def projection(include: Iterable[str]) -> str:
    return q.NODES.projection(include)


async def get(deps: Deps, opportunity_id: str, include: Iterable[str] = ()) -> Row | None:
    return await q.NODES.get(deps.db, opportunity_id, include)


async def get_many(deps: Deps, ids: list[str], include: Iterable[str] = ()) -> dict[str, Row]:
    return await q.NODES.get_many(deps.db, ids, include)


async def page(deps: Deps, args: PageArgs, flt: dict[str, Any] | None, include: Iterable[str] = ()) -> Page:
    flt = flt or {}
    params = {
        "companyId": flt.get("companyId"),
        "ownerId": flt.get("ownerId"),
        "stage": flt.get("stage"),
        "open": flt.get("open"),
        "closingFrom": _iso(flt.get("closingFrom"), "filter.closingFrom"),
        "closingTo": _iso(flt.get("closingTo"), "filter.closingTo"),
        "hasAlert": flt.get("hasAlert"),
        **args.after_params("afterAt", "afterId"),
    }
    return await read_page(deps.db, q.PAGE.format(projection=projection(include)), params, args)


async def company_pages(deps: Deps, ids: list[str], args: PageArgs, include: Iterable[str] = ()) -> dict[str, Page]:
    """One page of opportunities for each company, newest first, in one round trip."""
    query = q.COMPANY_PAGES.format(projection=projection(include))
    return await read_pages(deps.db, query, ids, args.after_params("afterAt", "afterId"), args)


def _iso(value: Any, field: str = "") -> str | None:
    return validate.day(value, field).isoformat() if isinstance(value, date) else value


def money(value: Any, field: str = "amount") -> str:
    return validate.money(value, field)


def cents(value: Any) -> int:
    """The amount in cents, for exact sums in Cypher (money() has validated it)."""
    return int(Decimal(money(value)) * 100)


def currency(value: str | None) -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise BadInput("currency must be an ISO 4217 code such as EUR", field="currency")
    return code


def _probability(value: float | None) -> float | None:
    return validate.unit_interval(value, "probability")


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "create opportunities")
    stage = data.get("stage") or "PROSPECTING"
    probability = _probability(data.get("probability"))
    params: dict[str, Any] = {
        "id": new_id("Opportunity"),
        "name": validate.text(data.get("name"), "name", required=True, max_len=300),
        "amount": money(data.get("amount")),
        "amountCents": cents(data.get("amount")),
        "currency": currency(data.get("currency") or "EUR"),
        "stage": stage,
        "probability": DEFAULT_PROBABILITY[stage] if probability is None else probability,
        "overridden": probability is not None,
        "expectedCloseDate": _iso(data.get("expectedCloseDate"), "expectedCloseDate"),
        "nextStep": validate.text(data.get("nextStep"), "nextStep", max_len=500),
        "nextStepDue": _iso(data.get("nextStepDue"), "nextStepDue"),
        "companyId": data.get("companyId"),
        "ownerId": data.get("ownerId") or who.user_id,
        "byId": who.user_id,
    }

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"companyId": ("Company", params["companyId"]), "ownerId": ("User", params["ownerId"])})
        await tx.run(q.CREATE, params)
        if data.get("campaignId"):
            await campaigns.link(tx, "Opportunity", str(params["id"]), data["campaignId"])
        emit(tx, "OPPORTUNITY", params["id"], "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return str(params["id"])


async def update(deps: Deps, who: Principal, opportunity_id: str, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "update opportunities")
    props: dict[str, Any] = {}
    if "name" in data:
        props["name"] = validate.text(data["name"], "name", required=True, max_len=300)
    if "amount" in data:
        if data["amount"] is None:
            raise BadInput("amount cannot be null", field="amount")
        props["amount"] = money(data["amount"])
        props["amountCents"] = cents(data["amount"])
    if "nextStep" in data:
        props["nextStep"] = validate.text(data["nextStep"], "nextStep", max_len=500)
    if data.get("stage") is not None and data["stage"] not in STAGES:
        raise BadInput("unknown stage", field="stage")

    previous: dict[str, str] = {}

    async def work(tx: Tx) -> None:
        current = await tx.run(q.CURRENT, {"id": opportunity_id})
        if not current:
            raise NotFound(f"no opportunity {opportunity_id!r}")
        previous["previousStage"] = current[0]["stage"]
        await refs.require(tx, {"ownerId": ("User", data.get("ownerId"))})
        if data.get("stage"):
            props["stage"] = data["stage"]
        if data.get("probability") is not None:
            props["probability"] = _probability(data["probability"])
            props["probabilityOverridden"] = True
        elif data.get("stage") and (not current[0]["overridden"] or data["stage"].startswith("CLOSED")):
            props["probability"] = DEFAULT_PROBABILITY[data["stage"]]
            props["probabilityOverridden"] = False
        await tx.run(
            q.UPDATE,
            {
                "id": opportunity_id,
                "byId": who.user_id,
                "props": props,
                "setClose": "expectedCloseDate" in data,
                "expectedCloseDate": _iso(data.get("expectedCloseDate"), "expectedCloseDate"),
                "setDue": "nextStepDue" in data,
                "nextStepDue": _iso(data.get("nextStepDue"), "nextStepDue"),
                "setOwner": "ownerId" in data,
                "ownerId": data.get("ownerId"),
            },
        )
        emit(tx, "OPPORTUNITY", opportunity_id, "UPDATED", data.keys(), who.user_id, previous)

    await deps.db.transaction(work)
    return opportunity_id
