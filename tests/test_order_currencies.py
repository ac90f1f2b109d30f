"""Person.totalSpent counts the default currency (CRM_DEFAULT_CURRENCY); spentByCurrency sums every currency."""

from __future__ import annotations

from typing import Any

from domain.deps import Deps
from graph.migrations import migrate
from tests.conftest import Gql, data

UPSERT = "mutation($i: [OrderUpsertInput!]!) { upsertOrders(input: $i) { results { id } } }"
FIGURES = "orderCount totalSpent spentByCurrency { currency amount orderCount }"


def order(number: str, currency: str, price: str) -> dict[str, Any]:
    return {
        "externalId": {"system": "shop", "value": number},
        "number": number,
        "placedAt": "2026-09-01T10:00:00Z",
        "currency": currency,
        "lines": [{"sku": "S", "productName": "Shirt", "quantity": 1, "unitPrice": price}],
        "customerEmail": "mia@example.com",
        "customerLastName": "Mia",
    }


async def figures(gql: Gql, token: str, person_id: str) -> dict[str, Any]:
    query = "query($id: ID!) { person(id: $id) { " + FIGURES + " } }"
    return data(await gql(query, {"id": person_id}, token))["person"]  # type: ignore[no-any-return]


async def test_total_spent_counts_the_default_currency_and_spent_by_currency_every_one(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given a customer's orders in EUR (the default) and USD
    rows = [order("A", "EUR", "10.00"), order("B", "USD", "20.00"), order("C", "EUR", "5.05")]
    data(await gql(UPSERT, {"i": rows}, admin_token))
    (person,) = await deps.db.read("MATCH (p:Person) RETURN p.id AS id")
    # then totalSpent is the EUR sum, and spentByCurrency has each currency's sum and count
    assert await figures(gql, admin_token, person["id"]) == {
        "orderCount": 3,
        "totalSpent": "15.05",
        "spentByCurrency": [
            {"currency": "EUR", "amount": "15.05", "orderCount": 2},
            {"currency": "USD", "amount": "20.00", "orderCount": 1},
        ],
    }
    # when order B is sent again in EUR and C in USD
    data(await gql(UPSERT, {"i": [order("B", "EUR", "20.00"), order("C", "USD", "5.05")]}, admin_token))
    # then both figures follow
    assert await figures(gql, admin_token, person["id"]) == {
        "orderCount": 3,
        "totalSpent": "30.00",
        "spentByCurrency": [
            {"currency": "EUR", "amount": "30.00", "orderCount": 2},
            {"currency": "USD", "amount": "5.05", "orderCount": 1},
        ],
    }
    # and a person read outside the compiler (a mutation's answer) reads the same
    update = 'mutation($id: ID!) { updatePerson(id: $id, input: {city: "Rome"}) { ' + FIGURES + " } }"
    assert data(await gql(update, {"id": person["id"]}, admin_token))["updatePerson"] == await figures(
        gql, admin_token, person["id"]
    )


async def test_another_default_currency_is_recounted_by_the_migration(gql: Gql, admin_token: str, deps: Deps) -> None:
    # given orders in EUR and USD counted in EUR
    data(await gql(UPSERT, {"i": [order("A", "EUR", "10.00"), order("B", "USD", "20.00")]}, admin_token))
    (person,) = await deps.db.read("MATCH (p:Person) RETURN p.id AS id")
    assert (await figures(gql, admin_token, person["id"]))["totalSpent"] == "10.00"
    # when the migration runs with USD as the default currency
    await migrate(deps.db, currency="USD")
    # then totalSpent counts the USD orders (and segments, reading the same stored sum, too)
    assert (await figures(gql, admin_token, person["id"]))["totalSpent"] == "20.00"
    stored = await deps.db.read("MATCH (p:Person) RETURN p.totalSpentCents AS cents, p.totalSpentCurrency AS cur")
    assert stored == [{"cents": 2000, "cur": "USD"}]
    # and back with EUR
    await migrate(deps.db, currency="EUR")
    assert (await figures(gql, admin_token, person["id"]))["totalSpent"] == "10.00"
