"""External ids are keyed on (system, value) without string joining, and unique under parallel writers."""

from __future__ import annotations

import asyncio

from domain.deps import Deps
from graph.migrations import migrate
from tests.conftest import Gql, data, error_code

UPSERT = "mutation($i: [CompanyUpsertInput!]!) { upsertCompanies(input: $i) { results { id created } } }"
BY_EXTERNAL_ID = "query($s: String!, $v: String!) { companyByExternalId(system: $s, value: $v) { id name } }"


def _row(system: str, value: str, name: str) -> dict[str, object]:
    return {"externalId": {"system": system, "value": value}, "name": name}


async def test_ids_whose_joined_text_is_equal_name_different_companies(gql: Gql, admin_token: str) -> None:
    # given a company with the id ("erp|X", "42")
    first = data(await gql(UPSERT, {"i": [_row("erp|X", "42", "First")]}, admin_token))
    # when another company arrives with ("erp", "X|42")
    second = data(await gql(UPSERT, {"i": [_row("erp", "X|42", "Second")]}, admin_token))

    # then it is a new company and the first keeps its name
    assert second["upsertCompanies"]["results"][0]["created"] is True
    assert second["upsertCompanies"]["results"][0]["id"] != first["upsertCompanies"]["results"][0]["id"]
    found = data(await gql(BY_EXTERNAL_ID, {"s": "erp|X", "v": "42"}, admin_token))["companyByExternalId"]
    assert found == {"id": first["upsertCompanies"]["results"][0]["id"], "name": "First"}
    found = data(await gql(BY_EXTERNAL_ID, {"s": "erp", "v": "X|42"}, admin_token))["companyByExternalId"]
    assert found == {"id": second["upsertCompanies"]["results"][0]["id"], "name": "Second"}


async def test_parallel_upserts_of_one_new_external_id_make_one_company(gql: Gql, deps: Deps, admin_token: str) -> None:
    # when ten synchronisations deliver the same new company at once
    results = await asyncio.gather(
        *(gql(UPSERT, {"i": [_row("erp", "7", f"Name {i}")]}, admin_token) for i in range(10))
    )
    # then all succeed, on one company, created once
    rows = [data(r)["upsertCompanies"]["results"][0] for r in results]
    assert len({row["id"] for row in rows}) == 1
    assert sorted(row["created"] for row in rows) == [False] * 9 + [True]
    count = await deps.db.read("MATCH (c:Company) RETURN count(c) AS n")
    assert count == [{"n": 1}]


async def test_parallel_creates_with_one_external_id_conflict(gql: Gql, deps: Deps, admin_token: str) -> None:
    create = 'mutation { createCompany(input: {name: "Dup", externalIds: [{system: "crm", value: "1"}]}) { id } }'
    # when ten users create a company with the same external id at once
    results = await asyncio.gather(*(gql(create, token=admin_token) for _ in range(10)))
    # then one is created and the others are told the id is taken
    assert sum("errors" not in r for r in results) == 1
    assert sorted(error_code(r) for r in results if "errors" in r) == ["CONFLICT"] * 9
    count = await deps.db.read("MATCH (c:Company) RETURN count(c) AS n")
    assert count == [{"n": 1}]


async def test_external_ids_stored_as_joined_keys_are_migrated(gql: Gql, deps: Deps, admin_token: str) -> None:
    # given companies whose external ids were stored the old way, as 'label|system|value' keys
    for company_id, system, value in (("cmp_old1", "sap", "1"), ("cmp_old2", "shop", "a|b")):
        await deps.db.write(
            "CREATE (c:Company:Entity {id: $id, name: $id, sortName: $id, isReference: false, createdAt: datetime()})"
            "<-[:IDENTIFIES]-(:ExternalId {key: 'Company|' + $system + '|' + $value, system: $system, value: $value})",
            {"id": company_id, "system": system, "value": value},
        )

    # when the database is migrated (twice: migrations are idempotent)
    await migrate(deps.db)
    await migrate(deps.db)

    # then the ids are keyed on (label, system, value) and found as before
    rows = await deps.db.read(
        "MATCH (x:ExternalId) RETURN x.label AS label, x.system AS system, x.value AS value, x.key AS key "
        "ORDER BY system"
    )
    assert rows == [
        {"label": "Company", "system": "sap", "value": "1", "key": None},
        {"label": "Company", "system": "shop", "value": "a|b", "key": None},
    ]
    found = data(await gql(BY_EXTERNAL_ID, {"s": "shop", "v": "a|b"}, admin_token))["companyByExternalId"]
    assert found == {"id": "cmp_old2", "name": "cmp_old2"}
    # and an upsert of a migrated id updates its company
    again = data(await gql(UPSERT, {"i": [_row("sap", "1", "Renamed")]}, admin_token))["upsertCompanies"]
    assert again["results"] == [{"id": "cmp_old1", "created": False}]
