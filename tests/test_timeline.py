"""Company timelines page the same under both query plans (expand a small history, walk the index for a large one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Gql, data

LOG = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }"
PAGE = "query($id: ID!, $a: String) { company(id: $id) { timeline(first: 2, after: $a) { totalCount edges { node { subject about { __typename } } } pageInfo { hasNextPage endCursor } } } }"


async def _company(gql: Gql, token: str, name: str, parent: str | None = None) -> str:
    result = await gql(
        "mutation($n: String!, $p: ID) { createCompany(input: {name: $n, parentId: $p}) { id } }",
        {"n": name, "p": parent},
        token,
    )
    return str(data(result)["createCompany"]["id"])


async def _all_pages(gql: Gql, token: str, company_id: str) -> tuple[list[str], int]:
    subjects: list[str] = []
    after = None
    total = 0
    while True:
        page = data(await gql(PAGE, {"id": company_id, "a": after}, token))["company"]["timeline"]
        total = page["totalCount"]
        subjects += [e["node"]["subject"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return subjects, total
        after = page["pageInfo"]["endCursor"]


async def test_large_and_small_histories_page_newest_first_without_gaps(gql: Gql, admin_token: str) -> None:
    # (volume^2 > limit * all: "Big" walks the index, "Small" and "Big Sub" are expanded)
    big, small = await _company(gql, admin_token, "Big"), await _company(gql, admin_token, "Small")
    sub = await _company(gql, admin_token, "Big Sub", big)
    person = data(
        await gql(
            'mutation($c: ID!) { createPerson(input: {lastName: "Staff", companyId: $c}) { id } }',
            {"c": sub},
            admin_token,
        )
    )["createPerson"]["id"]
    base = datetime(2026, 1, 1, tzinfo=UTC)

    async def log(subject: str, at: datetime, **about: Any) -> None:
        data(
            await gql(
                LOG, {"i": {"type": "NOTE", "subject": subject, "occurredAt": at.isoformat(), **about}}, admin_token
            )
        )

    # given a big group history (12 activities, two at the same instant, one about both companies)
    for i in range(10):
        await log(f"big {i:02d}", base + timedelta(hours=i), companyId=big)
    await log("tie a", base + timedelta(hours=20), personIds=[person])
    await log("tie b", base + timedelta(hours=20), companyId=sub, personIds=[person])
    # and a small one
    await log("small", base + timedelta(hours=5), companyId=small)

    # when paging two at a time; then every activity comes once, newest first, ties by id
    big_subjects, big_total = await _all_pages(gql, admin_token, big)
    ties = sorted(["tie a", "tie b"], reverse=True)
    assert big_total == 12
    assert sorted(big_subjects[:2]) == sorted(ties)
    assert big_subjects[2:] == [f"big {i:02d}" for i in reversed(range(10))]
    assert await _all_pages(gql, admin_token, small) == (["small"], 1)
    assert await _all_pages(gql, admin_token, sub) == (big_subjects[:2], 2)


async def test_moving_a_subsidiary_moves_its_history_to_the_new_group(gql: Gql, admin_token: str) -> None:
    async def subjects(company_id: str) -> list[str]:
        page = data(await gql(PAGE, {"id": company_id}, admin_token))["company"]["timeline"]
        return [e["node"]["subject"] for e in page["edges"]]

    # given a subsidiary of group A with history, and group B
    group_a, group_b = await _company(gql, admin_token, "Group A"), await _company(gql, admin_token, "Group B")
    sub = await _company(gql, admin_token, "Sub", group_a)
    await gql(LOG, {"i": {"type": "CALL", "subject": "about sub", "companyId": sub}}, admin_token)
    assert await subjects(group_a) == ["about sub"]
    # when the subsidiary moves to group B
    moved = await gql(
        "mutation($id: ID!, $p: ID) { updateCompany(id: $id, input: {parentId: $p}) { parent { name } } }",
        {"id": sub, "p": group_b},
        admin_token,
    )
    assert data(moved)["updateCompany"]["parent"] == {"name": "Group B"}
    # then its history shows under group B and no longer under group A
    assert await subjects(group_b) == ["about sub"]
    assert await subjects(group_a) == []
    assert await subjects(sub) == ["about sub"]
