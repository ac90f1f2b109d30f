"""When recurring mailings run: a cron expression read in the mailing's IANA time zone.

Occurrences are found on the local wall clock (croniter over naive local times) and only then turned into
instants, so a change of daylight saving time neither skips nor doubles a run:

* spring forward (02:00 -> 03:00): a wall time inside the gap ("30 2 * * *") still runs once, at the instant
  zoneinfo gives the non-existent time (fold 0: read with the offset before the change, i.e. 03:30 summer time);
* fall back (03:00 -> 02:00): a wall time that happens twice runs once, at its first instant (fold 0).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from domain.errors import BadInput

MAX_EXPR = 100


def zone(name: str | None, field: str = "timezone") -> ZoneInfo:
    if not name or len(name) > 64:
        raise BadInput(f"{field} must be an IANA time zone such as Europe/Berlin", field=field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInput(f"{field}: unknown time zone {name!r}", field=field) from exc


def cron(expr: str | None, field: str = "recurrence") -> str | None:
    if expr is None or not expr.strip():
        return None
    expr = " ".join(expr.split())
    if len(expr) > MAX_EXPR or len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise BadInput(f"{field} must be a cron expression of five fields (minute hour day month weekday)", field=field)
    return expr


def _instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall time as a UTC instant (fold 0: the first of a repeated time, the offset before a gap)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def next_after(expr: str, tz_name: str, after: datetime) -> datetime:
    """The first occurrence strictly after the instant `after` (UTC)."""
    tz = zone(tz_name)
    # Start a little before `after` on the wall clock: around a change the wall clock runs back by up to an hour.
    wall = after.astimezone(tz).replace(tzinfo=None) - timedelta(hours=3)
    it = croniter(expr, wall)
    while True:
        candidate = _instant(it.get_next(datetime), tz)
        if candidate > after:
            return candidate


def between(expr: str, tz_name: str, start: datetime, end: datetime) -> list[datetime]:
    """Occurrences in (start, end], as UTC instants."""
    out: list[datetime] = []
    current = start
    while (current := next_after(expr, tz_name, current)) <= end:
        out.append(current)
    return out
