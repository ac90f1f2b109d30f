"""ERP synchronisation: batches idempotent on external ids, all or nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import Gql, data, error_code

COMPANIES = "mutation($i: [CompanyUpsertInput!]!) { upsertCompanies(input: $i) { createdCount updatedCount results { index externalId { system value } id created } } }"
PERSONS = "mutation($i: [PersonUpsertInput!]!) { upsertPersons(input: $i) { createdCount updatedCount results { index id created } } }"


async def test_upserting_companies_twice_creates_once_and_updates_after(gql: Gql, admin_token: str) -> None:
    rows: list[dict[str, Any]] = [
        {"externalId": {"system": "sap", "value": str(i)}, "name": f"Kunde {i}", "city": "Köln"} for i in range(3)
    ]
    first = data(await gql(COMPANIES, {"i": rows}, admin_token))["upsertCompanies"]
    assert (first["createdCount"], first["updatedCount"]) == (3, 0)
    assert [(r["index"], r["externalId"]["value"], r["created"]) for r in first["results"]] == [
        (0, "0", True),
        (1, "1", True),
        (2, "2", True),
    ]
    rows[1]["name"] = "Kunde Eins GmbH"
    rows[1]["city"] = None
    second = data(await gql(COMPANIES, {"i": rows}, admin_token))["upsertCompanies"]
    assert (second["createdCount"], second["updatedCount"]) == (0, 3)
    assert [r["id"] for r in second["results"]] == [r["id"] for r in first["results"]]
    company = data(
        await gql(
            '{ companyByExternalId(system: "sap", value: "1") { name city externalIds { system value } } }',
            token=admin_token,
        )
    )
    assert company["companyByExternalId"] == {
        "name": "Kunde Eins GmbH",
        "city": None,
        "externalIds": [{"system": "sap", "value": "1"}],
    }
    assert data(await gql("{ companies { totalCount } }", token=admin_token))["companies"]["totalCount"] == 3


async def test_upserting_persons_links_and_moves_them_by_company_external_id(gql: Gql, admin_token: str) -> None:
    await gql(
        COMPANIES,
        {
            "i": [
                {"externalId": {"system": "sap", "value": "A"}, "name": "Alpha"},
                {"externalId": {"system": "sap", "value": "B"}, "name": "Beta"},
            ]
        },
        admin_token,
    )
    person = {
        "externalId": {"system": "sap", "value": "P1"},
        "firstName": "Pia",
        "lastName": "Peters",
        "phones": ["0221 123456"],
        "companyExternalId": {"system": "sap", "value": "A"},
    }
    created = data(await gql(PERSONS, {"i": [person]}, admin_token))["upsertPersons"]
    assert (created["createdCount"], created["results"][0]["created"]) == (1, True)
    person["companyExternalId"] = {"system": "sap", "value": "B"}
    moved = data(await gql(PERSONS, {"i": [person]}, admin_token))["upsertPersons"]
    assert (moved["updatedCount"], moved["results"][0]["id"]) == (1, created["results"][0]["id"])
    found = data(
        await gql(
            '{ personByExternalId(system: "sap", value: "P1") { fullName phones company { name } employmentHistory { company { name } current } } }',
            token=admin_token,
        )
    )
    assert found["personByExternalId"] == {
        "fullName": "Pia Peters",
        "phones": ["+49221123456"],
        "company": {"name": "Beta"},
        "employmentHistory": [
            {"company": {"name": "Beta"}, "current": True},
            {"company": {"name": "Alpha"}, "current": False},
        ],
    }


async def test_a_bad_row_fails_the_whole_batch(gql: Gql, admin_token: str) -> None:
    rows = [
        {"externalId": {"system": "sap", "value": "1"}, "name": "Fine"},
        {"externalId": {"system": "sap", "value": "2"}, "name": " "},
    ]
    result = await gql(COMPANIES, {"i": rows}, admin_token)
    assert error_code(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["row"] == 1
    twice = [rows[0], rows[0]]
    assert error_code(await gql(COMPANIES, {"i": twice}, admin_token)) == "BAD_USER_INPUT"
    orphan = [
        {
            "externalId": {"system": "sap", "value": "P9"},
            "lastName": "X",
            "companyExternalId": {"system": "sap", "value": "nope"},
        }
    ]
    assert error_code(await gql(PERSONS, {"i": orphan}, admin_token)) == "NOT_FOUND"
    too_many = [{"externalId": {"system": "sap", "value": str(i)}, "name": "N"} for i in range(1001)]
    assert error_code(await gql(COMPANIES, {"i": too_many}, admin_token)) == "BAD_USER_INPUT"
    counts = data(await gql("{ companies { totalCount } persons { totalCount } }", token=admin_token))
    assert counts == {"companies": {"totalCount": 0}, "persons": {"totalCount": 0}}
