"""Companies, corporate groups and units through the API."""

from __future__ import annotations

from typing import Any

from tests.conftest import Gql, data, error_code

CREATE = "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id name domain city isReference location { lat lon } parent { id } externalIds { system value } } }"
CREATE_UNIT = "mutation($i: CreateUnitInput!) { createUnit(input: $i) { id name parent { id } company { id } } }"


async def create(gql: Gql, token: str, **fields: Any) -> str:
    return str(data(await gql(CREATE, {"i": fields}, token))["createCompany"]["id"])


async def test_create_company_returns_what_was_written(gql: Gql, admin_token: str) -> None:
    result = await gql(
        CREATE,
        {
            "i": {
                "name": "Nordlicht AG",
                "domain": "Nordlicht.Example",
                "city": "Hamburg",
                "location": {"lat": 53.55, "lon": 9.99},
                "isReference": True,
                "externalIds": [{"system": "sap", "value": "4711"}],
            }
        },
        admin_token,
    )
    company = data(result)["createCompany"]
    assert company["id"].startswith("cmp_")
    assert {k: v for k, v in company.items() if k != "id"} == {
        "name": "Nordlicht AG",
        "domain": "nordlicht.example",
        "city": "Hamburg",
        "isReference": True,
        "location": {"lat": 53.55, "lon": 9.99},
        "parent": None,
        "externalIds": [{"system": "sap", "value": "4711"}],
    }
    found = data(await gql('{ companyByExternalId(system: "sap", value: "4711") { id } }', token=admin_token))
    assert found["companyByExternalId"] == {"id": company["id"]}


async def test_cypher_in_a_name_is_stored_verbatim_and_runs_nothing(gql: Gql, admin_token: str) -> None:
    nasty = "x'}) MATCH (n) DETACH DELETE n //\" RETURN 1; CALL db.labels()"
    company_id = await create(gql, admin_token, name=nasty)
    await create(gql, admin_token, name="Bystander GmbH")
    page = data(await gql("{ companies { totalCount edges { node { id name } } } }", token=admin_token))["companies"]
    assert page["totalCount"] == 2
    assert {"id": company_id, "name": nasty} in [e["node"] for e in page["edges"]]
    hits = data(await gql("query($t: String!) { search(text: $t) { __typename } }", {"t": nasty}, admin_token))
    assert isinstance(hits["search"], list)


async def test_groups_nest_and_cycles_are_refused(gql: Gql, admin_token: str) -> None:
    root = await create(gql, admin_token, name="Holding")
    sub = await create(gql, admin_token, name="Sub", parentId=root)
    subsub = await create(gql, admin_token, name="SubSub", parentId=sub)
    tree = data(
        await gql(
            "query($id: ID!) { company(id: $id) { subsidiaries { name subsidiaries { name parent { name } } } } }",
            {"id": root},
            admin_token,
        )
    )
    assert tree["company"]["subsidiaries"] == [
        {"name": "Sub", "subsidiaries": [{"name": "SubSub", "parent": {"name": "Sub"}}]}
    ]
    result = await gql(
        "mutation($id: ID!, $p: ID) { updateCompany(id: $id, input: {parentId: $p}) { id } }",
        {"id": root, "p": subsub},
        admin_token,
    )
    assert error_code(result) == "BAD_USER_INPUT"
    still = data(await gql("query($id: ID!) { company(id: $id) { parent { id } } }", {"id": root}, admin_token))
    assert still["company"]["parent"] is None
    assert (
        error_code(await gql("mutation($id: ID!) { deleteCompany(id: $id) }", {"id": sub}, admin_token)) == "CONFLICT"
    )


async def test_units_nest_inside_one_company(gql: Gql, admin_token: str) -> None:
    company = await create(gql, admin_token, name="Rheinwerk")
    other = await create(gql, admin_token, name="Other")
    it = data(await gql(CREATE_UNIT, {"i": {"companyId": company, "name": "IT"}}, admin_token))["createUnit"]
    infra = data(
        await gql(CREATE_UNIT, {"i": {"companyId": company, "name": "Infra", "parentUnitId": it["id"]}}, admin_token)
    )["createUnit"]
    assert infra["parent"] == {"id": it["id"]} and infra["company"] == {"id": company}
    wrong = await gql(CREATE_UNIT, {"i": {"companyId": other, "name": "X", "parentUnitId": it["id"]}}, admin_token)
    assert error_code(wrong) == "BAD_USER_INPUT"
    units = data(
        await gql(
            "query($id: ID!) { company(id: $id) { units { name children { name children { name } } } } }",
            {"id": company},
            admin_token,
        )
    )
    assert units["company"]["units"] == [{"name": "IT", "children": [{"name": "Infra", "children": []}]}]
    assert (
        data(await gql("query($id: ID!) { company(id: $id) { units { id } } }", {"id": other}, admin_token))["company"][
            "units"
        ]
        == []
    )


async def test_companies_page_with_keyset_cursors_filters_and_exact_total(gql: Gql, admin_token: str) -> None:
    for name in ["Delta", "alpha", "Charlie", "Bravo", "Echo"]:
        await create(gql, admin_token, name=name, industry="Software" if name != "Echo" else "Energy")
    query = "query($a: String, $f: CompanyFilter) { companies(first: 2, after: $a, filter: $f) { totalCount edges { node { name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }"
    names: list[str] = []
    after = None
    while True:
        page = data(await gql(query, {"a": after}, admin_token))["companies"]
        assert page["totalCount"] == 5
        names += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert names == ["alpha", "Bravo", "Charlie", "Delta", "Echo"]
    software = data(await gql(query, {"f": {"industry": "Software", "nameContains": "A"}}, admin_token))["companies"]
    assert [e["node"]["name"] for e in software["edges"]] == ["alpha", "Bravo"]
    assert software["totalCount"] == 4
    assert error_code(await gql("{ companies(first: 101) { totalCount } }", token=admin_token)) == "BAD_USER_INPUT"
    assert (
        error_code(await gql('{ companies(after: "not a cursor") { totalCount } }', token=admin_token))
        == "BAD_USER_INPUT"
    )


async def test_companies_with_nested_units_and_owner_cost_one_round_trip(gql: Gql, admin: tuple[str, str]) -> None:
    admin_id, token = admin
    for i in range(3):
        company = await create(gql, token, name=f"C{i}", ownerId=admin_id)
        await gql(CREATE_UNIT, {"i": {"companyId": company, "name": "Sales"}}, token)
    result = await gql(
        "{ companies(first: 50) { edges { node { name units { name } owner { name } parent { name } } } } }",
        token=token,
    )
    assert [e["node"]["units"] for e in data(result)["companies"]["edges"]] == [[{"name": "Sales"}]] * 3
    assert result["extensions"]["cypherRoundTrips"] == 1


async def test_failed_create_writes_nothing(gql: Gql, admin_token: str) -> None:
    result = await gql(CREATE, {"i": {"name": "Ghost", "parentId": "cmp_missing"}}, admin_token)
    assert error_code(result) == "NOT_FOUND"
    result = await gql(CREATE, {"i": {"name": "Ghost", "location": {"lat": 91, "lon": 0}}}, admin_token)
    assert error_code(result) == "BAD_USER_INPUT"
    await create(gql, admin_token, name="Owner of id", externalIds=[{"system": "sap", "value": "1"}])
    result = await gql(CREATE, {"i": {"name": "Ghost", "externalIds": [{"system": "sap", "value": "1"}]}}, admin_token)
    assert error_code(result) == "CONFLICT"
    assert data(await gql("{ companies { totalCount } }", token=admin_token))["companies"]["totalCount"] == 1


async def test_technician_reads_but_may_not_write(gql: Gql, admin_token: str, make_user: Any) -> None:
    _, tech = await make_user("TECHNICIAN")
    await create(gql, admin_token, name="Visible")
    assert data(await gql("{ companies { totalCount } }", token=tech))["companies"]["totalCount"] == 1
    assert error_code(await gql(CREATE, {"i": {"name": "Nope"}}, tech)) == "FORBIDDEN"


async def test_delete_company_removes_units_and_detaches_contacts(gql: Gql, admin_token: str) -> None:
    company = await create(gql, admin_token, name="Gone")
    unit = data(await gql(CREATE_UNIT, {"i": {"companyId": company, "name": "U"}}, admin_token))["createUnit"]["id"]
    person = data(
        await gql(
            'mutation($c: ID!, $u: ID!) { createPerson(input: {lastName: "Stays", companyId: $c, unitId: $u}) { id } }',
            {"c": company, "u": unit},
            admin_token,
        )
    )["createPerson"]["id"]
    assert data(await gql("mutation($id: ID!) { deleteCompany(id: $id) }", {"id": company}, admin_token)) == {
        "deleteCompany": company
    }
    assert data(await gql("query($id: ID!) { node(id: $id) { id } }", {"id": unit}, admin_token)) == {"node": None}
    assert data(
        await gql("query($id: ID!) { person(id: $id) { company { id } unit { id } } }", {"id": person}, admin_token)
    ) == {"person": {"company": None, "unit": None}}
    assert (
        error_code(await gql("mutation($id: ID!) { deleteCompany(id: $id) }", {"id": company}, admin_token))
        == "NOT_FOUND"
    )


async def test_nested_connections_cost_one_round_trip_per_level_not_per_company(gql: Gql, admin_token: str) -> None:
    # given five companies with one contact each
    for i in range(5):
        company = await create(gql, admin_token, name=f"Co{i}")
        await gql(
            'mutation($c: ID!) { createPerson(input: {lastName: "Staff", companyId: $c}) { id } }',
            {"c": company},
            admin_token,
        )
    # when listing them with contacts, opportunities and timelines
    query = "{ companies { edges { node { name contacts(first: 5) { totalCount edges { node { fullName relations { totalCount } } } } opportunities { totalCount } timeline { totalCount } } } } }"
    result = await gql(query, token=admin_token)
    # then contacts, relations, opportunities and timelines come with the companies in one statement
    edges = data(result)["companies"]["edges"]
    assert [e["node"]["contacts"]["totalCount"] for e in edges] == [1] * 5
    assert [e["node"]["contacts"]["edges"][0]["node"]["relations"]["totalCount"] for e in edges] == [0] * 5
    assert result["extensions"]["cypherRoundTrips"] == 1


async def test_update_company_sets_and_clears_fields(gql: Gql, admin: tuple[str, str]) -> None:
    admin_id, token = admin
    company = await create(
        gql, token, name="Alt GmbH", city="Bonn", location={"lat": 50.7, "lon": 7.1}, ownerId=admin_id
    )
    update = "mutation($id: ID!, $i: UpdateCompanyInput!) { updateCompany(id: $id, input: $i) { name city industry location { lat } owner { id } isReference } }"
    changed = await gql(
        update,
        {
            "id": company,
            "i": {
                "name": "Neu AG",
                "city": None,
                "location": None,
                "ownerId": None,
                "industry": "Retail",
                "isReference": True,
            },
        },
        token,
    )
    assert data(changed)["updateCompany"] == {
        "name": "Neu AG",
        "city": None,
        "industry": "Retail",
        "location": None,
        "owner": None,
        "isReference": True,
    }
    assert error_code(await gql(update, {"id": company, "i": {"name": ""}}, token)) == "BAD_USER_INPUT"
    assert error_code(await gql(update, {"id": company, "i": {"ownerId": "usr_missing"}}, token)) == "NOT_FOUND"
    assert error_code(await gql(update, {"id": "cmp_missing", "i": {"name": "x"}}, token)) == "NOT_FOUND"
    found = data(await gql('{ companies(filter: {nameContains: "neu"}) { edges { node { name } } } }', token=token))
    assert found["companies"]["edges"] == [{"node": {"name": "Neu AG"}}]
