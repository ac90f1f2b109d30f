"""ticketCandidates on a hand-built roster: exact candidate set, availableFrom, distance, served
before (over the corporate group) and the order of the documented score."""

from __future__ import annotations

from typing import Any

import pytest

from domain.deps import Deps
from domain.matching import WEIGHTS
from tests.conftest import Gql, data, error_code, login
from tests.service_scenario import (
    ASSIGN,
    BERLIN,
    CANDIDATES,
    HAMBURG,
    LEIPZIG,
    POTSDAM,
    at,
    company,
    iso,
    km,
    slot,
    technician,
    ticket,
)

NEEDS = [{"skillName": "Hydraulics", "minLevel": 3}, {"skillName": "Electrics", "minLevel": 1}]
STATUS = "mutation($t: ID!, $s: TicketStatus!) { updateTicketStatus(ticketId: $t, status: $s) { status } }"


def score(surplus: int, distance: float | None, wait_hours: float, booked_minutes: int, served: bool) -> float:
    """The README formula."""
    w = WEIGHTS
    return (
        w["base"]
        + w["surplus"] * surplus
        - w["km"] * (w["unknownKm"] if distance is None else distance)
        - w["waitHour"] * wait_hours
        - w["bookedHour"] * booked_minutes / 60
        + (w["served"] if served else 0)
    )


async def _roster(gql: Gql, deps: Deps, token: str) -> dict[str, Any]:
    holding = await company(gql, token, "Holding", HAMBURG)
    acme = await company(gql, token, "Acme", BERLIN, parentId=holding)
    sister = await company(gql, token, "Acme Nord", HAMBURG, parentId=holding)
    t: dict[str, Any] = {"acme": acme, "sister": sister, "holding": holding}
    full = {"Hydraulics": 3, "Electrics": 1}
    t["anna"] = await technician(deps, gql, token, "Anna", BERLIN, {"Hydraulics": 4, "Electrics": 2}, [slot(0, 8, 12)])
    t["ben"] = await technician(deps, gql, token, "Ben", POTSDAM, full, [slot(0, 8, 18)])
    t["cleo"] = await technician(
        deps, gql, token, "Cleo", HAMBURG, {"Hydraulics": 5, "electrics": 5}, [slot(0, 13, 14), slot(0, 15, 18)]
    )
    t["dirk"] = await technician(deps, gql, token, "Dirk", BERLIN, {"Hydraulics": 2, "Electrics": 5}, [slot(0, 8, 18)])
    t["emma"] = await technician(deps, gql, token, "Emma", LEIPZIG, {"Hydraulics": 5}, [slot(0, 8, 18)])
    t["finn"] = await technician(deps, gql, token, "Finn", BERLIN, full, [slot(0, 8, 10)])
    t["gina"] = await technician(deps, gql, token, "Gina", None, full, [slot(0, 8, 18), slot(1, 8, 10)])
    # bookings: Anna 8-10 and Finn 8-9 on day 0
    for who, minutes in (("anna", 120), ("finn", 60)):
        other = await ticket(gql, token, subject=f"Booked {who}", companyId=sister, estimatedMinutes=minutes)
        data(await gql(ASSIGN, {"t": other, "u": t[who], "s": iso(at(0, 8))}, token))
    # Ben called the holding in March; Gina resolved a ticket for the sister company
    ben_token = await login(gql, "ben@crm.test")
    log = 'mutation($c: ID!) { logActivity(input: {type: CALL, subject: "Intro", companyId: $c, occurredAt: "2026-03-10T10:00:00Z"}) { id } }'
    data(await gql(log, {"c": holding}, ben_token))
    done = await ticket(gql, token, subject="Done before", companyId=sister)
    data(await gql(ASSIGN, {"t": done, "u": t["gina"], "s": iso(at(1, 8))}, token))
    for status in ("IN_PROGRESS", "RESOLVED"):
        data(await gql(STATUS, {"t": done, "s": status}, token))
    t["ticket"] = await ticket(gql, token, companyId=acme, requiredSkills=NEEDS, estimatedMinutes=120)
    return t


async def test_candidates_follow_skills_free_time_distance_and_history(gql: Gql, deps: Deps, admin_token: str) -> None:
    t = await _roster(gql, deps, admin_token)
    # when the dispatcher asks for day 0, 08:00-18:00
    result = await gql(CANDIDATES, {"t": t["ticket"], "s": iso(at(0, 8)), "e": iso(at(0, 18))}, admin_token)
    found = data(result)["ticketCandidates"]
    # then exactly these four fit (Dirk's level is too low, Emma lacks Electrics, Finn has 60 free minutes only)
    d_ben, d_cleo = km(POTSDAM, BERLIN), km(HAMBURG, BERLIN)
    expected = {
        "Anna": (score(2, 0.0, 2, 120, False), 0.0, "2030-03-04T10:00:00+00:00", False),
        "Ben": (score(0, d_ben, 0, 0, True), d_ben, "2030-03-04T08:00:00+00:00", True),
        "Cleo": (score(6, d_cleo, 7, 0, False), d_cleo, "2030-03-04T15:00:00+00:00", False),
        "Gina": (score(0, None, 0, 0, True), None, "2030-03-04T08:00:00+00:00", True),
    }
    # in the order of the documented score
    assert [c["user"]["name"] for c in found] == ["Ben", "Anna", "Gina", "Cleo"]
    assert sorted(expected, key=lambda n: -expected[n][0]) == ["Ben", "Anna", "Gina", "Cleo"]
    for candidate in found:
        want_score, want_km, want_from, want_served = expected[candidate["user"]["name"]]
        assert candidate["score"] == pytest.approx(want_score, abs=0.15)
        if want_km is None:
            assert candidate["distanceKm"] is None
        else:
            assert candidate["distanceKm"] == pytest.approx(want_km, abs=0.5)
        assert candidate["availableFrom"] == want_from
        assert candidate["servedCustomerBefore"] is want_served
    assert round(found[0]["distanceKm"]) == 27 and round(found[3]["distanceKm"]) == 256
    # and the reasons are sentences
    assert found[0]["reasons"] == [
        "knows Electrics at level 1 (1 required)",
        "knows Hydraulics at level 3 (3 required)",
        "27 km from home base",
        "free from Mon 04 Mar 08:00 UTC",
        "nothing else booked that day",
        "served this customer in March 2026",
    ]
    assert found[1]["reasons"] == [
        "knows Electrics at level 2 (1 required)",
        "knows Hydraulics at level 4 (3 required)",
        "0 km from home base",
        "free from Mon 04 Mar 10:00 UTC",
        "2.0 h already booked that day",
    ]
    assert found[2]["reasons"][2] == "distance unknown (no site or no home base)"
    # in one Cypher round trip
    assert result["extensions"]["cypherRoundTrips"] == 1


async def test_a_narrow_window_and_first_limit_the_candidates(gql: Gql, deps: Deps, admin_token: str) -> None:
    t = await _roster(gql, deps, admin_token)
    # 09:00-11:30: Anna is booked until 10:00 and then has 90 minutes of window only
    narrow = await gql(CANDIDATES, {"t": t["ticket"], "s": iso(at(0, 9)), "e": iso(at(0, 11.5))}, admin_token)
    assert [(c["user"]["name"], c["availableFrom"]) for c in data(narrow)["ticketCandidates"]] == [
        ("Ben", "2030-03-04T09:00:00+00:00"),
        ("Gina", "2030-03-04T09:00:00+00:00"),
    ]
    one = await gql(CANDIDATES, {"t": t["ticket"], "s": iso(at(0, 8)), "e": iso(at(0, 18)), "f": 1}, admin_token)
    assert [c["user"]["name"] for c in data(one)["ticketCandidates"]] == ["Ben"]
    # a bad window and an unknown ticket
    inverted = await gql(CANDIDATES, {"t": t["ticket"], "s": iso(at(0, 18)), "e": iso(at(0, 8))}, admin_token)
    assert error_code(inverted) == "BAD_USER_INPUT"
    unknown = await gql(CANDIDATES, {"t": "tkt_nope", "s": iso(at(0, 8)), "e": iso(at(0, 18))}, admin_token)
    assert error_code(unknown) == "NOT_FOUND"


async def test_a_ticket_without_skills_takes_anyone_with_time(gql: Gql, deps: Deps, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    anna = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [slot(0, 8, 12)])
    await technician(deps, gql, admin_token, "Ben", BERLIN, {"Hydraulics": 1}, [])
    simple = await ticket(gql, admin_token, companyId=acme, estimatedMinutes=30)
    found = data(await gql(CANDIDATES, {"t": simple, "s": iso(at(0, 0)), "e": iso(at(1, 0))}, admin_token))
    assert [(c["user"]["id"], c["availableFrom"]) for c in found["ticketCandidates"]] == [
        (anna, "2030-03-04T08:00:00+00:00")
    ]
