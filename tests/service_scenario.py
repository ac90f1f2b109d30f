"""Helpers for the service desk tests: technicians with skills, bases and slots; tickets."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.deps import Deps
from domain.seed import add_user
from tests.conftest import PASSWORD, Gql, data

# A Monday far enough ahead that every slot is in the future.
MONDAY = datetime(2030, 3, 4, tzinfo=UTC)
BERLIN = {"lat": 52.52, "lon": 13.405}
POTSDAM = {"lat": 52.3906, "lon": 13.0645}
HAMBURG = {"lat": 53.5511, "lon": 9.9937}
LEIPZIG = {"lat": 51.3397, "lon": 12.3731}

SET_SKILLS = """mutation($u: ID!, $s: [UserSkillInput!]!) {
  setSkills(userId: $u, skills: $s) { id skills { skill { id name } level } } }"""
SET_AVAILABILITY = "mutation($u: ID!, $s: [TimeSlotInput!]!) { setAvailability(userId: $u, slots: $s) { start end } }"
CREATE_TICKET = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }"
CANDIDATES = """query($t: ID!, $s: DateTime!, $e: DateTime!, $f: Int) {
  ticketCandidates(ticketId: $t, windowStart: $s, windowEnd: $e, first: $f) {
    user { id name } score distanceKm availableFrom servedCustomerBefore reasons } }"""
ASSIGN = """mutation($t: ID!, $u: ID!, $s: DateTime!) {
  assignTicket(ticketId: $t, userId: $u, start: $s) { id status assignee { id } scheduled { start end } } }"""
AUTO = """mutation($t: ID!, $s: DateTime!, $e: DateTime!) {
  autoAssignTicket(ticketId: $t, windowStart: $s, windowEnd: $e) { id status assignee { id } scheduled { start end } } }"""


def at(day: int, hour: float) -> datetime:
    """A time in the test week: day 0 is MONDAY."""
    return MONDAY + timedelta(days=day, minutes=round(hour * 60))


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def slot(day: int, start: float, end: float) -> dict[str, str]:
    return {"start": iso(at(day, start)), "end": iso(at(day, end))}


def km(a: dict[str, float], b: dict[str, float]) -> float:
    """Great-circle distance as Neo4j computes it (haversine, radius 6378.14 km)."""
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6378.14 * math.asin(math.sqrt(h))


async def technician(
    deps: Deps,
    gql: Gql,
    admin_token: str,
    name: str,
    base: dict[str, float] | None,
    skills: dict[str, int],
    slots: list[dict[str, str]],
) -> str:
    user = await add_user(deps, f"{name.lower()}@crm.test", name, "TECHNICIAN", PASSWORD)
    user_id = str(user["id"])
    if base is not None:
        result = await gql(
            "mutation($u: ID!, $b: GeoPointInput) { updateUser(id: $u, input: {homeBase: $b}) { id } }",
            {"u": user_id, "b": base},
            admin_token,
        )
        data(result)
    rows = [{"skillName": k, "level": v} for k, v in skills.items()]
    data(await gql(SET_SKILLS, {"u": user_id, "s": rows}, admin_token))
    data(await gql(SET_AVAILABILITY, {"u": user_id, "s": slots}, admin_token))
    return user_id


async def company(gql: Gql, token: str, name: str, location: dict[str, float] | None = None, **more: Any) -> str:
    result = await gql(
        "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }",
        {"i": {"name": name, "location": location, **more}},
        token,
    )
    return str(data(result)["createCompany"]["id"])


async def ticket(gql: Gql, token: str, **fields: Any) -> str:
    result = await gql(CREATE_TICKET, {"i": {"subject": "Pump leaks", **fields}}, token)
    return str(data(result)["createTicket"]["id"])
