"""Which technicians fit a ticket, best first, and why (README "Matching")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.deps import Deps
from domain.errors import BadInput, NotFound
from graph import matching as q
from graph.db import Row

# score = BASE + SURPLUS * (levels above the minimum, summed over the required skills)
#       - KM * distance from the home base in km (UNKNOWN_KM when the site or the base is unknown)
#       - WAIT_HOUR * hours from the window's start to availableFrom
#       - BOOKED_HOUR * hours already booked on availableFrom's day (UTC)
#       + SERVED when the technician served the customer (or its corporate group) before
WEIGHTS = {
    "base": 100.0,
    "surplus": 5.0,
    "km": 0.2,
    "unknownKm": 100.0,
    "waitHour": 1.0,
    "bookedHour": 2.0,
    "served": 15.0,
}
MAX_CANDIDATES = 100
MAX_WINDOW_DAYS = 62


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def window(start: datetime, end: datetime) -> tuple[str, str]:
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise BadInput("windowEnd must be after windowStart", argument="windowEnd")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise BadInput(f"the window may span {MAX_WINDOW_DAYS} days at most", argument="windowEnd")
    return start.isoformat(), end.isoformat()


async def rows(
    run: Any, ticket_id: str, start: datetime, end: datetime, first: int, user_id: str | None = None
) -> list[Row]:
    """The matching query through `run` (a read, or a write transaction's run when booking)."""
    ws, we = window(start, end)
    params = {
        "ticketId": ticket_id,
        "windowStart": ws,
        "windowEnd": we,
        "limit": first,
        "userId": user_id,
        "w": WEIGHTS,
    }
    return list(await run(q.CANDIDATES, params))


async def candidates(deps: Deps, ticket_id: str, start: datetime, end: datetime, first: int = 10) -> list[Row]:
    if not 0 <= first <= MAX_CANDIDATES:
        raise BadInput(f"first must be between 0 and {MAX_CANDIDATES}", argument="first")
    found = await rows(deps.db.read, ticket_id, start, end, first)
    if not found and not await deps.db.read_one("MATCH (t:Ticket {id: $id}) RETURN t.id AS id", {"id": ticket_id}):
        raise NotFound(f"no ticket {ticket_id!r}", argument="ticketId")
    return [{**r, "reasons": reasons(r)} for r in found]


def _when(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def reasons(row: Row) -> list[str]:
    """Sentences a dispatcher reads, one per part of the score."""
    out = [f"knows {s['name']} at level {s['level']} ({s['min']} required)" for s in row["skills"]]
    km = row.get("distanceKm")
    out.append(f"{km:.0f} km from home base" if km is not None else "distance unknown (no site or no home base)")
    out.append(f"free from {_when(row['availableFrom']):%a %d %b %H:%M} UTC")
    booked = row.get("bookedMinutes") or 0
    out.append(f"{booked / 60:.1f} h already booked that day" if booked else "nothing else booked that day")
    if row.get("servedAt") is not None:
        out.append(f"served this customer in {_when(row['servedAt']):%B %Y}")
    return out
