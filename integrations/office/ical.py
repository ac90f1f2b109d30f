"""Activities and visits as iCalendar (RFC 5545) for Outlook, written piece by piece so a long history streams.

Each event is built with the `icalendar` package (as the booking feed in domain/calendar.py); the calendar's
header and footer are written around them, so no calendar object holds every event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Graph CRM//Activities//EN"


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def header(name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    text = bytes(calendar.to_ical())
    return text[: text.rindex(b"END:VCALENDAR")]


FOOTER = b"END:VCALENDAR\r\n"


def event(row: Mapping[str, Any], stamp: datetime) -> bytes:
    """One activity (id, type, subject, body, outcome, occurredAt ms, durationMinutes, by {name, email},
    people [{name, email}], company) as a VEVENT."""
    item = Event()
    start = _at(row["occurredAt"])
    item.add("uid", f"{row['id']}@graph-crm")
    item.add("dtstamp", stamp)
    item.add("dtstart", start)
    item.add("dtend", start + timedelta(minutes=int(row.get("durationMinutes") or 0)))
    item.add("summary", row.get("subject") or row["type"].title())
    item.add("categories", [row["type"]])
    lines = [text for text in (row.get("body"), row.get("outcome") and f"Outcome: {row['outcome']}") if text]
    if lines:
        item.add("description", "\n\n".join(str(line) for line in lines))
    if row.get("company"):
        item.add("location", row["company"])
    by = row.get("by")
    if by and by.get("email"):
        organizer = vCalAddress(f"mailto:{by['email']}")
        organizer.params["cn"] = vText(by.get("name") or by["email"])
        item.add("organizer", organizer)
    for person in row.get("people") or []:
        if person.get("email"):
            attendee = vCalAddress(f"mailto:{person['email']}")
            attendee.params["cn"] = vText(person.get("name") or person["email"])
            item.add("attendee", attendee, encode=False)
    item.add("transp", "OPAQUE" if row["type"] in ("MEETING", "VISIT") else "TRANSPARENT")
    return bytes(item.to_ical())
