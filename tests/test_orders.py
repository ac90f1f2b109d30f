"""upsertOrders: idempotent on the order's external id, customers by external id then e-mail, exact aggregates."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data, error_code

UPSERT = """mutation($i: [OrderUpsertInput!]!) { upsertOrders(input: $i) {
  createdCount updatedCount results { index externalId { system value } id created } } }"""
PERSON = """query($id: ID!) { person(id: $id) { fullName email source orderCount totalSpent lastOrderAt
  orders(first: 10) { totalCount edges { node { number placedAt total currency
    lines { product { sku name } quantity unitPrice } customer { id } externalIds { system value } } } } } }"""


def order(number: str, placed: str, lines: list[tuple[str, str, int, str]], **customer: Any) -> dict[str, Any]:
    return {
        "externalId": {"system": "shop", "value": number},
        "number": number,
        "placedAt": placed,
        "currency": "EUR",
        "lines": [{"sku": s, "productName": n, "quantity": q, "unitPrice": p} for s, n, q, p in lines],
        **customer,
    }


async def changes(deps: Deps) -> list[tuple[str, str]]:
    entries: Any = await deps.redis.xrange("crm:changes")
    return [(e[b"type"].decode(), e[b"op"].decode()) for _, e in entries]


async def snapshot(deps: Deps) -> list[str]:
    """Every node and relationship with its labels and properties, in a stable order."""
    rows = await deps.db.read(
        "MATCH (n) WHERE NOT n:OutboxEvent RETURN labels(n) AS l, properties(n) AS p "
        "UNION ALL MATCH ()-[r]->() RETURN [type(r)] AS l, properties(r) AS p"
    )
    return sorted(repr((sorted(r["l"]), sorted(r["p"].items()))) for r in rows)


async def settle(deps: Deps) -> None:
    """The writer appends its events before it answers, then deletes their outbox nodes in the background."""
    for _ in range(100):
        if (await deps.db.read("MATCH (o:OutboxEvent) RETURN count(o) AS n"))[0]["n"] == 0:
            return
        await asyncio.sleep(0.05)


async def test_orders_create_a_consumer_and_keep_exact_aggregates(gql: Gql, admin_token: str, deps: Deps) -> None:
    # given two orders of a new customer known only by e-mail
    rows = [
        order("A-1", "2026-03-01T10:00:00Z", [("SKU-1", "Tee", 2, "19.99"), ("SKU-2", "Cap", 1, "5.01")],
              customerEmail="Ana@Example.com", customerFirstName="Ana", customerLastName="Lima"),
        order("A-2", "2026-03-05T08:30:00+02:00", [("SKU-1", "Tee", 1, "19.99")], customerEmail="ana@example.com "),
    ]  # fmt: skip
    # when they are upserted
    first = data(await gql(UPSERT, {"i": rows}, admin_token))["upsertOrders"]
    # then both are created for one person, newest first, with exact totals
    assert (first["createdCount"], first["updatedCount"]) == (2, 0)
    assert [r["created"] for r in first["results"]] == [True, True]
    persons = await deps.db.read("MATCH (p:Person) RETURN p.id AS id")
    assert len(persons) == 1
    person = data(await gql(PERSON, {"id": persons[0]["id"]}, admin_token))["person"]
    assert {k: person[k] for k in ("fullName", "email", "source", "orderCount", "totalSpent", "lastOrderAt")} == {
        "fullName": "Ana Lima",
        "email": "Ana@Example.com",
        "source": "shop",
        "orderCount": 2,
        "totalSpent": "64.98",
        "lastOrderAt": "2026-03-05T06:30:00+00:00",
    }
    assert person["orders"]["totalCount"] == 2
    assert [e["node"] for e in person["orders"]["edges"]] == [
        {
            "number": "A-2",
            "placedAt": "2026-03-05T06:30:00+00:00",
            "total": "19.99",
            "currency": "EUR",
            "lines": [{"product": {"sku": "SKU-1", "name": "Tee"}, "quantity": 1, "unitPrice": "19.99"}],
            "customer": {"id": persons[0]["id"]},
            "externalIds": [{"system": "shop", "value": "A-2"}],
        },
        {
            "number": "A-1",
            "placedAt": "2026-03-01T10:00:00+00:00",
            "total": "44.99",
            "currency": "EUR",
            "lines": [
                {"product": {"sku": "SKU-1", "name": "Tee"}, "quantity": 2, "unitPrice": "19.99"},
                {"product": {"sku": "SKU-2", "name": "Cap"}, "quantity": 1, "unitPrice": "5.01"},
            ],
            "customer": {"id": persons[0]["id"]},
            "externalIds": [{"system": "shop", "value": "A-1"}],
        },
    ]
    await settle(deps)
    assert sorted(await changes(deps)) == [("ORDER", "CREATED"), ("ORDER", "CREATED"), ("PERSON", "CREATED")]
    assert (await deps.db.read("MATCH (p:Product) RETURN count(p) AS n"))[0]["n"] == 2


async def test_a_second_identical_call_changes_nothing_and_emits_nothing(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given an upserted order
    rows = [order("B-1", "2026-01-02T03:04:05Z", [("S", "Sock", 3, "2.50")], customerEmail="bo@example.com")]
    first = data(await gql(UPSERT, {"i": rows}, admin_token))["upsertOrders"]
    await settle(deps)
    events = len(await changes(deps))
    before = await snapshot(deps)
    # when the same call is made again
    second = data(await gql(UPSERT, {"i": rows}, admin_token))["upsertOrders"]
    await settle(deps)
    # then nothing is created, updated, written or emitted
    assert (second["createdCount"], second["updatedCount"]) == (0, 0)
    assert second["results"][0]["id"] == first["results"][0]["id"]
    assert second["results"][0]["created"] is False
    assert len(await changes(deps)) == events == 2
    after = await snapshot(deps)
    assert after == before


async def test_re_upserting_an_order_with_other_lines_adjusts_the_aggregates(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given a customer (by external id) with two orders
    who = {"customerExternalId": {"system": "shop", "value": "C-9"}, "customerLastName": "Cruz"}
    rows = [
        order("C-1", "2026-02-01T00:00:00Z", [("X", "Mug", 1, "10.00")], **who),
        order("C-2", "2026-02-10T00:00:00Z", [("Y", "Pen", 4, "1.25")], **who),
    ]
    data(await gql(UPSERT, {"i": rows}, admin_token))
    # when the newer order is re-sent with other lines and an earlier date
    changed = order("C-2", "2026-01-15T00:00:00Z", [("X", "Mug (large)", 2, "12.00"), ("Z", "Lid", 1, "0.99")], **who)
    result = data(await gql(UPSERT, {"i": [changed]}, admin_token))["upsertOrders"]
    # then it is updated in place, the aggregates are exact and the product has its new name
    assert (result["createdCount"], result["updatedCount"]) == (0, 1)
    found = data(
        await gql(
            '{ personByExternalId(system: "shop", value: "C-9") { id orderCount totalSpent lastOrderAt } }',
            token=admin_token,
        )
    )["personByExternalId"]
    assert {k: found[k] for k in ("orderCount", "totalSpent", "lastOrderAt")} == {
        "orderCount": 2,
        "totalSpent": "34.99",
        "lastOrderAt": "2026-02-01T00:00:00+00:00",
    }
    stored = await deps.db.read(
        "MATCH (p:Person)-[:PLACED]->(o:Order) RETURN o.number AS n, o.totalCents AS c ORDER BY n"
    )
    assert stored == [{"n": "C-1", "c": 1000}, {"n": "C-2", "c": 2499}]
    names = await deps.db.read("MATCH (p:Product) RETURN p.sku AS sku, p.name AS name ORDER BY sku")
    assert names == [{"sku": "X", "name": "Mug (large)"}, {"sku": "Y", "name": "Pen"}, {"sku": "Z", "name": "Lid"}]
    await settle(deps)
    assert (await changes(deps))[-1] == ("ORDER", "UPDATED")


async def test_customer_is_matched_by_external_id_then_by_normalised_email(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given a person with an e-mail and another with a shop external id
    by_mail = data(
        await gql(
            'mutation { createPerson(input: {lastName: "Mail", email: "Mia@Shop.de"}) { id } }', token=admin_token
        )
    )["createPerson"]["id"]
    by_ext = data(
        await gql(
            'mutation { upsertPersons(input: [{externalId: {system: "shop", value: "K1"}, lastName: "Ext"}]) '
            "{ results { id } } }",
            token=admin_token,
        )
    )["upsertPersons"]["results"][0]["id"]
    # when orders name them (external id wins over the e-mail)
    rows = [
        order("D-1", "2026-01-01T00:00:00Z", [("S", "S", 1, "1.00")], customerEmail="  mia@shop.DE"),
        order(
            "D-2",
            "2026-01-01T00:00:00Z",
            [("S", "S", 1, "1.00")],
            customerExternalId={"system": "shop", "value": "K1"},
            customerEmail="mia@shop.de",
        ),
    ]
    data(await gql(UPSERT, {"i": rows}, admin_token))
    # then no person is created and each order belongs to its match
    placed = await deps.db.read("MATCH (p:Person)-[:PLACED]->(o:Order) RETURN o.number AS n, p.id AS p ORDER BY n")
    assert placed == [{"n": "D-1", "p": by_mail}, {"n": "D-2", "p": by_ext}]
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"] == 2


async def test_parallel_calls_with_the_same_new_order_and_customer_give_one_of_each(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given ten callers delivering the same new order, and ten other new orders of one new e-mail
    same = [order("E-1", "2026-04-01T00:00:00Z", [("S", "S", 1, "3.00")], customerEmail="eve@example.com")]
    others = [
        [order(f"F-{i}", "2026-04-02T00:00:00Z", [("S", "S", 1, "1.00")], customerEmail="FIN@example.com")]
        for i in range(10)
    ]
    # when all run at once
    results = await asyncio.gather(
        *(gql(UPSERT, {"i": same}, admin_token) for _ in range(10)),
        *(gql(UPSERT, {"i": rows}, admin_token) for rows in others),
    )
    # then there is one order E-1, one person per e-mail, and exact aggregates
    for result in results:
        data(result)
    assert sum(r["data"]["upsertOrders"]["createdCount"] for r in results[:10]) == 1
    counts = await deps.db.read(
        "MATCH (p:Person) RETURN p.emailLower AS email, p.orderCount AS orders, p.totalSpentCents AS cents, "
        "COUNT { (p)-[:PLACED]->() } AS placed ORDER BY email"
    )
    assert counts == [
        {"email": "eve@example.com", "orders": 1, "cents": 300, "placed": 1},
        {"email": "fin@example.com", "orders": 10, "cents": 1000, "placed": 10},
    ]
    assert (await deps.db.read("MATCH (o:Order) RETURN count(o) AS n"))[0]["n"] == 11


async def test_node_reads_an_order(gql: Gql, admin_token: str) -> None:
    rows = [order("G-1", "2026-05-01T12:00:00Z", [("S", "Shirt", 1, "30.00")], customerEmail="g@example.com")]
    order_id = data(await gql(UPSERT, {"i": rows}, admin_token))["upsertOrders"]["results"][0]["id"]
    assert order_id.startswith("ord_")
    found = data(
        await gql(
            "query($id: ID!) { node(id: $id) { ... on Order { number total customer { email orderCount } } } }",
            {"id": order_id},
            admin_token,
        )
    )
    assert found["node"] == {"number": "G-1", "total": "30.00", "customer": {"email": "g@example.com", "orderCount": 1}}


async def test_bad_rows_are_refused_naming_the_row_and_write_nothing(gql: Gql, admin_token: str, deps: Deps) -> None:
    good = order("H-1", "2026-01-01T00:00:00Z", [("S", "S", 1, "1.00")], customerEmail="h@example.com")
    cases = [
        order("H-2", "2026-01-01T00:00:00Z", [("S", "S", 1, "1.001")], customerEmail="h@example.com"),
        order("H-2", "2026-01-01T00:00:00Z", [("S", "S", 0, "1.00")], customerEmail="h@example.com"),
        order("H-2", "2026-01-01T00:00:00Z", [], customerEmail="h@example.com"),
        order("H-2", "2026-01-01T00:00:00Z", [("S", "S", 1, "1.00")]),
        order("H-2", "2026-01-01T00:00:00Z", [("S", "S", 1, "1.00")], customerEmail="not-an-address"),
        {**good},
    ]
    messages = []
    for bad in cases:
        result = await gql(UPSERT, {"i": [good, bad]}, admin_token)
        assert error_code(result) == "BAD_USER_INPUT"
        assert result["errors"][0]["extensions"]["row"] == 1
        messages.append(result["errors"][0]["message"])
    assert messages == [
        "row 1: lines[0].unitPrice has more than 2 decimals",
        "row 1: lines[0].quantity must be a whole number from 1 to 1000000",
        "row 1: lines: an order has at least one line",
        "row 1: customerExternalId or customerEmail is required",
        "row 1: customerEmail is not an email address",
        "rows 0 and 1 have the same external id",
    ]
    assert (await deps.db.read("MATCH (n) WHERE n:Order OR n:Person RETURN count(n) AS n"))[0]["n"] == 0
