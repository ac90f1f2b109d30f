"""Relations between people and buying centers over GraphQL, on the Nordwind group (see b2b_scenario)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.b2b_scenario import (
    RELATE,
    SET_ROLE,
    World,
    build_world,
    create_opportunity,
    days_ago,
    log_activity,
    relate,
    set_role,
    when,
)
from tests.conftest import Gql, data, error_code

RELATIONS = """
query($id: ID!, $first: Int, $after: String) {
  person(id: $id) {
    relations(first: $first, after: $after) {
      totalCount
      edges { cursor node { type from { id } to { id } strength } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""
UNRELATE = "mutation($f: ID!, $t: ID!, $type: RelationType!) { unrelatePersons(fromId: $f, toId: $t, type: $type) }"
CENTER_FIELDS = """
  members { person { id fullName } roles attitude external lastInteractionAt }
  relations { type from { id } to { id } strength }
  missingRoles
  neglectedMembers { id }
"""
BUYING_CENTER = "query($o: ID!) { buyingCenter(opportunityId: $o) { opportunity { id name } " + CENTER_FIELDS + " } }"
OPPORTUNITY_CENTER = "query($o: ID!) { opportunity(id: $o) { buyingCenter { " + CENTER_FIELDS + " } } }"
REMOVE = """
mutation($o: ID!, $p: ID!) {
  removeFromBuyingCenter(opportunityId: $o, personId: $p) { members { person { id } } missingRoles }
}
"""


@pytest.fixture
async def world(gql: Gql, admin_token: str) -> World:
    return await build_world(gql, admin_token)


@pytest.fixture
async def deal(gql: Gql, world: World) -> str:
    """An opportunity for the parent company, Nordwind Holding."""
    return await create_opportunity(gql, world, "Fleet automation", "group")


async def relations_of(
    gql: Gql, world: World, person: str, first: int = 50, after: str | None = None
) -> dict[str, Any]:
    variables = {"id": world.people[person], "first": first, "after": after}
    return data(await gql(RELATIONS, variables, world.token))["person"]["relations"]  # type: ignore[no-any-return]


async def center(gql: Gql, world: World, opportunity_id: str) -> dict[str, Any]:
    return data(await gql(BUYING_CENTER, {"o": opportunity_id}, world.token))["buyingCenter"]  # type: ignore[no-any-return]


def by_key(world: World, rows: list[tuple[str, str, str, float | None]]) -> list[tuple[str, str, str, float | None]]:
    """Relations in the order the API promises: type, then from id, then to id."""
    return sorted(rows, key=lambda r: (r[2], world.people[r[0]], world.people[r[1]]))


# ------------------------------------------------------------------ relations


async def test_group_is_built_with_subsidiaries_units_and_people(gql: Gql, world: World) -> None:
    # given the scenario; when reading the parent company
    result = data(
        await gql(
            """query($id: ID!) { company(id: $id) {
                 subsidiaries { id parent { id } }
                 units { name children { name } }
                 contacts { totalCount edges { node { fullName unit { name } } } } } }""",
            {"id": world.companies["group"]},
            world.token,
        )
    )["company"]
    # then it has both subsidiaries, nested units and its own six people
    assert sorted(s["id"] for s in result["subsidiaries"]) == sorted(
        [world.companies["robotics"], world.companies["logistics"]]
    )
    assert {s["parent"]["id"] for s in result["subsidiaries"]} == {world.companies["group"]}
    assert sorted((u["name"], [c["name"] for c in u["children"]]) for u in result["units"]) == [
        ("Executive Board", []),
        ("Finance", ["Controlling"]),
    ]
    assert result["contacts"]["totalCount"] == 6
    assert [(e["node"]["fullName"], e["node"]["unit"]["name"]) for e in result["contacts"]["edges"]] == [
        ("Anna Adler", "Executive Board"),
        ("Otto Albers", "Executive Board"),
        ("Bernd Becker", "Finance"),
        ("Clara Conrad", "Executive Board"),
        ("Jan Jansen", "Controlling"),
        ("Jana Jansen", "Controlling"),
    ]


async def test_relating_again_updates_the_strength_without_a_second_relation(gql: Gql, world: World) -> None:
    # given Becker REPORTS_TO Adler with 0.8; when relating the same pair and type again with 0.3
    again = await relate(gql, world, "becker", "adler", "REPORTS_TO", 0.3)
    # then the one relation now carries 0.3
    assert world.relation(again) == ("becker", "adler", "REPORTS_TO", 0.3)
    page = await relations_of(gql, world, "becker")
    assert page["totalCount"] == 6
    assert [world.relation(e["node"]) for e in page["edges"] if e["node"]["type"] == "REPORTS_TO"] == by_key(
        world,
        [
            ("becker", "adler", "REPORTS_TO", 0.3),
            ("jan", "becker", "REPORTS_TO", None),
            ("jana", "becker", "REPORTS_TO", None),
        ],
    )


async def test_person_relations_are_ordered_by_type_then_ids_and_paged(gql: Gql, world: World) -> None:
    # given Becker's six relations in both directions
    expected = by_key(
        world,
        [
            ("becker", "adler", "REPORTS_TO", 0.8),
            ("jan", "becker", "REPORTS_TO", None),
            ("jana", "becker", "REPORTS_TO", None),
            ("klein", "becker", "INFLUENCES", 0.9),
            ("engel", "becker", "INFLUENCES", 0.6),
            ("becker", "hahn", "KNOWS", None),
        ],
    )
    # when reading them four at a time
    first = await relations_of(gql, world, "becker", first=4)
    second = await relations_of(gql, world, "becker", first=4, after=first["pageInfo"]["endCursor"])
    # then the pages follow each other without overlap, and the total is exact
    assert [world.relation(e["node"]) for e in first["edges"]] == expected[:4]
    assert [world.relation(e["node"]) for e in second["edges"]] == expected[4:]
    assert first["totalCount"] == second["totalCount"] == 6
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert second["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "endCursor": second["edges"][-1]["cursor"],
    }
    # and Albers, who has no relations, has an empty connection
    assert await relations_of(gql, world, "albers") == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "endCursor": None},
    }


async def test_unrelate_removes_exactly_that_relation(gql: Gql, world: World) -> None:
    def unrelate(a: str, b: str, type_: str) -> Awaitable[dict[str, Any]]:
        return gql(UNRELATE, {"f": world.people[a], "t": world.people[b], "type": type_}, world.token)

    # given Becker KNOWS Hahn; when unrelating the wrong type or a directed relation backwards
    assert data(await unrelate("becker", "hahn", "REPORTS_TO"))["unrelatePersons"] is False
    assert data(await unrelate("adler", "hahn", "REPORTS_TO"))["unrelatePersons"] is False
    # then nothing is gone; KNOWS is mutual, so it goes from either side, once
    assert (await relations_of(gql, world, "hahn"))["totalCount"] == 3
    assert data(await unrelate("hahn", "becker", "KNOWS"))["unrelatePersons"] is True
    assert data(await unrelate("becker", "hahn", "KNOWS"))["unrelatePersons"] is False
    page = await relations_of(gql, world, "hahn")
    assert page["totalCount"] == 2
    assert [world.relation(e["node"]) for e in page["edges"]] == by_key(
        world, [("hahn", "adler", "REPORTS_TO", 0.9), ("imhof", "hahn", "REPORTS_TO", None)]
    )
    # and an unknown person is NOT_FOUND
    result = await gql(UNRELATE, {"f": "per_missing", "t": world.people["hahn"], "type": "KNOWS"}, world.token)
    assert error_code(result) == "NOT_FOUND"


async def test_bad_relations_are_refused_and_write_nothing(gql: Gql, world: World) -> None:
    def attempt(a: str, b: str, strength: float | None = 0.5, type_: str = "KNOWS") -> Awaitable[dict[str, Any]]:
        return gql(
            RELATE,
            {"f": world.people.get(a, a), "t": world.people.get(b, b), "type": type_, "s": strength},
            world.token,
        )

    # when relating a person to themself, or with a strength outside 0..1, or to unknown people
    assert error_code(await attempt("albers", "albers")) == "BAD_USER_INPUT"
    assert error_code(await attempt("albers", "adler", 1.5)) == "BAD_USER_INPUT"
    assert error_code(await attempt("albers", "adler", -0.1)) == "BAD_USER_INPUT"
    assert error_code(await attempt("albers", "per_missing")) == "NOT_FOUND"
    assert error_code(await attempt("per_missing", "albers", type_="INFLUENCES")) == "NOT_FOUND"
    # then Albers still has no relations and Adler's are unchanged
    assert (await relations_of(gql, world, "albers"))["totalCount"] == 0
    assert (await relations_of(gql, world, "adler"))["totalCount"] == 4


async def test_technician_may_not_relate_persons(
    gql: Gql, world: World, make_user: Callable[..., Awaitable[tuple[str, str]]]
) -> None:
    _, technician = await make_user("TECHNICIAN")
    result = await gql(
        RELATE, {"f": world.people["albers"], "t": world.people["adler"], "type": "KNOWS", "s": None}, technician
    )
    assert error_code(result) == "FORBIDDEN"
    assert (await relations_of(gql, world, "albers"))["totalCount"] == 0


# ------------------------------------------------------------------ buying centers


async def test_new_opportunity_misses_every_required_role(gql: Gql, world: World, deal: str) -> None:
    assert await center(gql, world, deal) == {
        "opportunity": {"id": deal, "name": "Fleet automation"},
        "members": [],
        "relations": [],
        "missingRoles": ["DECISION_MAKER", "ECONOMIC_BUYER", "CHAMPION"],
        "neglectedMembers": [],
    }


async def test_set_buying_role_replaces_roles_and_null_attitude_keeps_the_current_one(
    gql: Gql, world: World, deal: str
) -> None:
    def becker(result: dict[str, Any]) -> dict[str, Any]:
        return next(m for m in result["members"] if m["person"]["id"] == world.people["becker"])

    # when Becker joins without an attitude, then his attitude is UNKNOWN
    joined = await set_role(gql, world, deal, "becker", ["ECONOMIC_BUYER", "DECISION_MAKER"])
    assert becker(joined) == {
        "person": {"id": world.people["becker"]},
        "roles": ["ECONOMIC_BUYER", "DECISION_MAKER"],
        "attitude": "UNKNOWN",
    }
    # when setting SKEPTIC, then changing roles without an attitude: SKEPTIC stays, roles are replaced
    await set_role(gql, world, deal, "becker", ["ECONOMIC_BUYER"], "SKEPTIC")
    changed = await set_role(gql, world, deal, "becker", ["ECONOMIC_BUYER", "BLOCKER", "BLOCKER"])
    assert becker(changed)["roles"] == ["ECONOMIC_BUYER", "BLOCKER"]
    assert becker(changed)["attitude"] == "SKEPTIC"
    assert len(changed["members"]) == 1


async def build_buying_center(gql: Gql, world: World, deal: str) -> None:
    await set_role(gql, world, deal, "adler", ["DECISION_MAKER"], "SUPPORTER")
    await set_role(gql, world, deal, "becker", ["ECONOMIC_BUYER", "BLOCKER"], "SKEPTIC")
    await set_role(gql, world, deal, "klein", ["INFLUENCER", "TECHNICAL_EVALUATOR"], "NEUTRAL")
    await set_role(gql, world, deal, "engel", ["TECHNICAL_EVALUATOR", "USER"])
    await set_role(gql, world, deal, "fuchs", ["USER"], "SUPPORTER")
    data(await gql(REMOVE, {"o": deal, "p": world.people["fuchs"]}, world.token))
    # Adler was met two days ago, Becker 40 days ago, Klein 45 and 10 days ago; Engel never.
    await log_activity(gql, world, "Kick-off", days_ago(2), people=["adler"], opportunityId=deal)
    await log_activity(gql, world, "Budget call", days_ago(40), people=["becker"])
    await log_activity(gql, world, "Intro with consultant", days_ago(45), people=["klein"])
    await log_activity(gql, world, "Consultant review", days_ago(10), people=["klein"])
    await log_activity(gql, world, "Platform demo for Fuchs", days_ago(1), people=["fuchs"])


async def test_buying_center_lists_members_relations_gaps_and_neglect(gql: Gql, world: World, deal: str) -> None:
    # given a buying center of four (Fuchs was added and removed again) with activities
    await build_buying_center(gql, world, deal)
    # when reading it through both entry points
    result = await center(gql, world, deal)
    nested = data(await gql(OPPORTUNITY_CENTER, {"o": deal}, world.token))["opportunity"]["buyingCenter"]
    # then members come by last name; only the consultant is external
    members = [
        (world.names[m["person"]["id"]], m["person"]["fullName"], m["roles"], m["attitude"], m["external"])
        for m in result["members"]
    ]
    assert members == [
        ("adler", "Anna Adler", ["DECISION_MAKER"], "SUPPORTER", False),
        ("becker", "Bernd Becker", ["ECONOMIC_BUYER", "BLOCKER"], "SKEPTIC", False),
        ("engel", "Eva Engel", ["TECHNICAL_EVALUATOR", "USER"], "UNKNOWN", False),
        ("klein", "Karl Klein", ["INFLUENCER", "TECHNICAL_EVALUATOR"], "NEUTRAL", True),
    ]
    assert [when(m["lastInteractionAt"]) for m in result["members"]] == [days_ago(2), days_ago(40), None, days_ago(10)]
    # and only relations between members show (none of Fuchs's, Hahn's or the Jansens')
    assert [world.relation(r) for r in result["relations"]] == by_key(
        world,
        [
            ("becker", "adler", "REPORTS_TO", 0.8),
            ("engel", "adler", "REPORTS_TO", None),
            ("klein", "becker", "INFLUENCES", 0.9),
            ("engel", "becker", "INFLUENCES", 0.6),
            ("klein", "engel", "KNOWS", 0.7),
        ],
    )
    assert result["missingRoles"] == ["CHAMPION"]
    assert world.keys(result["neglectedMembers"]) == ["becker", "engel"]
    assert nested == {k: v for k, v in result.items() if k != "opportunity"}


async def test_buying_center_costs_one_cypher_round_trip(gql: Gql, world: World, deal: str) -> None:
    await build_buying_center(gql, world, deal)
    result = await gql(BUYING_CENTER, {"o": deal}, world.token)
    assert len(data(result)["buyingCenter"]["members"]) == 4
    assert result["extensions"]["cypherRoundTrips"] == 1


async def test_members_anywhere_in_the_group_are_internal_for_a_subsidiary_deal(gql: Gql, world: World) -> None:
    # given an opportunity of Nordwind Robotics with people of the parent, the sister company and a consultant
    deal = await create_opportunity(gql, world, "Warehouse robots", "robotics")
    for person in ("hahn", "adler", "fuchs", "klein"):
        await set_role(gql, world, deal, person, ["CHAMPION"] if person == "hahn" else ["USER"])
    # then only the consultant is external; everyone has been neglected so far
    result = await center(gql, world, deal)
    assert [(world.names[m["person"]["id"]], m["external"]) for m in result["members"]] == [
        ("adler", False),
        ("fuchs", False),
        ("hahn", False),
        ("klein", True),
    ]
    assert result["missingRoles"] == ["DECISION_MAKER", "ECONOMIC_BUYER"]
    assert world.keys(result["neglectedMembers"]) == ["adler", "fuchs", "hahn", "klein"]


async def test_remove_from_buying_center_brings_the_gap_back(gql: Gql, world: World, deal: str) -> None:
    # given Adler as decision maker and Becker as economic buyer
    await set_role(gql, world, deal, "adler", ["DECISION_MAKER"])
    await set_role(gql, world, deal, "becker", ["ECONOMIC_BUYER"])
    # when Adler is removed
    result = data(await gql(REMOVE, {"o": deal, "p": world.people["adler"]}, world.token))["removeFromBuyingCenter"]
    # then the decision maker is missing again and the relation to Adler is gone
    assert result == {
        "members": [{"person": {"id": world.people["becker"]}}],
        "missingRoles": ["DECISION_MAKER", "CHAMPION"],
    }
    assert (await center(gql, world, deal))["relations"] == []
    # and removing someone who is no member changes nothing; unknown ids are NOT_FOUND
    again = data(await gql(REMOVE, {"o": deal, "p": world.people["adler"]}, world.token))["removeFromBuyingCenter"]
    assert again == result
    assert error_code(await gql(REMOVE, {"o": deal, "p": "per_missing"}, world.token)) == "NOT_FOUND"
    assert error_code(await gql(REMOVE, {"o": "opp_missing", "p": world.people["becker"]}, world.token)) == "NOT_FOUND"


async def test_bad_buying_roles_are_refused_and_write_nothing(gql: Gql, world: World, deal: str) -> None:
    # given a buying center with Becker as a skeptical economic buyer
    await set_role(gql, world, deal, "becker", ["ECONOMIC_BUYER"], "SKEPTIC")
    before = await center(gql, world, deal)

    def attempt(opportunity_id: str, person_id: str, roles: list[str]) -> Awaitable[dict[str, Any]]:
        variables = {"o": opportunity_id, "p": person_id, "roles": roles, "a": "SUPPORTER"}
        return gql(SET_ROLE, variables, world.token)

    # when setting no roles, or roles for unknown people or opportunities
    assert error_code(await attempt(deal, world.people["becker"], [])) == "BAD_USER_INPUT"
    assert error_code(await attempt(deal, world.people["adler"], [])) == "BAD_USER_INPUT"
    assert error_code(await attempt(deal, "per_missing", ["CHAMPION"])) == "NOT_FOUND"
    assert error_code(await attempt("opp_missing", world.people["adler"], ["CHAMPION"])) == "NOT_FOUND"
    # then the buying center is exactly as before
    assert await center(gql, world, deal) == before
    # and an unknown opportunity has no buying center
    assert await center(gql, world, "opp_missing") is None


async def test_knows_is_mutual_and_relating_back_updates_it(gql: Gql, world: World) -> None:
    # given Becker KNOWS Hahn; when Hahn is related to Becker by KNOWS with a strength
    result = await gql(
        "mutation($f: ID!, $t: ID!) { relatePersons(fromId: $f, toId: $t, type: KNOWS, strength: 0.4) { type strength from { id } to { id } } }",
        {"f": world.people["hahn"], "t": world.people["becker"]},
        world.token,
    )
    # then the one stored relation is updated and returned as stored
    assert data(result)["relatePersons"] == {
        "type": "KNOWS",
        "strength": 0.4,
        "from": {"id": world.people["becker"]},
        "to": {"id": world.people["hahn"]},
    }
    page = await relations_of(gql, world, "hahn")
    assert page["totalCount"] == 3
