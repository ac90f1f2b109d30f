"""Influence paths, warm introductions and org charts over GraphQL, on the Nordwind group (see b2b_scenario)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.b2b_scenario import CREATE_COMPANY, CREATE_PERSON, World, build_world, relate
from tests.conftest import Gql, data, error_code

INFLUENCE = """
query($f: ID!, $t: ID!, $hops: Int!, $first: Int) {
  influencePaths(fromPersonId: $f, toPersonId: $t, maxHops: $hops, first: $first) {
    people { id } relations { type from { id } to { id } strength }
  }
}
"""
INTRODUCTIONS = """
query($t: ID!, $hops: Int!) {
  introductionPaths(toPersonId: $t, maxHops: $hops) { user { id } people { id } hops weight }
}
"""
ACQUAINT = "mutation($u: ID!, $p: ID!, $s: Float) { recordAcquaintance(userId: $u, personId: $p, strength: $s) }"
ORG_CHART = "query($c: ID!) { orgChart(companyId: $c) { person { id fullName } managerId depth } }"


@pytest.fixture
async def world(gql: Gql, admin_token: str) -> World:
    return await build_world(gql, admin_token)


async def influence(
    gql: Gql, world: World, a: str, b: str, hops: int = 4, first: int | None = None
) -> list[tuple[list[str], list[tuple[str, str, str, float | None]]]]:
    variables = {"f": world.people[a], "t": world.people[b], "hops": hops, "first": first}
    paths = data(await gql(INFLUENCE, variables, world.token))["influencePaths"]
    return [(world.keys(p["people"]), [world.relation(r) for r in p["relations"]]) for p in paths]


# ------------------------------------------------------------------ influence paths

KLEIN_TO_ADLER = [
    # two hops: 0.9 * 0.8 = 0.72, then 0.7 * 0.5 = 0.35
    (
        ["klein", "becker", "adler"],
        [("klein", "becker", "INFLUENCES", 0.9), ("becker", "adler", "REPORTS_TO", 0.8)],
    ),
    (
        ["klein", "engel", "adler"],
        [("klein", "engel", "KNOWS", 0.7), ("engel", "adler", "REPORTS_TO", None)],
    ),
    # three hops: 0.9 * 0.5 * 0.9 = 0.405, then 0.7 * 0.6 * 0.8 = 0.336
    (
        ["klein", "becker", "hahn", "adler"],
        [
            ("klein", "becker", "INFLUENCES", 0.9),
            ("becker", "hahn", "KNOWS", None),
            ("hahn", "adler", "REPORTS_TO", 0.9),
        ],
    ),
    (
        ["klein", "engel", "becker", "adler"],
        [
            ("klein", "engel", "KNOWS", 0.7),
            ("engel", "becker", "INFLUENCES", 0.6),
            ("becker", "adler", "REPORTS_TO", 0.8),
        ],
    ),
    # four hops: 0.7 * 0.6 * 0.5 * 0.9 = 0.189; klein-engel-fuchs-engel-adler visits Engel twice and is no path
    (
        ["klein", "engel", "becker", "hahn", "adler"],
        [
            ("klein", "engel", "KNOWS", 0.7),
            ("engel", "becker", "INFLUENCES", 0.6),
            ("becker", "hahn", "KNOWS", None),
            ("hahn", "adler", "REPORTS_TO", 0.9),
        ],
    ),
]


async def test_influence_paths_are_shortest_first_then_strongest(gql: Gql, world: World) -> None:
    # when asking how the consultant reaches the CEO in up to four hops
    paths = await influence(gql, world, "klein", "adler", hops=4)
    # then every chain shows, shortest first, ties by the product of strengths (missing = 0.5)
    assert paths == KLEIN_TO_ADLER


async def test_influence_paths_respect_max_hops_and_first(gql: Gql, world: World) -> None:
    assert await influence(gql, world, "klein", "adler", hops=1) == []
    assert await influence(gql, world, "klein", "adler", hops=2) == KLEIN_TO_ADLER[:2]
    assert await influence(gql, world, "klein", "adler", hops=3) == KLEIN_TO_ADLER[:4]
    assert await influence(gql, world, "klein", "adler", hops=4, first=3) == KLEIN_TO_ADLER[:3]
    # five hops add the long way through Logistics and the General Counsel (0.9 * 0.5 * 0.5 * 0.4 * 0.5)
    longest = await influence(gql, world, "klein", "adler", hops=5)
    assert longest[:5] == KLEIN_TO_ADLER
    assert longest[5:] == [
        (
            ["klein", "becker", "hahn", "imhof", "conrad", "adler"],
            [
                ("klein", "becker", "INFLUENCES", 0.9),
                ("becker", "hahn", "KNOWS", None),
                ("imhof", "hahn", "REPORTS_TO", None),
                ("imhof", "conrad", "KNOWS", 0.4),
                ("conrad", "adler", "REPORTS_TO", None),
            ],
        )
    ]


async def test_influences_is_followed_only_in_its_direction(gql: Gql, world: World) -> None:
    # when going from the CEO back to the consultant: Klein INFLUENCES Becker and Engel INFLUENCES Becker
    # cannot be walked backwards, while REPORTS_TO and KNOWS can
    assert await influence(gql, world, "adler", "klein", hops=4) == [
        (["adler", "engel", "klein"], [("engel", "adler", "REPORTS_TO", None), ("klein", "engel", "KNOWS", 0.7)]),
    ]
    # and Fuchs influences Engel, but Engel reaches Fuchs only over the REPORTS_TO line
    assert await influence(gql, world, "engel", "fuchs", hops=2) == [
        (["engel", "fuchs"], [("fuchs", "engel", "REPORTS_TO", None)]),
    ]
    assert await influence(gql, world, "fuchs", "engel", hops=1) == [
        (["fuchs", "engel"], [("fuchs", "engel", "INFLUENCES", 0.8)]),
        (["fuchs", "engel"], [("fuchs", "engel", "REPORTS_TO", None)]),
    ]


async def test_unrelating_removes_the_paths_over_that_relation(gql: Gql, world: World) -> None:
    # when Becker and Hahn no longer know each other
    result = await gql(
        "mutation($f: ID!, $t: ID!) { unrelatePersons(fromId: $f, toId: $t, type: KNOWS) }",
        {"f": world.people["becker"], "t": world.people["hahn"]},
        world.token,
    )
    assert data(result)["unrelatePersons"] is True
    # then the chains through that acquaintance are gone
    assert await influence(gql, world, "klein", "adler", hops=5) == [KLEIN_TO_ADLER[i] for i in (0, 1, 3)]


async def test_influence_paths_refuse_bad_arguments(gql: Gql, world: World) -> None:
    def ask(a: str, b: str, hops: int) -> Awaitable[dict[str, Any]]:
        return gql(INFLUENCE, {"f": world.people.get(a, a), "t": world.people.get(b, b), "hops": hops}, world.token)

    assert error_code(await ask("klein", "adler", 0)) == "BAD_USER_INPUT"
    assert error_code(await ask("klein", "adler", 7)) == "BAD_USER_INPUT"
    assert error_code(await ask("klein", "klein", 3)) == "BAD_USER_INPUT"
    assert error_code(await ask("klein", "per_missing", 3)) == "NOT_FOUND"
    assert error_code(await ask("per_missing", "adler", 3)) == "NOT_FOUND"
    first = {"f": world.people["klein"], "t": world.people["adler"], "hops": 3, "first": 101}
    assert error_code(await gql(INFLUENCE, first, world.token)) == "BAD_USER_INPUT"
    # a known person without any relation simply has no paths
    assert data(await ask("albers", "adler", 6))["influencePaths"] == []


# ------------------------------------------------------------------ introductions


@pytest.fixture
async def colleagues(gql: Gql, world: World, make_user: Callable[..., Awaitable[tuple[str, str]]]) -> dict[str, str]:
    """Ulla knows the consultant Klein (0.9); Viktor knows Hahn (0.6) and Imhof (1.0)."""
    ulla, _ = await make_user("SALES_REP", "ulla@crm.test", "Ulla")
    viktor, _ = await make_user("SALES_REP", "viktor@crm.test", "Viktor")
    for user, person, strength in ((ulla, "klein", 0.9), (viktor, "hahn", 0.6), (viktor, "imhof", 1.0)):
        variables = {"u": user, "p": world.people[person], "s": strength}
        assert data(await gql(ACQUAINT, variables, world.token))["recordAcquaintance"] is True
    return {ulla: "ulla", viktor: "viktor"}


async def introductions(
    gql: Gql, world: World, colleagues: dict[str, str], target: str, hops: int
) -> list[tuple[str, list[str], int, float]]:
    variables = {"t": world.people[target], "hops": hops}
    paths = data(await gql(INTRODUCTIONS, variables, world.token))["introductionPaths"]
    return [(colleagues[p["user"]["id"]], world.keys(p["people"]), p["hops"], round(p["weight"], 9)) for p in paths]


async def test_introduction_paths_are_shortest_first_one_per_colleague(
    gql: Gql, world: World, colleagues: dict[str, str]
) -> None:
    # when looking for a way to the CEO
    paths = await introductions(gql, world, colleagues, "adler", 3)
    # then Viktor's two hops (via Hahn) beat Ulla's three, although Ulla's chain is stronger;
    # each colleague appears once, with their best chain
    assert paths == [
        ("viktor", ["hahn", "adler"], 2, 0.54),
        ("ulla", ["klein", "becker", "adler"], 3, 0.648),
    ]
    # and with at most two hops only Viktor remains
    assert await introductions(gql, world, colleagues, "adler", 2) == paths[:1]


async def test_introduction_paths_of_equal_length_go_by_strength(
    gql: Gql, world: World, colleagues: dict[str, str]
) -> None:
    # when looking for a way to the CFO: both colleagues need two hops
    paths = await introductions(gql, world, colleagues, "becker", 3)
    # then Ulla (0.9 * 0.9) comes before Viktor (0.6 * 0.5, Becker-Hahn has no strength)
    assert paths == [
        ("ulla", ["klein", "becker"], 2, 0.81),
        ("viktor", ["hahn", "becker"], 2, 0.3),
    ]
    # and nobody knows Becker directly
    assert await introductions(gql, world, colleagues, "becker", 1) == []
    # and someone a colleague knows is one hop away
    assert await introductions(gql, world, colleagues, "imhof", 1) == [("viktor", ["imhof"], 1, 1.0)]


async def test_introduction_paths_skip_deactivated_colleagues(
    gql: Gql, world: World, colleagues: dict[str, str]
) -> None:
    viktor = next(uid for uid, name in colleagues.items() if name == "viktor")
    result = await gql(
        "mutation($id: ID!) { updateUser(id: $id, input: {active: false}) { active } }", {"id": viktor}, world.token
    )
    assert data(result)["updateUser"] == {"active": False}
    assert await introductions(gql, world, colleagues, "adler", 3) == [
        ("ulla", ["klein", "becker", "adler"], 3, 0.648),
    ]


async def test_introductions_and_acquaintances_refuse_bad_arguments(
    gql: Gql, world: World, colleagues: dict[str, str]
) -> None:
    ulla = next(iter(colleagues))
    for hops in (0, 7):
        result = await gql(INTRODUCTIONS, {"t": world.people["adler"], "hops": hops}, world.token)
        assert error_code(result) == "BAD_USER_INPUT"
    assert error_code(await gql(INTRODUCTIONS, {"t": "per_missing", "hops": 3}, world.token)) == "NOT_FOUND"
    assert error_code(await gql(ACQUAINT, {"u": ulla, "p": world.people["albers"], "s": 1.5}, world.token)) == (
        "BAD_USER_INPUT"
    )
    assert (
        error_code(await gql(ACQUAINT, {"u": "usr_missing", "p": world.people["albers"]}, world.token)) == "NOT_FOUND"
    )
    assert error_code(await gql(ACQUAINT, {"u": ulla, "p": "per_missing"}, world.token)) == "NOT_FOUND"
    # none of that made Albers reachable
    assert await introductions(gql, world, colleagues, "albers", 6) == []


# ------------------------------------------------------------------ org charts


async def org_chart(gql: Gql, world: World, company_id: str) -> list[tuple[str, str | None, int]]:
    nodes = data(await gql(ORG_CHART, {"c": company_id}, world.token))["orgChart"]
    return [
        (world.names[n["person"]["id"]], world.names[n["managerId"]] if n["managerId"] else None, n["depth"])
        for n in nodes
    ]


async def test_org_chart_is_depth_first_with_reports_by_last_then_first_name(gql: Gql, world: World) -> None:
    # then each top comes with their reports (sorted by name) before the next top
    assert await org_chart(gql, world, world.companies["group"]) == [
        ("adler", None, 0),
        ("becker", "adler", 1),
        ("jan", "becker", 2),
        ("jana", "becker", 2),
        ("conrad", "adler", 1),
        ("albers", None, 0),
    ]
    # and a subsidiary's chart stops at its own people: Engel reports to Adler of the parent
    assert await org_chart(gql, world, world.companies["robotics"]) == [("engel", None, 0), ("fuchs", "engel", 1)]
    assert await org_chart(gql, world, world.companies["logistics"]) == [("hahn", None, 0), ("imhof", "hahn", 1)]


async def test_org_chart_of_a_company_without_people_is_empty_and_unknown_is_not_found(gql: Gql, world: World) -> None:
    empty = data(await gql(CREATE_COMPANY, {"i": {"name": "Empty Shell Ltd"}}, world.token))["createCompany"]["id"]
    assert await org_chart(gql, world, empty) == []
    assert error_code(await gql(ORG_CHART, {"c": "cmp_missing"}, world.token)) == "NOT_FOUND"


async def test_org_chart_with_a_reports_to_cycle_returns_promptly(gql: Gql, world: World) -> None:
    # given a company whose data has a REPORTS_TO cycle (Ada -> Ben -> Cem -> Ada) next to a sound chain
    company = data(await gql(CREATE_COMPANY, {"i": {"name": "Loop AG"}}, world.token))["createCompany"]["id"]
    for key, last in (
        ("ada", "Arndt"),
        ("ben", "Brandt"),
        ("cem", "Celik"),
        ("dora", "Dorn"),
        ("emil", "Ernst"),
        ("finn", "Frey"),
    ):
        person = {"firstName": key.title(), "lastName": last, "companyId": company}
        world.people[key] = data(await gql(CREATE_PERSON, {"i": person}, world.token))["createPerson"]["id"]
    for a, b in (("ada", "ben"), ("ben", "cem"), ("cem", "ada"), ("emil", "dora"), ("finn", "ben")):
        await relate(gql, world, a, b, "REPORTS_TO")
    # when asking for the org chart, it answers within seconds
    chart = await asyncio.wait_for(org_chart(gql, world, company), timeout=10)
    # then the cycle is broken at its smallest member (Arndt), who becomes a top; whoever reports
    # into the cycle hangs below it; the sound chain is intact
    assert chart == [
        ("ada", None, 0),
        ("cem", "ada", 1),
        ("ben", "cem", 2),
        ("finn", "ben", 3),
        ("dora", None, 0),
        ("emil", "dora", 1),
    ]
