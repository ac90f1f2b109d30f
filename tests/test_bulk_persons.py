"""[b2c] bulkUpdatePersons: set-based patches in bounded batches, guarded by expectedCount, one PERSON event per change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from domain import bulk
from domain.deps import Deps
from tests.b2c_helpers import feed
from tests.conftest import Gql, data, error_code

MakeUser = Callable[..., Awaitable[tuple[str, str]]]
BULK = """mutation($r: SegmentRule!, $p: BulkPersonPatch!, $n: Int!) {
  bulkUpdatePersons(rule: $r, patch: $p, expectedCount: $n) { matchedCount updatedCount } }"""
BERLIN = {"condition": {"field": "CITY", "op": "EQ", "value": "Berlin"}}
READ = "{ persons(first: 100) { edges { node { id tags source owner { id } } } } }"


@pytest.fixture
async def people(deps: Deps, admin: tuple[str, str]) -> None:
    # per_0..per_6 in Berlin (per_0 already tagged vip, per_1 owned by the admin), per_7 in Bonn
    await deps.db.write(
        "UNWIND range(0, 7) AS i CREATE (:Person:Entity {id: 'per_' + i, lastName: 'P' + i, fullName: 'P' + i, "
        "sortName: 'p' + i, city: CASE WHEN i = 7 THEN 'Bonn' ELSE 'Berlin' END, "
        "tags: CASE WHEN i = 0 THEN ['vip', 'old'] ELSE ['old'] END, source: 'shop', createdAt: datetime(), updatedAt: datetime()})"
    )
    await deps.db.write(
        "MATCH (p:Person {id: 'per_1'}), (u:User {id: $u}) CREATE (p)-[:OWNED_BY]->(u)", {"u": admin[0]}
    )


async def _state(gql: Gql, token: str) -> dict[str, tuple[list[str], str | None, str | None]]:
    found = data(await gql(READ, token=token))["persons"]["edges"]
    return {
        e["node"]["id"]: (e["node"]["tags"], e["node"]["source"], (e["node"]["owner"] or {}).get("id")) for e in found
    }


async def test_a_patch_reaches_every_match_in_batches_with_one_event_per_change(
    gql: Gql, admin: tuple[str, str], people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: batches of three persons (seven match: three batches)
    monkeypatch.setattr(bulk, "BATCH", 3)
    admin_id, token = admin
    patch = {"addTags": ["vip"], "removeTags": ["old"], "ownerId": admin_id}
    # when
    result = data(await gql(BULK, {"r": BERLIN, "p": patch, "n": 7}, token))["bulkUpdatePersons"]
    # then
    assert result == {"matchedCount": 7, "updatedCount": 7}
    state = await _state(gql, token)
    assert {pid: s for pid, s in state.items() if pid != "per_7"} == {
        f"per_{i}": (["vip"], "shop", admin_id) for i in range(7)
    }
    assert state["per_7"] == (["old"], "shop", None)
    events = await feed(gql, token, "PERSON")
    assert sorted(events) == [("PERSON", f"per_{i}", "UPDATED") for i in range(7)]
    # the same patch again changes nothing and emits nothing
    again = data(await gql(BULK, {"r": BERLIN, "p": patch, "n": 7}, token))["bulkUpdatePersons"]
    assert again == {"matchedCount": 7, "updatedCount": 0}
    assert len(await feed(gql, token, "PERSON")) == 7


async def test_a_patch_that_changes_the_match_still_reaches_everyone_once(
    gql: Gql, admin_token: str, people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the rule is the tag the patch removes
    monkeypatch.setattr(bulk, "BATCH", 2)
    rule = {"condition": {"field": "TAGS", "op": "CONTAINS", "value": "old"}}
    # when
    result = data(await gql(BULK, {"r": rule, "p": {"removeTags": ["old"], "source": None}, "n": 8}, admin_token))
    # then
    assert result == {"bulkUpdatePersons": {"matchedCount": 8, "updatedCount": 8}}
    state = await _state(gql, admin_token)
    assert state["per_0"] == (["vip"], None, state["per_0"][2]) and state["per_5"] == ([], None, None)
    assert data(await gql("query($r: SegmentRule!) { segmentSize(rule: $r) }", {"r": rule}, admin_token)) == {
        "segmentSize": 0
    }


async def test_an_unexpected_count_is_conflict_and_writes_nothing(gql: Gql, admin_token: str, people: None) -> None:
    before = await _state(gql, admin_token)
    result = await gql(BULK, {"r": BERLIN, "p": {"addTags": ["x"]}, "n": 6}, admin_token)
    assert error_code(result) == "CONFLICT"
    assert result["errors"][0]["message"] == "the rule matches 7 persons, not 6: nothing was changed"
    assert await _state(gql, admin_token) == before
    assert await feed(gql, admin_token, "PERSON") == []


async def test_bad_patches_are_refused(gql: Gql, admin_token: str, make_user: MakeUser, people: None) -> None:
    cases = [
        ({}, "BAD_USER_INPUT", "patch"),
        ({"addTags": ["a"], "removeTags": ["a"]}, "BAD_USER_INPUT", "patch.removeTags"),
        ({"addTags": ["x" * 51]}, "BAD_USER_INPUT", "patch.addTags"),
        ({"ownerId": "usr_nope"}, "NOT_FOUND", "patch.ownerId"),
    ]
    for patch, code, field in cases:
        result = await gql(BULK, {"r": BERLIN, "p": patch, "n": 7}, admin_token)
        assert error_code(result) == code and result["errors"][0]["extensions"]["field"] == field, result
    _, rep = await make_user("SALES_REP")
    assert error_code(await gql(BULK, {"r": BERLIN, "p": {"addTags": ["a"]}, "n": 7}, rep)) == "FORBIDDEN"
