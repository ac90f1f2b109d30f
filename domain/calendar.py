"""A technician's bookings as an iCalendar feed (RFC 5545), for Outlook and phones to subscribe to.

Read with a bearer credential (the technician, an ADMIN or a SERVICE_AGENT) or with the user's
feed token (`rotateCalendarToken`; only its SHA-256 is stored, rotating invalidates the old one).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from icalendar import Calendar, Event, vGeo

from domain.auth import Principal, Role, key_hash
from domain.deps import Deps
from domain.errors import Forbidden, NotFound, Unauthenticated
from domain.events import emit
from graph import calendar as q
from graph.db import Row, Tx

READERS = frozenset({Role.ADMIN, Role.SERVICE_AGENT})
PRODID = "-//Graph CRM//Service bookings//EN"


def _may_read(who: Principal, user_id: str) -> None:
    if who.user_id != user_id and who.role not in READERS:
        raise Forbidden("only the technician, ADMINs and SERVICE_AGENTs read this calendar")


async def rotate_token(deps: Deps, who: Principal, user_id: str) -> str:
    _may_read(who, user_id)
    token = "cal_" + secrets.token_urlsafe(32)

    async def work(tx: Tx) -> None:
        if not await tx.run(q.SET_FEED_TOKEN, {"userId": user_id, "hash": key_hash(token)}):
            raise NotFound(f"no user {user_id!r}", argument="userId")
        emit(tx, "USER", user_id, "UPDATED", ["calendarToken"], who.user_id)

    await deps.db.transaction(work)
    return token


async def authorise(deps: Deps, user_id: str, credential: str | None, feed_token: str | None) -> None:
    if feed_token:
        row = await deps.db.read_one(q.FEED_TOKEN, {"userId": user_id})
        stored = (row or {}).get("hash")
        if not stored or not hmac.compare_digest(str(stored), key_hash(feed_token)):
            raise Unauthenticated("invalid or rotated calendar token")
        return
    who = await deps.auth.authenticate(credential)
    if who is None:
        raise Unauthenticated("send Authorization: Bearer <token or API key>, or ?token=<calendar token>")
    _may_read(who, user_id)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _event(row: Row, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{row['id']}@graph-crm")
    event.add("dtstamp", stamp)
    event.add("dtstart", _at(row["start"]))
    event.add("dtend", _at(row["end"]))
    event.add("summary", row["subject"])
    customer = row.get("company") or row.get("person")
    lines = [f"Ticket {row['id']} ({row['priority']}, {row['status']})"]
    if customer:
        lines.append(f"Customer: {customer}")
        event.add("location", customer)
    if row.get("description"):
        lines.append(str(row["description"]))
    event.add("description", "\n".join(lines))
    if row.get("site"):
        event.add("geo", vGeo((row["site"]["lat"], row["site"]["lon"])))
    event.add("status", "CANCELLED" if row["status"] == "CLOSED" else "CONFIRMED")
    if row.get("updatedAt"):
        event.add("last-modified", _at(row["updatedAt"]))
    return event


async def feed(deps: Deps, user_id: str, credential: str | None, feed_token: str | None) -> bytes:
    await authorise(deps, user_id, credential, feed_token)
    row = await deps.db.read_one(q.BOOKINGS, {"userId": user_id})
    if row is None:
        raise NotFound(f"no user {user_id!r}")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Bookings of {row['name']}")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for booking in row["bookings"]:
        calendar.add_component(_event(booking, stamp))
    return bytes(calendar.to_ical())
