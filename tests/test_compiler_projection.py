"""The compiled statement projects only what was selected; aliases and values never reach its text."""

from __future__ import annotations

import pytest
from graphql import GraphQLObjectType

from domain.deps import Deps
from graph.compiler import TYPES, Compiler, Sel
from graph.compiler.roots import RECENT, node_statement
from schema.root import build_schema
from tests.compiler_world import seed
from tests.conftest import Gql, data


def compile_one(type_name: str, children: list[Sel]) -> str:
    projection, _ = Compiler(lambda first, after: (50, None)).obj(
        type_name, {"v": "n", "m": "m", "o": "o", "w": "w", "c": "c", "r": "r", "a": "a", "b": "b"}, children
    )
    return projection


@pytest.mark.parametrize("type_name", sorted(name for name, t in TYPES.items() if "id" in t.fields))
def test_selecting_only_id_projects_no_other_property(type_name: str) -> None:
    assert compile_one(type_name, [Sel("id"), Sel("__typename")]) == "{id: n.id}"


@pytest.mark.parametrize(
    ("type_name", "field", "projection"),
    [
        ("ExternalId", "system", "{system: n.system}"),
        ("StageChange", "to", "{to: n.to}"),
        ("Employment", "current", "{current: type(w) = 'WORKS_AT'}"),
        ("PersonRelation", "type", "{type: type(r)}"),
        ("BuyingCenterMember", "roles", "{roles: coalesce(m.roles, [])}"),
        ("BuyingCenter", "opportunity", "{opportunity: {}}"),
    ],
)
def test_types_without_id_project_only_the_selected_field(type_name: str, field: str, projection: str) -> None:
    assert compile_one(type_name, [Sel(field)]) == projection


def test_declarations_cover_exactly_the_fields_of_the_served_types() -> None:
    # a field added to one of these types needs a declaration (or a fallback), or reads of it would fail
    schema = build_schema()._schema
    assert sorted(TYPES) == [
        "Activity",
        "BuyingCenter",
        "BuyingCenterMember",
        "Campaign",
        "CampaignStats",
        "Company",
        "Consent",
        "ConsentRecord",
        "Document",
        "Employment",
        "Event",
        "ExternalId",
        "Lead",
        "Mailing",
        "Material",
        "Opportunity",
        "OpportunityAlert",
        "Order",
        "OrderLine",
        "Person",
        "PersonRelation",
        "Product",
        "Project",
        "Segment",
        "Skill",
        "SkillRequirement",
        "StageChange",
        "Ticket",
        "Unit",
        "User",
        "UserSkill",
    ]
    for name, declared in TYPES.items():
        served = schema.type_map[name]
        assert isinstance(served, GraphQLObjectType)
        assert sorted(served.fields) == sorted([*declared.fields, *declared.fallback]), name


@pytest.fixture
async def world(deps: Deps) -> None:
    await seed(deps)


@pytest.mark.parametrize(
    ("query", "statement"),
    [
        ('{ company(id: "cmp_1") { id } }', "MATCH (n:Company {id: $id}) RETURN {id: n.id} AS node"),
        ('{ person(id: "per_1") { id } }', "MATCH (n:Person {id: $id}) RETURN {id: n.id} AS node"),
        ('{ opportunity(id: "opp_1") { id } }', "MATCH (n:Opportunity {id: $id}) RETURN {id: n.id} AS node"),
        ('{ node(id: "unt_1") { id } }', "MATCH (n:Unit {id: $id}) RETURN {id: n.id} AS node"),
        ('{ node(id: "usr_owner") { id } }', "MATCH (n:User {id: $id}) RETURN {id: n.id} AS node"),
    ],
)
async def test_root_reads_of_only_id_project_only_id(
    gql: Gql, admin_token: str, world: None, query: str, statement: str
) -> None:
    data(await gql(query, token=admin_token))
    assert RECENT[-1][0] == statement


async def test_a_page_of_ids_projects_only_ids_and_counts_nothing(gql: Gql, admin_token: str, world: None) -> None:
    data(await gql("{ companies(first: 3) { edges { node { id } } } }", token=admin_token))
    query = RECENT[-1][0]
    assert "RETURN collect({n: {id: c.id}, k: null}) AS rows" in query
    assert "count(" not in query and "RETURN rows, null AS total" in query
    # the sort key leaves the statement only when a cursor is selected
    data(await gql("{ companies(first: 3) { pageInfo { endCursor } edges { node { id } } } }", token=admin_token))
    assert "RETURN collect({n: {id: c.id}, k: [c.sortName, c.id]}) AS rows" in RECENT[-1][0]


async def test_buying_center_with_person_roles_and_attitude_projects_nothing_else(
    gql: Gql, admin_token: str, world: None
) -> None:
    query = '{ buyingCenter(opportunityId: "opp_1") { members { person { fullName } roles attitude } } }'
    found = data(await gql(query, token=admin_token))
    assert [m["person"]["fullName"] for m in found["buyingCenter"]["members"]] == ["Adams", "Clark"]
    assert RECENT[-1][0] == (
        "MATCH (n:Opportunity {id: $id}) RETURN {members: COLLECT { MATCH (v1:Person)-[v2:IN_BUYING_CENTER]->(n) "
        "WITH * ORDER BY v1.sortName, v1.id RETURN {person: {full_name: coalesce(v1.fullName, v1.lastName)}, "
        "roles: coalesce(v2.roles, []), attitude: coalesce(v2.attitude, 'UNKNOWN')} }} AS node"
    )


async def test_aliases_and_argument_values_never_reach_the_statement_text(
    gql: Gql, admin_token: str, world: None
) -> None:
    first = data(
        await gql('{ company(id: "cmp_3") { contacts(first: 1) { pageInfo { endCursor } } } }', token=admin_token)
    )
    cursor = first["company"]["contacts"]["pageInfo"]["endCursor"]
    query = """query($c: String!) { company(id: "cmp_3") { DROP_ALL: name
      injected_alias: contacts(first: 1, after: $c) { edges { node { n: fullName } } } } }"""
    found = data(await gql(query, {"c": cursor}, admin_token))
    assert found == {"company": {"DROP_ALL": "Alpha KG", "injected_alias": {"edges": [{"node": {"n": "Brown"}}]}}}
    statement, params = RECENT[-1]
    assert "DROP_ALL" not in statement and "injected_alias" not in statement and "adams" not in statement
    assert [v for k, v in params.items() if k.endswith("_after")] == [["adams", "per_3"]]


def _contacts(first: int) -> list[Sel]:
    node = [Sel("id"), Sel("fullName")]
    return [Sel("id"), Sel("contacts", {"first": first}, [Sel("edges", {}, [Sel("node", {}, node)])])]


def test_a_cached_statement_carries_the_parameters_of_its_own_selection() -> None:
    # given the same selection compiled for two companies, and once with another page size
    def compiled(company_id: str, first: int) -> tuple[str, dict[str, object]]:
        c = Compiler(lambda first, after: (first, None), {"id": company_id})
        query, _ = node_statement(c, "Company", "Company", _contacts(first))
        return query, c.params

    # when each is compiled (the second one is served from the cache)
    q1, p1 = compiled("cmp_1", 5)
    q2, p2 = compiled("cmp_2", 5)
    q3, p3 = compiled("cmp_2", 7)

    # then the text is shared, the node id is each caller's, and the page size follows the selection
    assert q1 == q2 == q3
    assert p1["id"] == "cmp_1"
    assert p2["id"] == "cmp_2"
    assert [v for k, v in p2.items() if k.endswith("limit")] == [6]
    assert [v for k, v in p3.items() if k.endswith("limit")] == [8]
    assert {k for k in p1 if k != "id"} == {k for k in p3 if k != "id"}


async def test_one_document_with_other_variables_reads_what_they_select(
    gql: Gql, admin_token: str, world: None
) -> None:
    # given one query text whose selection and page size depend on its variables (selections, statements and
    # completion plans are cached per parsed document and variables)
    query = """query($units: Boolean!, $n: Int!) { company(id: "cmp_3") { name
      units @include(if: $units) { name } contacts(first: $n) { edges { node { fullName } } } } }"""
    # when it runs with units and two contacts, then without units and one contact, then as the first time
    first = data(await gql(query, {"units": True, "n": 2}, token=admin_token))["company"]
    second = data(await gql(query, {"units": False, "n": 1}, token=admin_token))["company"]
    third = data(await gql(query, {"units": True, "n": 2}, token=admin_token))["company"]
    # then each answer holds exactly what its own variables selected
    assert set(first) == {"name", "units", "contacts"} and set(second) == {"name", "contacts"}
    assert len(first["contacts"]["edges"]) == 2 and len(second["contacts"]["edges"]) == 1
    assert second["contacts"]["edges"][0] == first["contacts"]["edges"][0]
    assert third == first
