"""A contact import and upsertOrders creating the same new persons at the same moment converge on one person per
normalised e-mail (and per external id): both take the same lock nodes before they look the key up."""

from __future__ import annotations

import asyncio
from typing import Any

from domain import imports
from domain.deps import Deps
from tests.conftest import Gql, data

IMPORT = "mutation($csv: String!, $m: ImportMatchKey!) { importContacts(csv: $csv, matchOn: $m) { id } }"
UPSERT = "mutation($i: [OrderUpsertInput!]!) { upsertOrders(input: $i) { createdCount } }"
JOB = "query($id: ID!) { importJob(id: $id) { status processedCount createdCount updatedCount rejectedCount } }"
N = 300


def order(i: int, **customer: Any) -> dict[str, Any]:
    return {
        "externalId": {"system": "shop", "value": f"O-{i}"},
        "number": f"O-{i}",
        "placedAt": "2026-08-01T10:00:00Z",
        "currency": "EUR",
        "lines": [{"sku": "S", "productName": "Shirt", "quantity": 1, "unitPrice": "9.99"}],
        **customer,
    }


async def race(gql: Gql, token: str, deps: Deps, csv: str, match_on: str, orders: list[dict[str, Any]]) -> str:
    """The import's batch (run in this process, as a worker would) and the orders, ten at a time, all at once."""
    job_id = data(await gql(IMPORT, {"csv": csv, "m": match_on}, token))["importContacts"]["id"]
    calls = [gql(UPSERT, {"i": orders[i : i + 10]}, token) for i in range(0, len(orders), 10)]
    ran, answers = await asyncio.gather(imports.run_slice(deps, job_id), asyncio.gather(*calls))
    assert ran is True
    for answer in answers:
        data(answer)
    return str(job_id)


async def test_an_import_by_email_and_parallel_orders_give_one_person_per_email(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given N new e-mail addresses, in a file to import by e-mail and in orders (other case, spaces) at once
    csv = "firstName,lastName,email\n" + "".join(f"Ann{i},Lee,ann{i}@example.com\n" for i in range(N))
    orders = [order(i, customerEmail=f" ANN{i}@Example.com", customerLastName="Lee") for i in range(N)]
    # when the import and the orders run in parallel
    job_id = await race(gql, admin_token, deps, csv, "EMAIL", orders)
    # then every address has exactly one person, with its order, and the import counted each row once
    rows = await deps.db.read(
        "MATCH (p:Person) RETURN p.emailLower AS email, count(*) AS persons, sum(COUNT { (p)-[:PLACED]->() }) AS "
        "orders ORDER BY email"
    )
    assert len(rows) == N
    assert {(r["persons"], r["orders"]) for r in rows} == {(1, 1)}
    job = data(await gql(JOB, {"id": job_id}, admin_token))["importJob"]
    assert job["status"] == "COMPLETED"
    assert (job["processedCount"], job["createdCount"] + job["updatedCount"], job["rejectedCount"]) == (N, N, 0)


async def test_an_import_by_external_id_and_parallel_orders_give_one_person_per_external_id(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given N new customer ids of the shop, in a file to import by external id and in orders at once
    csv = "lastName,externalId,externalIdSystem\n" + "".join(f"Lee{i},C-{i},shop\n" for i in range(N))
    orders = [order(i, customerExternalId={"system": "shop", "value": f"C-{i}"}) for i in range(N)]
    # when the import and the orders run in parallel
    await race(gql, admin_token, deps, csv, "EXTERNAL_ID", orders)
    # then every customer id identifies exactly one person, which has the order
    rows = await deps.db.read(
        "MATCH (x:ExternalId {label: 'Person', system: 'shop'}) "
        "RETURN x.value AS id, COUNT { (x)-[:IDENTIFIES]->() } AS identifies, "
        "COUNT { (x)-[:IDENTIFIES]->(:Person)-[:PLACED]->() } AS orders"
    )
    assert len(rows) == N
    assert {(r["identifies"], r["orders"]) for r in rows} == {(1, 1)}
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n")) == [{"n": N}]
