"""A realistic corporate group for the [b2b] tests, built through the GraphQL API only.

Nordwind Holding (parent) with two subsidiaries, Nordwind Robotics and Nordwind Logistics;
ten people across them; Karl Klein, an external consultant at the unrelated Klarblick
Consulting. Relations (arrows point from `fromId` to `toId`; `-` marks no strength):

    REPORTS_TO  becker->adler 0.8, conrad->adler -, jan->becker -, jana->becker -,
                engel->adler -, fuchs->engel -, hahn->adler 0.9, imhof->hahn -
    INFLUENCES  klein->becker 0.9, fuchs->engel 0.8, engel->becker 0.6
    KNOWS       klein->engel 0.7, imhof->conrad 0.4, becker->hahn -

Otto Albers (board member) has no relations at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Gql, data

CREATE_COMPANY = "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }"
CREATE_UNIT = "mutation($i: CreateUnitInput!) { createUnit(input: $i) { id } }"
CREATE_PERSON = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }"
RELATE = """
mutation($f: ID!, $t: ID!, $type: RelationType!, $s: Float) {
  relatePersons(fromId: $f, toId: $t, type: $type, strength: $s) { type from { id } to { id } strength }
}
"""
SET_ROLE = """
mutation($o: ID!, $p: ID!, $roles: [BuyingRole!]!, $a: Attitude) {
  setBuyingRole(opportunityId: $o, personId: $p, roles: $roles, attitude: $a) {
    members { person { id } roles attitude }
  }
}
"""
LOG = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id occurredAt } }"

# (key, first name, last name, job title, company key, unit key)
PEOPLE = [
    ("adler", "Anna", "Adler", "CEO", "group", "board"),
    ("albers", "Otto", "Albers", "Board Member", "group", "board"),
    ("becker", "Bernd", "Becker", "CFO", "group", "finance"),
    ("conrad", "Clara", "Conrad", "General Counsel", "group", "board"),
    ("jan", "Jan", "Jansen", "Controller", "group", "controlling"),
    ("jana", "Jana", "Jansen", "Controller", "group", "controlling"),
    ("engel", "Eva", "Engel", "CTO", "robotics", "engineering"),
    ("fuchs", "Felix", "Fuchs", "Platform Lead", "robotics", "platform"),
    ("hahn", "Hanna", "Hahn", "Managing Director", "logistics", None),
    ("imhof", "Ida", "Imhof", "Head of Procurement", "logistics", "operations"),
    ("klein", "Karl", "Klein", "Senior Consultant", "consultancy", None),
]

# (from, to, type, strength)
RELATIONS = [
    ("becker", "adler", "REPORTS_TO", 0.8),
    ("conrad", "adler", "REPORTS_TO", None),
    ("jan", "becker", "REPORTS_TO", None),
    ("jana", "becker", "REPORTS_TO", None),
    ("engel", "adler", "REPORTS_TO", None),
    ("fuchs", "engel", "REPORTS_TO", None),
    ("hahn", "adler", "REPORTS_TO", 0.9),
    ("imhof", "hahn", "REPORTS_TO", None),
    ("klein", "becker", "INFLUENCES", 0.9),
    ("fuchs", "engel", "INFLUENCES", 0.8),
    ("engel", "becker", "INFLUENCES", 0.6),
    ("klein", "engel", "KNOWS", 0.7),
    ("imhof", "conrad", "KNOWS", 0.4),
    ("becker", "hahn", "KNOWS", None),
]

NOW = datetime.now(UTC).replace(microsecond=0)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def iso(value: datetime) -> str:
    return value.isoformat()


def when(value: str | None) -> datetime | None:
    """A DateTime from the API as an aware datetime (the wire format may say Z or +00:00)."""
    return datetime.fromisoformat(value) if value else None


@dataclass
class World:
    token: str
    companies: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    opportunities: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        """Person id -> key, to turn API answers back into readable keys."""
        return {pid: key for key, pid in self.people.items()}

    def keys(self, persons: list[dict[str, Any]]) -> list[str]:
        return [self.names[p["id"]] for p in persons]

    def relation(self, rel: dict[str, Any]) -> tuple[str, str, str, float | None]:
        return (self.names[rel["from"]["id"]], self.names[rel["to"]["id"]], rel["type"], rel["strength"])


async def build_world(gql: Gql, token: str) -> World:
    world = World(token=token)

    async def company(key: str, name: str, parent: str | None = None) -> None:
        variables = {"i": {"name": name, "parentId": world.companies.get(parent) if parent else None}}
        world.companies[key] = data(await gql(CREATE_COMPANY, variables, token))["createCompany"]["id"]

    async def unit(key: str, company_key: str, name: str, parent: str | None = None) -> None:
        variables = {
            "i": {
                "companyId": world.companies[company_key],
                "name": name,
                "parentUnitId": world.units[parent] if parent else None,
            }
        }
        world.units[key] = data(await gql(CREATE_UNIT, variables, token))["createUnit"]["id"]

    await company("group", "Nordwind Holding")
    await company("robotics", "Nordwind Robotics", parent="group")
    await company("logistics", "Nordwind Logistics", parent="group")
    await company("consultancy", "Klarblick Consulting")
    await unit("board", "group", "Executive Board")
    await unit("finance", "group", "Finance")
    await unit("controlling", "group", "Controlling", parent="finance")
    await unit("engineering", "robotics", "Engineering")
    await unit("platform", "robotics", "Platform", parent="engineering")
    await unit("operations", "logistics", "Operations")
    for key, first, last, title, company_key, unit_key in PEOPLE:
        person = {
            "firstName": first,
            "lastName": last,
            "jobTitle": title,
            "companyId": world.companies[company_key],
            "unitId": world.units[unit_key] if unit_key else None,
        }
        world.people[key] = data(await gql(CREATE_PERSON, {"i": person}, token))["createPerson"]["id"]
    for a, b, type_, strength in RELATIONS:
        await relate(gql, world, a, b, type_, strength)
    return world


async def relate(gql: Gql, world: World, a: str, b: str, type_: str, strength: float | None = None) -> dict[str, Any]:
    variables = {"f": world.people[a], "t": world.people[b], "type": type_, "s": strength}
    return data(await gql(RELATE, variables, world.token))["relatePersons"]  # type: ignore[no-any-return]


async def set_role(
    gql: Gql, world: World, opportunity_id: str, person: str, roles: list[str], attitude: str | None = None
) -> dict[str, Any]:
    variables = {"o": opportunity_id, "p": world.people[person], "roles": roles, "a": attitude}
    return data(await gql(SET_ROLE, variables, world.token))["setBuyingRole"]  # type: ignore[no-any-return]


async def log_activity(gql: Gql, world: World, subject: str, at: datetime, **about: Any) -> str:
    """Logs a CALL at `at`; `about` takes people=[keys], company=key, opportunityId=id."""
    activity: dict[str, Any] = {"type": "CALL", "subject": subject, "occurredAt": iso(at)}
    if "people" in about:
        activity["personIds"] = [world.people[k] for k in about["people"]]
    if "company" in about:
        activity["companyId"] = world.companies[about["company"]]
    if "opportunityId" in about:
        activity["opportunityId"] = about["opportunityId"]
    return str(data(await gql(LOG, {"i": activity}, world.token))["logActivity"]["id"])


async def create_opportunity(gql: Gql, world: World, name: str, company: str) -> str:
    result = await gql(
        "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
        {"i": {"name": name, "companyId": world.companies[company], "amount": "250000.00"}},
        world.token,
    )
    return str(data(result)["createOpportunity"]["id"])
