"""Root reads compiled into one Cypher statement, whatever the depth, fragments and aliases."""

from __future__ import annotations

from typing import Any

import pytest

from domain.deps import Deps
from graph.compiler.roots import RECENT
from tests.compiler_world import seed
from tests.conftest import Gql, data, error_code


@pytest.fixture
async def world(deps: Deps) -> None:
    await seed(deps)


async def run(gql: Gql, token: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data of a query that must cost exactly one Cypher round trip."""
    result = await gql(query, variables, token)
    found = data(result)
    assert result["extensions"]["cypherRoundTrips"] == 1
    return found


DEEP = """
{ companies(first: 20) { edges { node { name subsidiaries { name units { name
    members(first: 10) { edges { node { fullName } } } } } } } } }
"""


async def test_deep_companies_subsidiaries_units_members_is_one_round_trip(
    gql: Gql, admin_token: str, world: None
) -> None:
    found = await run(gql, admin_token, DEEP)
    group = next(e["node"] for e in found["companies"]["edges"] if e["node"]["name"] == "Group")
    # subsidiaries in name order although their ids run the other way
    assert [s["name"] for s in group["subsidiaries"]] == ["Alpha KG", "Mu GmbH", "Zeta AG"]
    alpha = group["subsidiaries"][0]
    assert [u["name"] for u in alpha["units"]] == ["IT", "Sales"]
    assert [e["node"]["fullName"] for e in alpha["units"][1]["members"]["edges"]] == ["Adams", "Brown", "Clark"]


async def test_subsidiaries_come_in_name_order_not_id_order(gql: Gql, admin_token: str, world: None) -> None:
    found = await run(gql, admin_token, '{ company(id: "cmp_9") { subsidiaries { id name } } }')
    assert found["company"]["subsidiaries"] == [
        {"id": "cmp_3", "name": "Alpha KG"},
        {"id": "cmp_2", "name": "Mu GmbH"},
        {"id": "cmp_1", "name": "Zeta AG"},
    ]


async def test_stage_history_breaks_ties_in_time_by_sequence(gql: Gql, admin_token: str, world: None) -> None:
    found = await run(gql, admin_token, '{ opportunity(id: "opp_1") { stageHistory { from to at } } }')
    assert [(s["from"], s["to"]) for s in found["opportunity"]["stageHistory"]] == [
        (None, "PROSPECTING"),
        ("PROSPECTING", "QUALIFICATION"),
        ("QUALIFICATION", "PROPOSAL"),
    ]
    assert found["opportunity"]["stageHistory"][1]["at"] == "2026-01-02T10:00:00+00:00"


FRAGMENTS = """
query($after: String) {
  companies(first: 5, filter: {nameContains: "group"}) { ...Page }
}
fragment Page on CompanyConnection {
  total: totalCount
  edges { node { ...Head a: subsidiaries { label: name } b: subsidiaries { id ... on Company { units { ...Staff } } } } }
}
fragment Head on Company { id name boss: owner { name } owner { email } }
fragment Staff on Unit {
  name
  one: members(first: 1) { pageInfo { hasNextPage endCursor } edges { node { fullName } } }
  two: members(first: 2) { totalCount edges { cursor node { ...P } } }
  rest: members(first: 2, after: $after) { edges { node { fullName } } }
}
fragment P on Person { who: fullName company { name } unit { name company { name } } }
"""


async def test_fragments_and_aliases_at_several_levels_are_one_round_trip(
    gql: Gql, admin_token: str, world: None
) -> None:
    first = await run(gql, admin_token, FRAGMENTS, {"after": None})
    page = first["companies"]
    assert page["total"] == 1
    node = page["edges"][0]["node"]
    assert (node["id"], node["name"], node["boss"], node["owner"]) == (
        "cmp_9",
        "Group",
        {"name": "Olga Owner"},
        {"email": "owner@crm.test"},
    )
    assert node["a"] == [{"label": "Alpha KG"}, {"label": "Mu GmbH"}, {"label": "Zeta AG"}]
    sales = node["b"][0]["units"][1]
    assert sales["name"] == "Sales"
    assert [e["node"]["fullName"] for e in sales["one"]["edges"]] == ["Adams"]
    assert sales["one"]["pageInfo"]["hasNextPage"] is True
    assert sales["two"]["totalCount"] == 3
    assert sales["two"]["edges"][1]["node"] == {
        "who": "Brown",
        "company": {"name": "Alpha KG"},
        "unit": {"name": "Sales", "company": {"name": "Alpha KG"}},
    }
    assert [e["node"]["fullName"] for e in sales["rest"]["edges"]] == ["Adams", "Brown"]
    # the nested cursor continues the nested page
    cursor = sales["one"]["pageInfo"]["endCursor"]
    second = await run(gql, admin_token, FRAGMENTS, {"after": cursor})
    rest = second["companies"]["edges"][0]["node"]["b"][0]["units"][1]["rest"]
    assert [e["node"]["fullName"] for e in rest["edges"]] == ["Brown", "Clark"]


async def test_skip_and_include_leave_fields_out(gql: Gql, admin_token: str, world: None) -> None:
    query = (
        'query($no: Boolean!) { company(id: "cmp_9") { name city @include(if: $no) owner @skip(if: $no) { name } } }'
    )
    assert await run(gql, admin_token, query, {"no": False}) == {
        "company": {"name": "Group", "owner": {"name": "Olga Owner"}}
    }


async def test_company_with_a_deep_selection_is_one_round_trip(gql: Gql, admin_token: str, world: None) -> None:
    query = """{ company(id: "cmp_3") { name parent { name owner { name } } externalIds { system }
      units { name children { name } parent { name } company { name } }
      contacts(first: 2) { totalCount edges { node { fullName employmentHistory { current company { name } } } } }
      opportunities { totalCount edges { node { name stage amount probability stageHistory { to } } } } } }"""
    found = (await run(gql, admin_token, query))["company"]
    assert found["parent"] == {"name": "Group", "owner": {"name": "Olga Owner"}}
    assert found["units"][1] == {
        "name": "Sales",
        "children": [{"name": "Desk"}],
        "parent": None,
        "company": {"name": "Alpha KG"},
    }
    assert found["contacts"]["totalCount"] == 3
    assert found["contacts"]["edges"][0]["node"] == {
        "fullName": "Adams",
        "employmentHistory": [{"current": True, "company": {"name": "Alpha KG"}}],
    }
    assert found["opportunities"]["edges"][0]["node"] == {
        "name": "Deal",
        "stage": "PROPOSAL",
        "amount": "1000.00",
        "probability": 0.5,
        "stageHistory": [{"to": "PROSPECTING"}, {"to": "QUALIFICATION"}, {"to": "PROPOSAL"}],
    }


async def test_person_and_persons_with_deep_selections_are_one_round_trip(
    gql: Gql, admin_token: str, world: None
) -> None:
    query = """{ person(id: "per_3") { fullName company { name parent { name } }
      unit { name members(first: 5) { totalCount } }
      relations { totalCount edges { node { type strength from { fullName } to { fullName unit { name } } } } } } }"""
    person = (await run(gql, admin_token, query))["person"]
    assert person["company"] == {"name": "Alpha KG", "parent": {"name": "Group"}}
    assert person["unit"] == {"name": "Sales", "members": {"totalCount": 3}}
    assert person["relations"]["edges"] == [
        {
            "node": {
                "type": "INFLUENCES",
                "strength": 0.5,
                "from": {"fullName": "Adams"},
                "to": {"fullName": "Clark", "unit": {"name": "Sales"}},
            }
        }
    ]
    listed = await run(
        gql,
        admin_token,
        '{ persons(first: 2, filter: {companyId: "cmp_3"}) { totalCount edges { node { fullName unit { company { name } } } } } }',
    )
    assert listed["persons"]["totalCount"] == 3
    assert [e["node"]["fullName"] for e in listed["persons"]["edges"]] == ["Adams", "Brown"]


async def test_opportunities_and_node_with_deep_selections_are_one_round_trip(
    gql: Gql, admin_token: str, world: None
) -> None:
    query = """{ opportunities(first: 5) { totalCount edges { node { name company { name subsidiaries { id } }
      owner { name } buyingCenter { members { person { fullName } roles } missingRoles } } } } }"""
    page = (await run(gql, admin_token, query))["opportunities"]
    assert page["totalCount"] == 1
    assert page["edges"][0]["node"]["buyingCenter"] == {
        "members": [
            {"person": {"fullName": "Adams"}, "roles": ["CHAMPION"]},
            {"person": {"fullName": "Clark"}, "roles": ["USER"]},
        ],
        "missingRoles": ["DECISION_MAKER", "ECONOMIC_BUYER"],
    }
    query = """query($id: ID!) { node(id: $id) { id ... on Unit { name company { name } members { edges { node { fullName } } } }
      ... on Company { city } } }"""
    unit = (await run(gql, admin_token, query, {"id": "unt_1"}))["node"]
    assert unit == {
        "id": "unt_1",
        "name": "Sales",
        "company": {"name": "Alpha KG"},
        "members": {"edges": [{"node": {"fullName": n}} for n in ("Adams", "Brown", "Clark")]},
    }
    company = (await run(gql, admin_token, query, {"id": "cmp_1"}))["node"]
    assert company == {"id": "cmp_1", "city": "Bonn"}
    missing = await gql(query, {"id": "cmp_404"}, admin_token)
    assert data(missing) == {"node": None}


async def test_buying_center_with_a_full_selection_is_one_round_trip(gql: Gql, admin_token: str, world: None) -> None:
    query = """{ buyingCenter(opportunityId: "opp_1") { opportunity { name }
      members { person { fullName } roles attitude lastInteractionAt external }
      relations { type from { fullName } to { fullName } } missingRoles neglectedMembers { fullName } } }"""
    center = (await run(gql, admin_token, query))["buyingCenter"]
    assert [(m["person"]["fullName"], m["attitude"], m["external"]) for m in center["members"]] == [
        ("Adams", "SUPPORTER", False),
        ("Clark", "NEUTRAL", False),
    ]
    assert center["members"][0]["lastInteractionAt"] is not None
    assert center["members"][1]["lastInteractionAt"] is None
    assert center["relations"] == [{"type": "INFLUENCES", "from": {"fullName": "Adams"}, "to": {"fullName": "Clark"}}]
    assert center["missingRoles"] == ["DECISION_MAKER", "ECONOMIC_BUYER"]
    assert center["neglectedMembers"] == [{"fullName": "Clark"}]
    assert data(await gql('{ buyingCenter(opportunityId: "opp_404") { missingRoles } }', token=admin_token)) == {
        "buyingCenter": None
    }


async def test_home_base_stays_visible_only_to_the_user_admins_and_service_agents(
    gql: Gql, admin_token: str, make_user: Any, world: None
) -> None:
    query = '{ company(id: "cmp_9") { owner { homeBase { lat lon } } } }'
    _, rep = await make_user("SALES_REP")
    _, agent = await make_user("SERVICE_AGENT")
    assert (await run(gql, admin_token, query))["company"]["owner"]["homeBase"] == {"lat": 52.5, "lon": 13.4}
    assert (await run(gql, agent, query))["company"]["owner"]["homeBase"] == {"lat": 52.5, "lon": 13.4}
    assert (await run(gql, rep, query))["company"]["owner"]["homeBase"] is None


async def test_bad_nested_page_arguments_are_bad_user_input(gql: Gql, admin_token: str, world: None) -> None:
    query = '{ company(id: "cmp_3") { contacts(first: 101) { totalCount } } }'
    assert error_code(await gql(query, token=admin_token)) == "BAD_USER_INPUT"
    query = '{ company(id: "cmp_3") { contacts(after: "garbage!") { totalCount } } }'
    assert error_code(await gql(query, token=admin_token)) == "BAD_USER_INPUT"


async def test_reads_outside_the_compiler_order_subsidiaries_and_stage_history_the_same_way(
    gql: Gql, admin_token: str, world: None
) -> None:
    # mutations still answer through the prefetch fragments, which now order on nodes too
    company = data(
        await gql(
            'mutation { updateCompany(id: "cmp_9", input: {city: "Köln"}) { subsidiaries { name } } }',
            token=admin_token,
        )
    )["updateCompany"]
    assert [s["name"] for s in company["subsidiaries"]] == ["Alpha KG", "Mu GmbH", "Zeta AG"]
    deal = data(
        await gql(
            'mutation { updateOpportunity(id: "opp_1", input: {nextStep: "Call"}) { stageHistory { to } } }',
            token=admin_token,
        )
    )["updateOpportunity"]
    assert [s["to"] for s in deal["stageHistory"]] == ["PROSPECTING", "QUALIFICATION", "PROPOSAL"]


TIMELINES = """
query($after: String) {
  company(id: "cmp_9") {
    timeline(first: 1, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { subject by { name } about { __typename ... on Person { fullName company { name } }
        ... on Company { name } ... on Opportunity { name stage } ... on Node { id } } } }
    }
    subsidiaries { name timeline { totalCount } }
  }
  person(id: "per_3") { timeline(first: 5) { edges { node { subject } } } }
  opportunity(id: "opp_1") { timeline { totalCount edges { node { about { ... on Opportunity { id } } } } } }
}
"""


async def test_timelines_are_pages_inside_the_statement(gql: Gql, admin_token: str, world: None) -> None:
    log = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }"
    for subject, hour in (("Kick-off", "09"), ("Follow-up", "10")):
        variables = {
            "i": {
                "type": "MEETING",
                "subject": subject,
                "occurredAt": f"2026-02-01T{hour}:00:00+00:00",
                "personIds": ["per_3"],
                "opportunityId": "opp_1",
            }
        }
        data(await gql(log, variables, admin_token))
    result = await gql(TIMELINES, {"after": None}, admin_token)
    found = data(result)
    # one statement per root field: company, person, opportunity
    assert result["extensions"]["cypherRoundTrips"] == 3
    timeline = found["company"]["timeline"]
    assert timeline["totalCount"] == 2
    node = timeline["edges"][0]["node"]
    assert node["subject"] == "Follow-up"
    assert node["by"] is not None
    assert node["about"] == [
        {"__typename": "Opportunity", "name": "Deal", "stage": "PROPOSAL", "id": "opp_1"},
        {"__typename": "Person", "fullName": "Adams", "company": {"name": "Alpha KG"}, "id": "per_3"},
    ]
    assert [(s["name"], s["timeline"]["totalCount"]) for s in found["company"]["subsidiaries"]] == [
        ("Alpha KG", 2),
        ("Mu GmbH", 0),
        ("Zeta AG", 0),
    ]
    # the seeded call plus the two meetings, newest first
    assert [e["node"]["subject"] for e in found["person"]["timeline"]["edges"]] == ["Hi", "Follow-up", "Kick-off"]
    assert found["opportunity"]["timeline"]["totalCount"] == 2
    assert found["opportunity"]["timeline"]["edges"][0]["node"]["about"] == [{"id": "opp_1"}, {}]
    after = timeline["pageInfo"]["endCursor"]
    second = data(await gql(TIMELINES, {"after": after}, admin_token))["company"]["timeline"]
    assert [e["node"]["subject"] for e in second["edges"]] == ["Kick-off"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_lead_and_activity_by_id_are_one_round_trip(gql: Gql, admin_token: str, world: None) -> None:
    lead = data(
        await gql('mutation { createLead(input: {lastName: "Lo", email: "lo@x.test"}) { id } }', token=admin_token)
    )["createLead"]["id"]
    query = "query($id: ID!) { lead(id: $id) { lastName score status owner { name } attempts { id } convertedPerson { id } } }"
    assert await run(gql, admin_token, query, {"id": lead}) == {
        "lead": {
            "lastName": "Lo",
            "score": 20,
            "status": "NEW",
            "owner": {"name": "Admin"},
            "attempts": [],
            "convertedPerson": None,
        }
    }
    query = 'query { node(id: "act_1") { ... on Activity { type subject about { ... on Person { fullName } } } } }'
    assert await run(gql, admin_token, query) == {
        "node": {"type": "CALL", "subject": "Hi", "about": [{"fullName": "Adams"}]}
    }


async def test_reads_by_external_id_are_one_round_trip(gql: Gql, admin_token: str, deps: Deps, world: None) -> None:
    await deps.db.write(
        "MATCH (c:Company {id: 'cmp_3'}), (p:Person {id: 'per_1'}) "
        "CREATE (:ExternalId {label: 'Company', system: 'sap', value: '1'})-[:IDENTIFIES]->(c) "
        "CREATE (:ExternalId {label: 'Person', system: 'sap', value: '1'})-[:IDENTIFIES]->(p)"
    )
    query = """{ companyByExternalId(system: "sap", value: "1") { name externalIds { system value } units { name } }
      personByExternalId(system: "sap", value: "1") { fullName unit { name } } }"""
    result = await gql(query, token=admin_token)
    assert data(result) == {
        "companyByExternalId": {
            "name": "Alpha KG",
            "externalIds": [{"system": "sap", "value": "1"}],
            "units": [{"name": "IT"}, {"name": "Sales"}],
        },
        "personByExternalId": {"fullName": "Clark", "unit": {"name": "Sales"}},
    }
    assert result["extensions"]["cypherRoundTrips"] == 2


async def test_leads_page_with_a_deep_selection_is_one_round_trip(gql: Gql, admin_token: str, world: None) -> None:
    for name in ("Ann", "Bob"):
        data(await gql("mutation($n: String!) { createLead(input: {lastName: $n}) { id } }", {"n": name}, admin_token))
    query = """{ leads(first: 1) { totalCount pageInfo { hasNextPage }
      edges { node { lastName status owner { name } attempts { subject by { name } } convertedPerson { fullName } } } } }"""
    found = (await run(gql, admin_token, query))["leads"]
    assert found["totalCount"] == 2
    assert found["pageInfo"]["hasNextPage"] is True
    assert found["edges"] == [
        {
            "node": {
                "lastName": "Bob",
                "status": "NEW",
                "owner": {"name": "Admin"},
                "attempts": [],
                "convertedPerson": None,
            }
        }
    ]
    campaign = await gql(
        '{ leads(filter: {campaignId: "cmp_x"}) { totalCount edges { node { id } } } }', token=admin_token
    )
    assert data(campaign) == {"leads": {"totalCount": 0, "edges": []}}


async def test_org_chart_projects_the_selected_person_fields_in_its_one_statement(
    gql: Gql, admin_token: str, world: None
) -> None:
    query = '{ orgChart(companyId: "cmp_3") { depth managerId person { fullName unit { name company { name } } } } }'
    chart = (await run(gql, admin_token, query))["orgChart"]
    assert [(n["person"]["fullName"], n["depth"], n["managerId"]) for n in chart] == [
        ("Adams", 0, None),
        ("Brown", 0, None),
        ("Clark", 0, None),
    ]
    assert chart[0]["person"]["unit"] == {"name": "Sales", "company": {"name": "Alpha KG"}}


async def test_paths_project_the_selected_person_and_user_fields_in_their_one_statement(
    gql: Gql, admin_token: str, deps: Deps, world: None
) -> None:
    await deps.db.write(
        "MATCH (u:User {id: 'usr_owner'}), (p:Person {id: 'per_3'}) CREATE (u)-[:KNOWS_PERSON {strength: 0.9}]->(p)"
    )
    query = """{ influencePaths(fromPersonId: "per_3", toPersonId: "per_1") {
        people { fullName unit { name } } relations { type from { company { name } } to { fullName } } } }"""
    paths = (await run(gql, admin_token, query))["influencePaths"]
    assert paths == [
        {
            "people": [
                {"fullName": "Adams", "unit": {"name": "Sales"}},
                {"fullName": "Clark", "unit": {"name": "Sales"}},
            ],
            "relations": [
                {"type": "INFLUENCES", "from": {"company": {"name": "Alpha KG"}}, "to": {"fullName": "Clark"}}
            ],
        }
    ]
    query = """{ introductionPaths(toPersonId: "per_1") { hops user { name homeBase { lat } }
        people { fullName company { name } } } }"""
    intros = (await run(gql, admin_token, query))["introductionPaths"]
    assert intros == [
        {
            "hops": 2,
            "user": {"name": "Olga Owner", "homeBase": {"lat": 52.5}},
            "people": [
                {"fullName": "Adams", "company": {"name": "Alpha KG"}},
                {"fullName": "Clark", "company": {"name": "Alpha KG"}},
            ],
        }
    ]


async def test_a_mutation_answer_costs_one_statement_whatever_its_depth(
    gql: Gql, admin_token: str, world: None
) -> None:
    shallow = await gql('mutation { updateCompany(id: "cmp_3", input: {city: "Ulm"}) { id } }', token=admin_token)
    deep = await gql(
        """mutation { updateCompany(id: "cmp_3", input: {city: "Ulm"}) { city parent { owner { name } }
          units { children { name } members { totalCount edges { node { fullName company { name } } } } } } }""",
        token=admin_token,
    )
    assert data(deep)["updateCompany"]["units"][1]["members"]["totalCount"] == 3
    assert deep["extensions"]["cypherRoundTrips"] == shallow["extensions"]["cypherRoundTrips"]
    center = await gql(
        """mutation { setBuyingRole(opportunityId: "opp_1", personId: "per_2", roles: [DECISION_MAKER]) {
          members { person { fullName unit { name } } roles } missingRoles } }""",
        token=admin_token,
    )
    assert data(center)["setBuyingRole"]["missingRoles"] == ["ECONOMIC_BUYER"]
    assert [m["person"]["fullName"] for m in data(center)["setBuyingRole"]["members"]] == ["Adams", "Brown", "Clark"]


async def test_the_same_page_asked_with_a_literal_and_a_variable_is_read_once_with_both_selections(
    gql: Gql, admin_token: str, world: None
) -> None:
    query = """query($n: Int) { company(id: "cmp_3") {
      a: contacts(first: 2) { edges { node { fullName } } } b: contacts(first: $n) { totalCount } } }"""
    found = await run(gql, admin_token, query, {"n": 2})
    assert found["company"] == {
        "a": {"edges": [{"node": {"fullName": "Adams"}}, {"node": {"fullName": "Brown"}}]},
        "b": {"totalCount": 3},
    }
    assert RECENT[-1][0].count("WORKS_AT") == 2  # one page (its rows and its total), not two


async def test_search_hits_of_every_kind_are_projected_as_selected_in_one_statement(
    gql: Gql, admin_token: str, world: None
) -> None:
    query = """query($t: String!) { search(text: $t) { __typename
      ... on Company { name subsidiaries { name } } ... on Person { fullName unit { name } }
      ... on Opportunity { name company { name } buyingCenter { missingRoles } } ... on Node { id } } }"""
    company = await run(gql, admin_token, query, {"t": "alpha"})
    assert company["search"] == [{"__typename": "Company", "name": "Alpha KG", "subsidiaries": [], "id": "cmp_3"}]
    deal = await run(gql, admin_token, query, {"t": "deal"})
    assert deal["search"] == [
        {
            "__typename": "Opportunity",
            "name": "Deal",
            "company": {"name": "Alpha KG"},
            "buyingCenter": {"missingRoles": ["DECISION_MAKER", "ECONOMIC_BUYER"]},
            "id": "opp_1",
        }
    ]
    person = await run(gql, admin_token, query, {"t": "adams"})
    assert person["search"] == [{"__typename": "Person", "fullName": "Adams", "unit": {"name": "Sales"}, "id": "per_3"}]
