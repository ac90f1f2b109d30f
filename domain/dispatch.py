"""Booking technicians for tickets: never twice for overlapping time (README "Booking").

Every booking transaction first takes the ticket's write lock, then the technician's (a property
write on the User node, held until commit), and only then checks the technician's free time with
the matching query and writes the booking. Two transactions booking the same technician are
thereby serialised: the second one reads the first one's committed booking after it got the lock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import matching, tickets
from domain.auth import Principal, Role
from domain.deps import Deps
from domain.errors import Conflict, NotFound
from domain.events import emit
from graph import tickets as q
from graph.db import Row, Tx

DISPATCHERS = frozenset({Role.ADMIN, Role.SERVICE_AGENT, Role.INTEGRATION})
ASSIGNABLE = ("OPEN", "SCHEDULED")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _lock_user(tx: Tx, user_id: str) -> None:
    if not await tx.run(q.LOCK_USER, {"id": user_id}):
        raise NotFound(f"userId: no such user {user_id!r}", argument="userId")


def _previous(state: Row) -> dict[str, str]:
    """What a ticketChanged subscriber needs to know of the state before a booking change."""
    out = {"previousStatus": str(state["status"])}
    if state.get("assigneeId"):
        out["previousAssigneeId"] = str(state["assigneeId"])
    return out


async def _book(tx: Tx, who: Principal, ticket_id: str, user_id: str, start: datetime, state: Row) -> None:
    await tx.run(q.BOOK, {"id": ticket_id, "userId": user_id, "start": start.isoformat()})
    emit(tx, "TICKET", ticket_id, "UPDATED", ["assignee", "scheduled", "status"], who.user_id, _previous(state))


async def assign(deps: Deps, who: Principal, ticket_id: str, user_id: str, start: datetime) -> str:
    who.require(DISPATCHERS, "assign tickets")
    start = _utc(start).replace(microsecond=0)

    async def work(tx: Tx) -> None:
        state = await tickets.lock(tx, ticket_id)
        if state["status"] not in ASSIGNABLE:
            raise Conflict(f"a ticket cannot go from {state['status']} to SCHEDULED", field="status")
        await _lock_user(tx, user_id)
        end = start + timedelta(minutes=int(state["estimatedMinutes"]))
        fit = await matching.rows(tx.run, ticket_id, start, end, 1, user_id)
        if not fit:
            raise Conflict(
                f"the technician lacks a required skill or is not free from {start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC",
                argument="start",
            )
        await _book(tx, who, ticket_id, user_id, start, state)

    await deps.db.transaction(work)
    return ticket_id


async def auto_assign(deps: Deps, who: Principal, ticket_id: str, window_start: datetime, window_end: datetime) -> str:
    """Books the best candidate; leaves the ticket as it is when nobody fits."""
    who.require(DISPATCHERS, "assign tickets")
    matching.window(window_start, window_end)

    async def work(tx: Tx) -> None:
        state = await tickets.lock(tx, ticket_id)
        if state["status"] not in ASSIGNABLE:
            raise Conflict(f"a ticket cannot go from {state['status']} to SCHEDULED", field="status")
        for candidate in await matching.rows(tx.run, ticket_id, window_start, window_end, 20):
            user_id = candidate["user"]["id"]
            await _lock_user(tx, user_id)
            # Re-read under the lock: a booking committed meanwhile may have taken the time.
            fresh = await matching.rows(tx.run, ticket_id, window_start, window_end, 1, user_id)
            if fresh:
                start = datetime.fromtimestamp(fresh[0]["availableFrom"] / 1000, UTC)
                await _book(tx, who, ticket_id, user_id, start, state)
                return

    await deps.db.transaction(work)
    return ticket_id


async def unassign(deps: Deps, who: Principal, ticket_id: str) -> str:
    who.require(DISPATCHERS, "unassign tickets")

    async def work(tx: Tx) -> None:
        state = await tickets.lock(tx, ticket_id)
        if state["status"] != "SCHEDULED":
            raise Conflict(f"a ticket cannot go from {state['status']} to OPEN", field="status")
        await tx.run(q.UNBOOK, {"id": ticket_id})
        emit(tx, "TICKET", ticket_id, "UPDATED", ["assignee", "scheduled", "status"], who.user_id, _previous(state))

    await deps.db.transaction(work)
    return ticket_id
