"""[b2c] Campaigns: where leads, opportunities, mailings and events come from, and what they brought."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import refs, validate
from domain.auth import MARKETERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import emit
from domain.ids import new_id
from graph import campaigns as q
from graph.db import Tx

CHANNELS = ("EMAIL", "SMS", "PHONE", "POST")
STATUSES = ("PLANNED", "ACTIVE", "COMPLETED", "CANCELLED")
# The steps a campaign may take; staying where it is is always allowed. COMPLETED and CANCELLED are final.
TRANSITIONS = {
    "PLANNED": {"ACTIVE", "CANCELLED"},
    "ACTIVE": {"COMPLETED", "CANCELLED"},
    "COMPLETED": set(),
    "CANCELLED": set(),
}


def check_currency(value: str | None) -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise BadInput("currency must be an ISO 4217 code such as EUR", field="currency")
    return code


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _window(starts: str | None, ends: str | None) -> None:
    if starts and ends and datetime.fromisoformat(ends) < datetime.fromisoformat(starts):
        raise BadInput("endsAt is before startsAt", field="endsAt")


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(MARKETERS, "create campaigns")
    if data.get("channel") not in CHANNELS:
        raise BadInput("unknown channel", field="channel")
    params: dict[str, Any] = {
        "id": new_id("Campaign"),
        "name": validate.text(data.get("name"), "name", required=True, max_len=200),
        "channel": data["channel"],
        "budget": None if data.get("budget") is None else validate.money(data["budget"], "budget"),
        "currency": check_currency(data.get("currency") or "EUR"),
        "startsAt": _iso(data.get("startsAt")),
        "endsAt": _iso(data.get("endsAt")),
    }
    _window(params["startsAt"], params["endsAt"])

    async def work(tx: Tx) -> None:
        await tx.run(q.CREATE, params)
        emit(tx, "CAMPAIGN", params["id"], "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return str(params["id"])


async def update(deps: Deps, who: Principal, campaign_id: str, data: dict[str, Any]) -> str:
    who.require(MARKETERS, "update campaigns")
    props: dict[str, Any] = {}
    if "name" in data:
        props["name"] = validate.text(data["name"], "name", required=True, max_len=200)
    if "budget" in data:
        props["budget"] = None if data["budget"] is None else validate.money(data["budget"], "budget")
    status = data.get("status")
    if "status" in data and status not in STATUSES:
        raise BadInput("unknown status", field="status")
    params: dict[str, Any] = {
        "id": campaign_id,
        "props": props,
        "setStartsAt": "startsAt" in data,
        "startsAt": _iso(data.get("startsAt")),
        "setEndsAt": "endsAt" in data,
        "endsAt": _iso(data.get("endsAt")),
    }

    async def work(tx: Tx) -> None:
        rows = await tx.run(q.STATE, {"id": campaign_id})
        if not rows:
            raise NotFound(f"no campaign {campaign_id!r}")
        current = rows[0]
        if status is not None and status != current["status"]:
            if status not in TRANSITIONS[current["status"]]:
                raise Conflict(f"a campaign cannot go from {current['status']} to {status}", field="status")
            props["status"] = status
        starts = params["startsAt"] if params["setStartsAt"] else current["startsAt"]
        ends = params["endsAt"] if params["setEndsAt"] else current["endsAt"]
        _window(starts, ends)
        await tx.run(q.UPDATE, {**params, "props": props})
        emit(tx, "CAMPAIGN", campaign_id, "UPDATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return campaign_id


async def link(tx: Tx, label: str, node_id: str, campaign_id: str | None) -> None:
    """Inside the write of a lead or opportunity: it came from this campaign (None: from none)."""
    if campaign_id is None:
        await tx.run(q.unlink(label), {"id": node_id})
        return
    await refs.require(tx, {"campaignId": ("Campaign", campaign_id)})
    await tx.run(q.link(label), {"id": node_id, "campaignId": campaign_id})


async def id_of(deps: Deps, label: str, node_id: str) -> str | None:
    row = await deps.db.read_one(q.campaign_of(label), {"id": node_id})
    return None if row is None else str(row["id"])
