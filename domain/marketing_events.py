"""[b2c] Events of campaigns and their participants.

Participation is one PARTICIPATES relationship per person and event, its status REGISTERED,
ATTENDED or CANCELLED. registerParticipant is idempotent (the same status again changes nothing);
REGISTERED -> ATTENDED or CANCELLED, CANCELLED -> REGISTERED or ATTENDED (a walk-in), a first
registration as REGISTERED or ATTENDED. ATTENDED is final, and nobody is cancelled who never registered:
CONFLICT.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import refs, validate
from domain.auth import MARKETERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import emit
from domain.ids import new_id
from graph import marketing_events as q
from graph.db import Tx

PARTICIPANTS = q.PARTICIPANTS
STATUSES = ("REGISTERED", "ATTENDED", "CANCELLED")
ALLOWED = {
    None: {"REGISTERED", "ATTENDED"},
    "REGISTERED": {"ATTENDED", "CANCELLED"},
    "CANCELLED": {"REGISTERED", "ATTENDED"},
    "ATTENDED": set(),
}


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(MARKETERS, "create events")
    starts = data.get("startsAt")
    if not isinstance(starts, datetime):
        raise BadInput("startsAt is required", field="startsAt")
    params: dict[str, Any] = {
        "id": new_id("Event"),
        "name": validate.text(data.get("name"), "name", required=True, max_len=200),
        "startsAt": starts.isoformat(),
        "venue": validate.text(data.get("venue"), "venue", max_len=200),
        "location": validate.geo(data.get("location"), "location"),
        "campaignId": data.get("campaignId"),
    }

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"campaignId": ("Campaign", params["campaignId"])})
        await tx.run(q.CREATE, params)
        emit(tx, "EVENT", params["id"], "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return str(params["id"])


async def register(deps: Deps, who: Principal, event_id: str, person_id: str, status: str) -> str:
    who.require(MARKETERS, "register participants")
    if status not in STATUSES:
        raise BadInput("unknown status", argument="status")

    async def work(tx: Tx) -> None:
        rows = await tx.run(q.STATE, {"eventId": event_id, "personId": person_id})
        if not rows:
            raise NotFound(f"no event {event_id!r}", argument="eventId")
        if not rows[0]["person"]:
            raise NotFound(f"no person {person_id!r}", argument="personId")
        current = rows[0]["status"]
        if current == status:
            return  # idempotent: nothing changes, no event
        if status not in ALLOWED[current]:
            raise Conflict(f"a participant cannot go from {current or 'unregistered'} to {status}", argument="status")
        await tx.run(q.REGISTER, {"eventId": event_id, "personId": person_id, "status": status})
        emit(tx, "EVENT", event_id, "UPDATED", ["participants"], who.user_id, {"personId": person_id})

    await deps.db.transaction(work)
    return event_id
