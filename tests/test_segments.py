"""[b2c] Segments: rules compiled into one parameterised predicate, sizes and members always current,
inclusion without cycles (also under parallel updates), deletion guarded, SEGMENT events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from domain import segments
from domain.deps import Deps
from graph.compiler.roots import RECENT
from tests.b2c_helpers import feed
from tests.conftest import Gql, data, error_code

MakeUser = Callable[..., Awaitable[tuple[str, str]]]
SIZE = "query($r: SegmentRule!) { segmentSize(rule: $r) }"
CREATE = "mutation($n: String!, $r: SegmentRule!) { createSegment(name: $n, rule: $r) { id name rule size } }"
UPDATE = (
    "mutation($id: ID!, $n: String, $r: SegmentRule) { updateSegment(id: $id, name: $n, rule: $r) { id name rule } }"
)

# per_1..per_6: who lives where, their tags, orders, consents, event visits.
PEOPLE: list[dict[str, Any]] = [
    {"id": "per_1", "last": "Adams", "city": "Berlin", "country": "DE", "tags": ["vip", "golf"], "source": "shop",
     "email": "ada@example.com", "created": -400, "orders": [(-10, "SKU-1"), (-200, "SKU-2")], "spent": 15000},
    {"id": "per_2", "last": "Brown", "city": "Berlin", "country": "DE", "tags": ["golf"], "source": "fair",
     "email": "bob@shop.de", "created": -30, "orders": [(-100, "SKU-2")], "spent": 4999},
    {"id": "per_3", "last": "Clark", "city": "Munich", "country": "DE", "tags": [], "source": None,
     "email": None, "created": -5, "orders": [], "spent": 0},
    {"id": "per_4", "last": "Davis", "city": "Hamburg", "country": "AT", "tags": ["vip"], "source": "shop",
     "email": "dave@example.com", "created": -800, "orders": [(-1, "SKU-1"), (-2, "SKU-1"), (-3, "SKU-3")],
     "spent": 30000},
    {"id": "per_5", "last": "Evans", "city": None, "country": None, "tags": None, "source": "web",
     "email": "eve@Other.org", "created": -60, "orders": [], "spent": 0},
    {"id": "per_6", "last": "Fox", "city": "Berlin", "country": "DE", "tags": ["vip"], "source": "shop",
     "email": "fox@example.com", "created": -2, "orders": [(-50, "SKU-3")], "spent": 1000},
]  # fmt: skip

SEED = """
UNWIND $people AS x
CREATE (p:Person:Entity {id: x.id, lastName: x.last, fullName: x.last, sortName: toLower(x.last), city: x.city,
  country: x.country, tags: x.tags, source: x.source, email: x.email, emailLower: toLower(x.email),
  createdAt: datetime() + duration({days: x.created}), updatedAt: datetime(),
  orderCount: size(x.orders), totalSpentCents: x.spent,
  lastOrderAt: CASE WHEN size(x.orders) = 0 THEN null ELSE datetime() + duration({days: x.orders[0][0]}) END})
WITH p, x
UNWIND range(0, size(x.orders) - 1) AS i
MERGE (prod:Product {sku: x.orders[i][1]})
CREATE (p)-[:PLACED]->(o:Order:Entity {id: x.id + '-o' + i, placedAt: datetime() + duration({days: x.orders[i][0]})})
CREATE (o)-[:CONTAINS {quantity: 1, unitPrice: '10.00'}]->(prod)
"""


@pytest.fixture
async def people(deps: Deps) -> None:
    await deps.db.write(SEED, {"people": PEOPLE})
    await deps.db.write(
        "MATCH (a:Person {id: 'per_1'}), (b:Person {id: 'per_2'}), (f:Person {id: 'per_6'}) "
        "CREATE (e:Event:Entity {id: 'evt_1', name: 'Fair', startsAt: datetime()}) "
        "CREATE (a)-[:PARTICIPATES {status: 'ATTENDED'}]->(e), (b)-[:PARTICIPATES {status: 'REGISTERED'}]->(e) "
        "CREATE (a)-[:HAS_CONSENT]->(:Consent {key: 'per_1|EMAIL|news', channel: 'EMAIL', purpose: 'news', status: 'GRANTED'}) "
        "CREATE (b)-[:HAS_CONSENT]->(:Consent {key: 'per_2|EMAIL|news', channel: 'EMAIL', purpose: 'news', status: 'REVOKED'}) "
        "CREATE (f)-[:HAS_CONSENT]->(:Consent {key: 'per_6|EMAIL|offers', channel: 'EMAIL', purpose: 'offers', status: 'GRANTED'})"
    )


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"condition": {"field": field, "op": op, "value": value}}


async def size(gql: Gql, token: str, rule: dict[str, Any]) -> int:
    return int(data(await gql(SIZE, {"r": rule}, token))["segmentSize"])


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (cond("CITY", "EQ", "Berlin"), 3),
        (cond("CITY", "NEQ", "Berlin"), 3),  # no city counts as not Berlin
        (cond("CITY", "IN", ["Munich", "Hamburg"]), 2),
        (cond("CITY", "CONTAINS", "ERL"), 3),
        (cond("CITY", "EXISTS", False), 1),
        (cond("COUNTRY", "EQ", "AT"), 1),
        (cond("SOURCE", "EXISTS", True), 5),
        (cond("TAGS", "CONTAINS", "vip"), 3),
        (cond("TAGS", "NEQ", "vip"), 3),
        (cond("TAGS", "IN", ["golf", "vip"]), 4),
        (cond("TAGS", "EXISTS", False), 2),
        (cond("CREATED_AT", "WITHIN_DAYS", 45), 3),
        (cond("CREATED_AT", "LT", "2000-01-01T00:00:00Z"), 0),
        (cond("LAST_ORDER_AT", "EXISTS", True), 4),
        (cond("LAST_ORDER_AT", "WITHIN_DAYS", 30), 2),
        (cond("ORDER_COUNT", "GTE", 2), 2),
        (cond("ORDER_COUNT", "IN", [0, 3]), 3),
        (cond("TOTAL_SPENT", "GT", "49.99"), 2),
        (cond("TOTAL_SPENT", "LTE", 49.99), 4),
        (cond("EMAIL_DOMAIN", "EQ", "Example.com"), 3),
        (cond("EMAIL_DOMAIN", "IN", ["shop.de", "other.org"]), 2),
        (cond("EMAIL_DOMAIN", "NEQ", "example.com"), 3),
        ({"purchased": {"productSku": "SKU-1"}}, 2),
        ({"purchased": {"productSku": "SKU-1", "minCount": 2}}, 1),
        ({"purchased": {"withinDays": 60}}, 3),
        ({"purchased": {"withinDays": 60, "minCount": 2}}, 1),
        ({"purchased": {"productSku": "SKU-2", "withinDays": 150}}, 1),
        ({"purchased": {}}, 4),
        ({"attendedEventId": "evt_1"}, 1),
        ({"hasConsent": {"channel": "EMAIL"}}, 2),
        ({"hasConsent": {"channel": "EMAIL", "purpose": "news"}}, 1),
        ({"all": [cond("CITY", "EQ", "Berlin"), cond("TAGS", "CONTAINS", "vip")]}, 2),
        ({"any": [cond("CITY", "EQ", "Munich"), cond("COUNTRY", "EQ", "AT")]}, 2),
        ({"not": cond("CITY", "EQ", "Berlin")}, 3),
        ({"not": {"any": [cond("CITY", "EQ", "Berlin"), cond("TAGS", "CONTAINS", "vip")]}}, 2),
        (
            {"all": [cond("CITY", "EQ", "Berlin"), cond("TAGS", "CONTAINS", "vip"), {"purchased": {"withinDays": 90}}]},
            2,
        ),
    ],
)
async def test_segment_size_counts_exactly_what_the_rule_says(
    gql: Gql, admin_token: str, people: None, rule: dict[str, Any], expected: int
) -> None:
    assert await size(gql, admin_token, rule) == expected


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        (
            {"all": [cond("CITY", "EQ", "x"), cond("CITY", "EQ", "y"), cond("CITY", "GT", "z")]},
            "rule.all[2].condition.op",
        ),
        (
            {"all": [cond("CITY", "EQ", "x"), cond("CITY", "EQ", "y"), cond("CITY", "EQ", 5)]},
            "rule.all[2].condition.value",
        ),
        ({"any": [cond("ORDER_COUNT", "GT", "3")]}, "rule.any[0].condition.value"),
        ({"not": cond("TAGS", "IN", [])}, "rule.not.condition.value"),
        (cond("CREATED_AT", "GT", "yesterday"), "rule.condition.value"),
        (cond("CREATED_AT", "WITHIN_DAYS", -1), "rule.condition.value"),
        (cond("TOTAL_SPENT", "GT", "1.999"), "rule.condition.value"),
        (cond("LAST_ORDER_AT", "EXISTS", "yes"), "rule.condition.value"),
        (cond("EMAIL_DOMAIN", "CONTAINS", "x"), "rule.condition.op"),
        ({"purchased": {"withinDays": 0, "minCount": 0}}, "rule.purchased.minCount"),
        ({"all": []}, "rule.all"),
        (
            {"all": [{"any": [{"not": {"all": [{"any": [cond("CITY", "EQ", "x")]}]}}]}]},
            "rule.all[0].any[0].not.all[0].any[0]",
        ),
    ],
)
async def test_a_wrong_rule_is_bad_user_input_naming_its_path(
    gql: Gql, admin_token: str, rule: dict[str, Any], path: str
) -> None:
    result = await gql(SIZE, {"r": rule}, admin_token)
    assert error_code(result) == "BAD_USER_INPUT", result
    assert result["errors"][0]["extensions"]["field"] == path
    assert result["errors"][0]["message"].startswith(path)


async def test_five_levels_are_allowed(gql: Gql, admin_token: str, people: None) -> None:
    rule = {"all": [{"any": [{"not": {"all": [cond("CITY", "EQ", "Munich")]}}]}]}
    assert await size(gql, admin_token, rule) == 5


async def test_values_never_reach_the_statement(gql: Gql, admin_token: str, people: None, deps: Deps) -> None:
    evil = "Berlin' OR 1=1 //"
    predicate, params = await segments.compile_rule(
        deps, {"all": [cond("CITY", "EQ", evil), cond("TAGS", "CONTAINS", "vip")]}
    )
    assert predicate == "(p.city = $seg0 AND $seg1 IN p.tags)"
    assert params == {"seg0": evil, "seg1": "vip"}
    assert await size(gql, admin_token, cond("CITY", "EQ", evil)) == 0


async def test_beside_a_city_a_time_range_seeks_no_index(deps: Deps) -> None:
    # the planner then starts from the city's persons, not from everyone who ordered lately
    rule = {
        "all": [cond("CITY", "EQ", "Berlin"), {"purchased": {"withinDays": 90}}, cond("CREATED_AT", "WITHIN_DAYS", 9)]
    }
    predicate, _ = await segments.compile_rule(deps, rule)
    assert predicate == (
        "(p.city = $seg0 AND coalesce(p.lastOrderAt >= datetime() - duration({days: $seg1}), false) "
        "AND coalesce(p.createdAt >= datetime() - duration({days: $seg2}), false))"
    )
    alone, _ = await segments.compile_rule(deps, {"purchased": {"withinDays": 90}})
    assert alone == "p.lastOrderAt >= datetime() - duration({days: $seg0})"


async def test_a_saved_segment_has_current_size_and_members_in_id_order(
    gql: Gql, admin_token: str, people: None, deps: Deps
) -> None:
    # given
    rule = {"any": [cond("CITY", "EQ", "Berlin"), cond("COUNTRY", "EQ", "AT")]}
    made = data(await gql(CREATE, {"n": "Berlin or Austria", "r": rule}, admin_token))["createSegment"]
    assert made["id"].startswith("seg_") and made["size"] == 4
    assert made["rule"] == {"any": [{"condition": {"field": "CITY", "op": "EQ", "value": "Berlin"}},
                                    {"condition": {"field": "COUNTRY", "op": "EQ", "value": "AT"}}]}  # fmt: skip
    page = """query($id: ID!, $a: String) { segment(id: $id) { size members(first: 3, after: $a) {
      totalCount edges { node { id fullName } } pageInfo { hasNextPage endCursor } } } }"""
    # when
    first = data(await gql(page, {"id": made["id"]}, admin_token))["segment"]
    second = data(await gql(page, {"id": made["id"], "a": first["members"]["pageInfo"]["endCursor"]}, admin_token))[
        "segment"
    ]
    # then
    assert [e["node"]["id"] for e in first["members"]["edges"]] == ["per_1", "per_2", "per_4"]
    assert first["members"]["totalCount"] == 4 and first["members"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["fullName"] for e in second["members"]["edges"]] == ["Fox"]
    assert second["members"]["pageInfo"]["hasNextPage"] is False
    # and a page is two round trips: the segment (with its stored rule) and the page, as is its size
    members_only = "query($id: ID!) { segment(id: $id) { members(first: 50) { edges { node { id } } } } }"
    assert (await gql(members_only, {"id": made["id"]}, admin_token))["extensions"]["cypherRoundTrips"] == 2
    size_only = "query($id: ID!) { segment(id: $id) { name size } }"
    assert (await gql(size_only, {"id": made["id"]}, admin_token))["extensions"]["cypherRoundTrips"] == 2
    # always current: a new Berliner is a member at once
    await deps.db.write("CREATE (:Person:Entity {id: 'per_7', lastName: 'Gray', city: 'Berlin'})")
    assert data(await gql(page, {"id": made["id"]}, admin_token))["segment"]["size"] == 5
    assert await segments.member_ids_page(deps, made["id"], None, 2) == ["per_1", "per_2"]
    assert await segments.member_ids_page(deps, made["id"], "per_4", 10) == ["per_6", "per_7"]


async def test_segments_page_by_name_and_node(gql: Gql, admin_token: str) -> None:
    ids = {}
    for name in ["Gamma", "Alpha", "Beta"]:
        ids[name] = data(await gql(CREATE, {"n": name, "r": cond("CITY", "EQ", name)}, admin_token))["createSegment"][
            "id"
        ]
    query = "query($a: String) { segments(first: 2, after: $a) { totalCount edges { node { name } } pageInfo { endCursor } } }"
    first = data(await gql(query, {}, admin_token))["segments"]
    second = data(await gql(query, {"a": first["pageInfo"]["endCursor"]}, admin_token))["segments"]
    assert [e["node"]["name"] for e in first["edges"]] == ["Alpha", "Beta"] and first["totalCount"] == 3
    assert [e["node"]["name"] for e in second["edges"]] == ["Gamma"]
    node = data(
        await gql("query($id: ID!) { node(id: $id) { ... on Segment { name } } }", {"id": ids["Beta"]}, admin_token)
    )
    assert node == {"node": {"name": "Beta"}}
    assert RECENT[-1][0] == "MATCH (n:Segment {id: $id}) RETURN {name: n.name} AS node"


async def test_inclusion_inlines_the_other_rule_and_refuses_cycles(gql: Gql, admin_token: str, people: None) -> None:
    # given: vips, and Berliners among the vips
    vips = data(await gql(CREATE, {"n": "VIP", "r": cond("TAGS", "CONTAINS", "vip")}, admin_token))["createSegment"]
    rule = {"all": [{"inSegmentId": vips["id"]}, cond("CITY", "EQ", "Berlin")]}
    berlin = data(await gql(CREATE, {"n": "Berlin VIP", "r": rule}, admin_token))["createSegment"]
    assert berlin["size"] == 2
    # when: the vips would include the Berlin vips (a cycle through another), or themselves
    through = await gql(
        UPDATE, {"id": vips["id"], "r": {"any": [cond("CITY", "EQ", "x"), {"inSegmentId": berlin["id"]}]}}, admin_token
    )
    direct = await gql(UPDATE, {"id": vips["id"], "r": {"not": {"inSegmentId": vips["id"]}}}, admin_token)
    missing = await gql(UPDATE, {"id": vips["id"], "r": {"inSegmentId": "seg_nope"}}, admin_token)
    # then
    assert error_code(through) == "BAD_USER_INPUT"
    assert through["errors"][0]["extensions"]["field"] == "rule.any[1].inSegmentId"
    assert (
        error_code(direct) == "BAD_USER_INPUT" and direct["errors"][0]["extensions"]["field"] == "rule.not.inSegmentId"
    )
    assert error_code(missing) == "NOT_FOUND" and missing["errors"][0]["extensions"]["field"] == "rule.inSegmentId"
    # nothing was written: the vips are still the vips
    found = data(await gql("query($id: ID!) { segment(id: $id) { size rule } }", {"id": vips["id"]}, admin_token))
    assert found["segment"]["size"] == 3 and found["segment"]["rule"] == cond("TAGS", "CONTAINS", "vip")
    # a change of the included rule shows in the including segment at once
    data(await gql(UPDATE, {"id": vips["id"], "r": cond("TAGS", "CONTAINS", "golf")}, admin_token))
    assert data(await gql("query($id: ID!) { segment(id: $id) { size } }", {"id": berlin["id"]}, admin_token)) == {
        "segment": {"size": 2}
    }


async def test_parallel_updates_cannot_close_a_cycle_together(gql: Gql, admin_token: str, deps: Deps) -> None:
    for round_, n in enumerate((2, 2, 6, 6)):
        # given: a ring of independent segments
        ids = [
            data(await gql(CREATE, {"n": f"R{round_}-{i}", "r": cond("CITY", "EQ", "a")}, admin_token))[
                "createSegment"
            ]["id"]
            for i in range(n)
        ]
        # when: each includes the next one, all at the same time (together they would close the ring)
        results = await asyncio.gather(
            *(gql(UPDATE, {"id": ids[i], "r": {"inSegmentId": ids[(i + 1) % n]}}, admin_token) for i in range(n))
        )
        # then: all but one succeed, the last to come is refused, and the graph holds no cycle
        codes = sorted("ok" if "errors" not in r else r["errors"][0]["extensions"]["code"] for r in results)
        assert codes == ["BAD_USER_INPUT", *["ok"] * (n - 1)], results
        cycles = await deps.db.read("MATCH (s:Segment) WHERE EXISTS { (s)-[:INCLUDES*1..]->(s) } RETURN count(s) AS n")
        assert cycles == [{"n": 0}]
        for segment_id in ids:
            found = await gql("query($id: ID!) { segment(id: $id) { size } }", {"id": segment_id}, admin_token)
            assert data(found)["segment"]["size"] == 0


async def test_delete_is_refused_while_a_mailing_or_a_segment_uses_it(gql: Gql, admin_token: str, deps: Deps) -> None:
    # given
    base = data(await gql(CREATE, {"n": "Base", "r": cond("CITY", "EQ", "x")}, admin_token))["createSegment"]["id"]
    user = data(await gql(CREATE, {"n": "User", "r": {"inSegmentId": base}}, admin_token))["createSegment"]["id"]
    mailed = data(await gql(CREATE, {"n": "Mailed", "r": cond("CITY", "EQ", "y")}, admin_token))["createSegment"]["id"]
    await deps.db.write(
        "MATCH (s:Segment {id: $id}) CREATE (:Mailing:Entity {id: 'mlg_1'})-[:TO_SEGMENT]->(s)", {"id": mailed}
    )
    delete = "mutation($id: ID!) { deleteSegment(id: $id) }"
    # when / then
    assert error_code(await gql(delete, {"id": base}, admin_token)) == "CONFLICT"
    assert error_code(await gql(delete, {"id": mailed}, admin_token)) == "CONFLICT"
    assert data(await gql(delete, {"id": user}, admin_token)) == {"deleteSegment": user}
    assert data(await gql(delete, {"id": base}, admin_token)) == {"deleteSegment": base}
    assert error_code(await gql(delete, {"id": base}, admin_token)) == "NOT_FOUND"
    assert data(await gql("{ segments { totalCount } }", token=admin_token)) == {"segments": {"totalCount": 1}}
    assert await feed(gql, admin_token, "SEGMENT") == [
        ("SEGMENT", base, "CREATED"), ("SEGMENT", user, "CREATED"), ("SEGMENT", mailed, "CREATED"),
        ("SEGMENT", user, "DELETED"), ("SEGMENT", base, "DELETED"),
    ]  # fmt: skip


async def test_an_unknown_event_is_not_found(gql: Gql, admin_token: str) -> None:
    result = await gql(SIZE, {"r": {"any": [{"attendedEventId": "evt_nope"}]}}, admin_token)
    assert (
        error_code(result) == "NOT_FOUND"
        and result["errors"][0]["extensions"]["field"] == "rule.any[0].attendedEventId"
    )


async def test_only_marketers_save_segments_everyone_reads(gql: Gql, make_user: MakeUser) -> None:
    _, rep = await make_user("SALES_REP")
    _, marketing = await make_user("MARKETING")
    assert error_code(await gql(CREATE, {"n": "x", "r": cond("CITY", "EQ", "x")}, rep)) == "FORBIDDEN"
    data(await gql(CREATE, {"n": "x", "r": cond("CITY", "EQ", "x")}, marketing))
    assert data(await gql("{ segments { totalCount } }", token=rep)) == {"segments": {"totalCount": 1}}
    assert await size(gql, rep, cond("CITY", "EQ", "x")) == 0
