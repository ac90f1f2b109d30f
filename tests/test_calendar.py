"""GET /calendar/{userId}.ics: a technician's bookings as RFC 5545 iCalendar, read with a bearer
credential or a rotatable feed token; parsed back with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from icalendar import Calendar

from domain.deps import Deps
from tests.conftest import Gql, data, login
from tests.service_scenario import ASSIGN, BERLIN, at, company, iso, slot, technician, ticket

ROTATE = "mutation($u: ID!) { rotateCalendarToken(userId: $u) }"


async def test_bookings_are_served_as_icalendar(
    gql: Gql, deps: Deps, admin_token: str, client: httpx.AsyncClient
) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    anna = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [slot(0, 8, 16)])
    first = await ticket(gql, admin_token, subject="Pump leaks", companyId=acme, estimatedMinutes=90)
    second = await ticket(gql, admin_token, subject="Valve check", companyId=acme, description="Bring spares")
    data(await gql(ASSIGN, {"t": first, "u": anna, "s": iso(at(0, 8))}, admin_token))
    data(await gql(ASSIGN, {"t": second, "u": anna, "s": iso(at(0, 13))}, admin_token))
    # when her calendar is fetched with her own token
    token = await login(gql, "anna@crm.test")
    response = await client.get(f"/calendar/{anna}.ics", headers={"Authorization": f"Bearer {token}"})
    # then it is valid iCalendar with both bookings
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0" and "prodid" in calendar
    events: list[Any] = list(calendar.walk("VEVENT"))
    assert [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [
        ("Pump leaks", datetime(2030, 3, 4, 8, tzinfo=UTC), datetime(2030, 3, 4, 9, 30, tzinfo=UTC)),
        ("Valve check", datetime(2030, 3, 4, 13, tzinfo=UTC), datetime(2030, 3, 4, 14, tzinfo=UTC)),
    ]
    assert [str(e["uid"]) for e in events] == [f"{first}@graph-crm", f"{second}@graph-crm"]
    assert str(events[1]["location"]) == "Acme"
    assert "Bring spares" in str(events[1]["description"])
    assert all(e.decoded("dtstamp").tzinfo is not None for e in events)


async def test_feed_tokens_rotate_and_strangers_are_refused(
    gql: Gql, deps: Deps, admin_token: str, client: httpx.AsyncClient, make_user: Any
) -> None:
    anna = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [])
    _, rep = await make_user("SALES_REP")
    # a feed token works without a bearer header, until it is rotated
    old = data(await gql(ROTATE, {"u": anna}, admin_token))["rotateCalendarToken"]
    assert (await client.get(f"/calendar/{anna}.ics", params={"token": old})).status_code == 200
    new = data(await gql(ROTATE, {"u": anna}, admin_token))["rotateCalendarToken"]
    assert (await client.get(f"/calendar/{anna}.ics", params={"token": old})).status_code == 401
    ok = await client.get(f"/calendar/{anna}.ics", params={"token": new})
    assert ok.status_code == 200 and list(Calendar.from_ical(ok.content).walk("VEVENT")) == []
    # nobody else's token, no credential at all, a sales rep: refused
    assert (await client.get(f"/calendar/{anna}.ics")).status_code == 401
    refused = await client.get(f"/calendar/{anna}.ics", headers={"Authorization": f"Bearer {rep}"})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(ROTATE, {"u": anna}, rep))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    missing = await client.get("/calendar/usr_nope.ics", headers={"Authorization": f"Bearer {admin_token}"})
    assert missing.status_code == 404
