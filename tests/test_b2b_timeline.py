"""Company and person timelines over GraphQL, on the Nordwind group (see b2b_scenario)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.b2b_scenario import World, build_world, create_opportunity, days_ago, log_activity, when
from tests.conftest import Gql, data

COMPANY_TIMELINE = """
query($id: ID!, $first: Int, $after: String) {
  company(id: $id) {
    timeline(first: $first, after: $after) {
      totalCount
      edges { cursor node { id subject occurredAt } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""
PERSON_TIMELINE = """
query($id: ID!, $first: Int, $after: String) {
  person(id: $id) {
    timeline(first: $first, after: $after) {
      totalCount
      edges { node { id subject occurredAt about { __typename ... on Person { id } ... on Opportunity { id } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


@pytest.fixture
async def world(gql: Gql, admin_token: str) -> World:
    return await build_world(gql, admin_token)


@pytest.fixture
async def history(gql: Gql, world: World) -> dict[str, str]:
    """Activities around the group (and two outside it); returns subject -> activity id."""
    deal = await create_opportunity(gql, world, "Fleet automation", "group")
    world.opportunities["deal"] = deal
    logged: list[tuple[str, int, dict[str, Any]]] = [
        ("Proposal sent", 1, {"opportunityId": deal}),
        ("Kick-off", 2, {"people": ["adler"], "opportunityId": deal}),
        ("Site visit Robotics", 3, {"company": "robotics"}),
        ("Platform demo", 5, {"people": ["fuchs"]}),
        ("Consultant review", 10, {"people": ["klein"]}),
        ("Klarblick invoice", 12, {"company": "consultancy"}),
        ("Procurement call", 20, {"people": ["imhof"]}),
        ("Logistics call", 20, {"people": ["hahn"]}),
        ("Budget call", 40, {"people": ["becker"]}),
        ("Intro with consultant", 45, {"people": ["klein", "becker"]}),
        ("Controlling workshop", 50, {"people": ["jan", "jana"]}),
    ]
    return {
        subject: await log_activity(gql, world, subject, days_ago(days), **about) for subject, days, about in logged
    }


def newest_first(history: dict[str, str], subjects: list[str]) -> list[str]:
    """Subjects by occurredAt desc; the two calls 20 days ago tie and go by id desc."""
    tied = sorted(["Procurement call", "Logistics call"], key=lambda s: history[s], reverse=True)
    order = ["Proposal sent", "Kick-off", "Site visit Robotics", "Platform demo", "Consultant review"]
    order += ["Klarblick invoice", *tied, "Budget call", "Intro with consultant", "Controlling workshop"]
    return [s for s in order if s in subjects]


async def company_page(gql: Gql, world: World, company: str, first: int, after: str | None = None) -> dict[str, Any]:
    variables = {"id": world.companies[company], "first": first, "after": after}
    return data(await gql(COMPANY_TIMELINE, variables, world.token))["company"]["timeline"]  # type: ignore[no-any-return]


GROUP_SUBJECTS = [
    "Proposal sent",
    "Kick-off",
    "Site visit Robotics",
    "Platform demo",
    "Procurement call",
    "Logistics call",
    "Budget call",
    "Intro with consultant",
    "Controlling workshop",
]


async def test_company_timeline_covers_subsidiaries_people_and_opportunities(
    gql: Gql, world: World, history: dict[str, str]
) -> None:
    # when reading the parent company's whole timeline
    page = await company_page(gql, world, "group", 50)
    # then it holds its opportunity's, its own people's and its subsidiaries' activities, newest first,
    # each once; the consultant's own review and the Klarblick invoice are not part of it
    assert [e["node"]["subject"] for e in page["edges"]] == newest_first(history, GROUP_SUBJECTS)
    assert [e["node"]["id"] for e in page["edges"]] == [history[s] for s in newest_first(history, GROUP_SUBJECTS)]
    assert page["totalCount"] == 9
    assert page["pageInfo"]["hasNextPage"] is False
    stamps = [when(e["node"]["occurredAt"]) for e in page["edges"]]
    assert stamps == [days_ago(d) for d in (1, 2, 3, 5, 20, 20, 40, 45, 50)]
    # and a subsidiary's timeline holds only its own part
    robotics = await company_page(gql, world, "robotics", 50)
    assert [e["node"]["subject"] for e in robotics["edges"]] == ["Site visit Robotics", "Platform demo"]
    assert robotics["totalCount"] == 2


@pytest.mark.parametrize("size", [1, 2, 4, 5, 8, 9])
async def test_company_timeline_pages_follow_each_other(
    gql: Gql, world: World, history: dict[str, str], size: int
) -> None:
    # when paging through the parent company's timeline `size` at a time
    pages = [await company_page(gql, world, "group", size)]
    while pages[-1]["pageInfo"]["hasNextPage"]:
        pages.append(await company_page(gql, world, "group", size, pages[-1]["pageInfo"]["endCursor"]))
    # then the pages neither overlap nor skip (also across the tie 20 days ago) and are full but the last
    seen = [e["node"]["subject"] for p in pages for e in p["edges"]]
    assert seen == newest_first(history, GROUP_SUBJECTS)
    assert [len(p["edges"]) for p in pages] == [size] * (9 // size) + ([9 % size] if 9 % size else [])
    assert {p["totalCount"] for p in pages} == {9}
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False] + [True] * (len(pages) - 1)


async def test_person_timeline_lists_what_was_about_the_person(gql: Gql, world: World, history: dict[str, str]) -> None:
    def timeline(person: str, first: int = 50) -> Any:
        return gql(PERSON_TIMELINE, {"id": world.people[person], "first": first}, world.token)

    # when reading the consultant's timeline
    klein = data(await timeline("klein"))["person"]["timeline"]
    # then both activities about him show, newest first, with their explicit subjects
    assert [(e["node"]["subject"], when(e["node"]["occurredAt"])) for e in klein["edges"]] == [
        ("Consultant review", days_ago(10)),
        ("Intro with consultant", days_ago(45)),
    ]
    assert klein["totalCount"] == 2
    assert [a["id"] for a in klein["edges"][1]["node"]["about"]] == sorted(
        [world.people["klein"], world.people["becker"]]
    )
    # and Adler's kick-off names Adler and the opportunity, not the implied company
    adler = data(await timeline("adler", 1))["person"]["timeline"]
    assert adler["totalCount"] == 1
    assert adler["pageInfo"]["hasNextPage"] is False
    about = adler["edges"][0]["node"]["about"]
    assert sorted((a["__typename"], a["id"]) for a in about) == sorted(
        [("Person", world.people["adler"]), ("Opportunity", world.opportunities["deal"])]
    )
    # and Becker's two activities come one page at a time
    becker = data(await timeline("becker", 1))["person"]["timeline"]
    rest = await gql(
        PERSON_TIMELINE,
        {"id": world.people["becker"], "first": 1, "after": becker["pageInfo"]["endCursor"]},
        world.token,
    )
    assert [e["node"]["subject"] for e in becker["edges"]] == ["Budget call"]
    assert becker["pageInfo"]["hasNextPage"] is True
    rest_page = data(rest)["person"]["timeline"]
    assert [e["node"]["subject"] for e in rest_page["edges"]] == ["Intro with consultant"]
    assert rest_page["pageInfo"]["hasNextPage"] is False
    assert becker["totalCount"] == rest_page["totalCount"] == 2
    # and a person nobody talked to has an empty timeline
    assert data(await timeline("albers"))["person"]["timeline"] == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }
