"""Persons (B2B contacts and B2C consumers), search and GDPR erasure."""

from __future__ import annotations

from typing import Any

from tests.conftest import Gql, data, error_code

CREATE = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id fullName email phones tags company { id } unit { id } externalIds { system value } } }"
UPDATE = "mutation($id: ID!, $i: UpdatePersonInput!) { updatePerson(id: $id, input: $i) { id fullName jobTitle company { name } unit { name } } }"


async def person(gql: Gql, token: str, **fields: Any) -> dict[str, Any]:
    return data(await gql(CREATE, {"i": fields}, token))["createPerson"]  # type: ignore[no-any-return]


async def company(gql: Gql, token: str, name: str) -> str:
    result = await gql("mutation($n: String!) { createCompany(input: {name: $n}) { id } }", {"n": name}, token)
    return str(data(result)["createCompany"]["id"])


async def test_create_person_normalises_phones_and_keeps_tags(gql: Gql, admin_token: str) -> None:
    acme = await company(gql, admin_token, "ACME")
    created = await person(
        gql,
        admin_token,
        firstName="Ada",
        lastName="Lovelace",
        email="ada@acme.example",
        phones=["+49 (30) 123-4567", "0049 30 1234567", "030 7654321"],
        tags=["vip", "vip", "b2b"],
        companyId=acme,
        externalIds=[{"system": "erp", "value": "P-1"}],
    )
    assert {k: v for k, v in created.items() if k != "id"} == {
        "fullName": "Ada Lovelace",
        "email": "ada@acme.example",
        "phones": ["+49301234567", "+49307654321"],
        "tags": ["vip", "b2b"],
        "company": {"id": acme},
        "unit": None,
        "externalIds": [{"system": "erp", "value": "P-1"}],
    }
    assert (
        error_code(await gql(CREATE, {"i": {"lastName": "X", "phones": ["call me"]}}, admin_token)) == "BAD_USER_INPUT"
    )
    assert error_code(await gql(CREATE, {"i": {"lastName": "X", "email": "nope"}}, admin_token)) == "BAD_USER_INPUT"
    assert error_code(await gql(CREATE, {"i": {"lastName": "  "}}, admin_token)) == "BAD_USER_INPUT"
    assert data(await gql("{ persons { totalCount } }", token=admin_token))["persons"]["totalCount"] == 1


async def test_moving_to_another_company_drops_the_old_unit(gql: Gql, admin_token: str) -> None:
    old = await company(gql, admin_token, "Old GmbH")
    new = await company(gql, admin_token, "New GmbH")
    unit = data(
        await gql(
            'mutation($c: ID!) { createUnit(input: {companyId: $c, name: "Sales"}) { id } }', {"c": old}, admin_token
        )
    )["createUnit"]["id"]
    moved = await person(gql, admin_token, lastName="Mover", companyId=old, unitId=unit)
    result = data(await gql(UPDATE, {"id": moved["id"], "i": {"companyId": new, "jobTitle": "CTO"}}, admin_token))
    assert result["updatePerson"] == {
        "id": moved["id"],
        "fullName": "Mover",
        "jobTitle": "CTO",
        "company": {"name": "New GmbH"},
        "unit": None,
    }
    contacts = data(
        await gql(
            "query($id: ID!) { company(id: $id) { contacts { totalCount edges { node { id } } } } }",
            {"id": old},
            admin_token,
        )
    )
    assert contacts["company"]["contacts"] == {"totalCount": 0, "edges": []}


async def test_person_filters_consumers_tags_and_companies(gql: Gql, admin_token: str) -> None:
    acme = await company(gql, admin_token, "ACME")
    await person(gql, admin_token, firstName="Bea", lastName="Buyer", companyId=acme, city="Berlin")
    await person(gql, admin_token, firstName="Carl", lastName="Consumer", tags=["newsletter"], city="berlin")
    await person(gql, admin_token, firstName="Dora", lastName="Doe", tags=["newsletter"], city="Köln")
    query = "query($f: PersonFilter) { persons(filter: $f) { totalCount edges { node { fullName } } } }"

    async def names(flt: dict[str, Any]) -> list[str]:
        page = data(await gql(query, {"f": flt}, admin_token))["persons"]
        assert page["totalCount"] == len(page["edges"])
        return [e["node"]["fullName"] for e in page["edges"]]

    assert await names({"consumer": True}) == ["Carl Consumer", "Dora Doe"]
    assert await names({"consumer": False}) == ["Bea Buyer"]
    assert await names({"tag": "newsletter", "city": "BERLIN"}) == ["Carl Consumer"]
    assert await names({"companyId": acme}) == ["Bea Buyer"]
    assert await names({"nameContains": "do"}) == ["Dora Doe"]


async def test_search_finds_people_and_companies_best_first(gql: Gql, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Lovelace Analytics")
    await person(gql, admin_token, firstName="Ada", lastName="Lovelace", companyId=acme)
    await person(gql, admin_token, firstName="Charles", lastName="Babbage")
    result = data(
        await gql(
            '{ search(text: "lovelace") { __typename ... on Person { fullName } ... on Company { name } } }',
            token=admin_token,
        )
    )
    assert sorted(str(h) for h in result["search"]) == sorted(
        [
            str({"__typename": "Person", "fullName": "Ada Lovelace"}),
            str({"__typename": "Company", "name": "Lovelace Analytics"}),
        ]
    )
    assert data(await gql('{ search(text: "babage") { ... on Person { fullName } } }', token=admin_token))[
        "search"
    ] == [{"fullName": "Charles Babbage"}]
    assert data(await gql('{ search(text: "(*&^%$ OR") { __typename } }', token=admin_token))["search"] == []


async def test_erase_person_removes_personal_data_and_links(gql: Gql, admin: tuple[str, str], make_user: Any) -> None:
    _, token = admin
    acme = await company(gql, token, "ACME")
    ada = await person(
        gql,
        token,
        firstName="Ada",
        lastName="Lovelace",
        email="ada@x.example",
        companyId=acme,
        externalIds=[{"system": "erp", "value": "7"}],
    )
    bob = await person(gql, token, lastName="Bob", companyId=acme)
    await gql(
        "mutation($a: ID!, $b: ID!) { relatePersons(fromId: $a, toId: $b, type: KNOWS) { type } }",
        {"a": ada["id"], "b": bob["id"]},
        token,
    )
    await gql(
        'mutation($a: ID!) { logActivity(input: {type: CALL, subject: "Called Ada about her divorce", personIds: [$a]}) { id } }',
        {"a": ada["id"]},
        token,
    )
    _, rep = await make_user("SALES_REP")
    assert error_code(await gql("mutation($id: ID!) { erasePerson(id: $id) }", {"id": ada["id"]}, rep)) == "FORBIDDEN"

    assert data(await gql("mutation($id: ID!) { erasePerson(id: $id) }", {"id": ada["id"]}, token)) == {
        "erasePerson": ada["id"]
    }

    assert data(await gql("query($id: ID!) { person(id: $id) { id } }", {"id": ada["id"]}, token)) == {"person": None}
    assert data(await gql('{ search(text: "lovelace") { __typename } }', token=token))["search"] == []
    assert data(await gql('{ personByExternalId(system: "erp", value: "7") { id } }', token=token)) == {
        "personByExternalId": None
    }
    bob_rel = data(
        await gql("query($id: ID!) { person(id: $id) { relations { totalCount } } }", {"id": bob["id"]}, token)
    )
    assert bob_rel["person"]["relations"]["totalCount"] == 0
    timeline = data(
        await gql(
            "query($id: ID!) { company(id: $id) { timeline { edges { node { subject body } } } } }", {"id": acme}, token
        )
    )
    assert timeline["company"]["timeline"]["edges"] == [{"node": {"subject": "(erased)", "body": None}}]


async def test_a_move_keeps_a_dated_employment_history(gql: Gql, admin_token: str) -> None:
    first = await company(gql, admin_token, "First GmbH")
    second = await company(gql, admin_token, "Second AG")
    mover = await person(gql, admin_token, lastName="Mover", companyId=first, jobTitle="Buyer")
    await gql(UPDATE, {"id": mover["id"], "i": {"companyId": second, "jobTitle": "Head of Purchasing"}}, admin_token)
    result = data(
        await gql(
            "query($id: ID!) { person(id: $id) { company { name } employmentHistory { company { name } jobTitle current since until } } }",
            {"id": mover["id"]},
            admin_token,
        )
    )["person"]
    assert result["company"] == {"name": "Second AG"}
    history = result["employmentHistory"]
    assert [(e["company"]["name"], e["jobTitle"], e["current"]) for e in history] == [
        ("Second AG", "Head of Purchasing", True),
        ("First GmbH", "Buyer", False),
    ]
    assert history[0]["until"] is None and history[1]["until"] is not None
    assert history[1]["until"] <= history[0]["since"]


async def test_person_reads_with_company_and_unit_cost_one_round_trip(gql: Gql, admin_token: str) -> None:
    acme = await company(gql, admin_token, "ACME")
    unit = data(
        await gql(
            'mutation($c: ID!) { createUnit(input: {companyId: $c, name: "IT"}) { id } }', {"c": acme}, admin_token
        )
    )["createUnit"]["id"]
    ids = [(await person(gql, admin_token, lastName=f"P{i}", companyId=acme, unitId=unit))["id"] for i in range(3)]
    listed = await gql(
        "{ persons(first: 50) { totalCount edges { node { fullName company { name } unit { name } owner { name } } } } }",
        token=admin_token,
    )
    assert data(listed)["persons"]["totalCount"] == 3
    assert [e["node"]["unit"] for e in data(listed)["persons"]["edges"]] == [{"name": "IT"}] * 3
    assert listed["extensions"]["cypherRoundTrips"] == 1
    one = await gql(
        "query($id: ID!) { person(id: $id) { fullName company { name } unit { name } } }", {"id": ids[0]}, admin_token
    )
    assert data(one)["person"] == {"fullName": "P0", "company": {"name": "ACME"}, "unit": {"name": "IT"}}
    assert one["extensions"]["cypherRoundTrips"] == 1


async def test_a_unit_places_the_person_in_its_company(gql: Gql, admin_token: str) -> None:
    acme = await company(gql, admin_token, "ACME")
    other = await company(gql, admin_token, "Other")
    unit = data(
        await gql(
            'mutation($c: ID!) { createUnit(input: {companyId: $c, name: "IT"}) { id } }', {"c": acme}, admin_token
        )
    )["createUnit"]["id"]
    # given only a unit, the person works at the unit's company
    placed = await person(gql, admin_token, lastName="Placed", unitId=unit)
    assert placed["company"] == {"id": acme} and placed["unit"] == {"id": unit}
    # a unit of another company than the one given is refused, and nothing is written
    assert (
        error_code(await gql(CREATE, {"i": {"lastName": "X", "unitId": unit, "companyId": other}}, admin_token))
        == "BAD_USER_INPUT"
    )
    # an update to a unit of another company moves the person there
    consumer = await person(gql, admin_token, lastName="Joins")
    moved = data(await gql(UPDATE, {"id": consumer["id"], "i": {"unitId": unit}}, admin_token))["updatePerson"]
    assert (moved["company"], moved["unit"]) == ({"name": "ACME"}, {"name": "IT"})
    assert data(await gql("{ persons { totalCount } }", token=admin_token))["persons"]["totalCount"] == 2


async def test_names_sort_and_match_without_accents_or_case(gql: Gql, admin_token: str) -> None:
    for name in ["Zeppelin", "Ärztekammer", "apfel", "Büro Müller"]:
        await company(gql, admin_token, name)
    names = data(await gql("{ companies { edges { node { name } } } }", token=admin_token))["companies"]["edges"]
    assert [e["node"]["name"] for e in names] == ["apfel", "Ärztekammer", "Büro Müller", "Zeppelin"]
    found = data(
        await gql('{ companies(filter: {nameContains: "MULLER"}) { edges { node { name } } } }', token=admin_token)
    )
    assert found["companies"]["edges"] == [{"node": {"name": "Büro Müller"}}]
    await person(gql, admin_token, firstName="Jürgen", lastName="Müller")
    hits = data(await gql('{ search(text: "jurgen muller") { ... on Person { fullName } } }', token=admin_token))[
        "search"
    ]
    assert hits == [{"fullName": "Jürgen Müller"}]
