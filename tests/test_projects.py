"""[field] Projects: create, update, pages, their timeline in the company's, the phone's project page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.conftest import Gql, data, error_code

PROJECT_FIELDS = (
    "id name status startsOn endsOn company { name } contact { fullName } owner { name } opportunity { name }"
)


async def _company(gql: Gql, token: str, name: str = "Stadtwerke Nord") -> str:
    result = await gql("mutation($n: String!) { createCompany(input: {name: $n}) { id } }", {"n": name}, token)
    return str(data(result)["createCompany"]["id"])


async def _person(gql: Gql, token: str, company_id: str, last: str = "Berger") -> str:
    result = await gql(
        'mutation($c: ID!, $l: String!) { createPerson(input: {firstName: "Eva", lastName: $l, companyId: $c}) { id } }',
        {"c": company_id, "l": last},
        token,
    )
    return str(data(result)["createPerson"]["id"])


async def _project(
    gql: Gql, token: str, company_id: str, name: str = "Heat pump roll-out", **extra: Any
) -> dict[str, Any]:
    result = await gql(
        f"mutation($i: CreateProjectInput!) {{ createProject(input: $i) {{ {PROJECT_FIELDS} }} }}",
        {"i": {"name": name, "companyId": company_id, **extra}},
        token,
    )
    return data(result)["createProject"]  # type: ignore[no-any-return]


async def test_create_project_links_company_contact_owner_and_opportunity(gql: Gql, admin: tuple[str, str]) -> None:
    # given a company with a contact and an opportunity
    admin_id, token = admin
    company_id = await _company(gql, token)
    person_id = await _person(gql, token, company_id)
    opp = await gql(
        'mutation($c: ID!) { createOpportunity(input: {name: "Pumps", companyId: $c, amount: "1000", currency: "EUR"}) { id } }',
        {"c": company_id},
        token,
    )
    opportunity_id = data(opp)["createOpportunity"]["id"]
    # when a project is created for it
    project = await _project(
        gql,
        token,
        company_id,
        contactId=person_id,
        ownerId=admin_id,
        opportunityId=opportunity_id,
        startsOn="2026-03-01",
        endsOn="2026-06-30",
    )
    # then it answers every link
    assert project["id"].startswith("prj_")
    assert {k: v for k, v in project.items() if k != "id"} == {
        "name": "Heat pump roll-out",
        "status": "PLANNED",
        "startsOn": "2026-03-01",
        "endsOn": "2026-06-30",
        "company": {"name": "Stadtwerke Nord"},
        "contact": {"fullName": "Eva Berger"},
        "owner": {"name": "Admin"},
        "opportunity": {"name": "Pumps"},
    }


async def test_create_project_refuses_bad_input_and_writes_nothing(gql: Gql, admin_token: str) -> None:
    company_id = await _company(gql, admin_token)
    other_id = await _company(gql, admin_token, "Elsewhere AG")
    stranger = await _person(gql, admin_token, other_id)
    # unknown company, contact at another company, ends before it starts
    assert (
        error_code(
            await gql('mutation { createProject(input: {name: "X", companyId: "cmp_nope"}) { id } }', token=admin_token)
        )
        == "NOT_FOUND"
    )
    bad_contact = await gql(
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }",
        {"i": {"name": "X", "companyId": company_id, "contactId": stranger}},
        admin_token,
    )
    assert error_code(bad_contact) == "BAD_USER_INPUT"
    assert bad_contact["errors"][0]["extensions"]["field"] == "contactId"
    inverted = await gql(
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }",
        {"i": {"name": "X", "companyId": company_id, "startsOn": "2026-05-01", "endsOn": "2026-04-01"}},
        admin_token,
    )
    assert error_code(inverted) == "BAD_USER_INPUT"
    # then no project exists
    assert data(await gql("{ projects { totalCount } }", token=admin_token))["projects"]["totalCount"] == 0


async def test_update_project_changes_only_what_was_sent(gql: Gql, admin_token: str) -> None:
    company_id = await _company(gql, admin_token)
    contact = await _person(gql, admin_token, company_id)
    project = await _project(gql, admin_token, company_id, contactId=contact, startsOn="2026-03-01")
    # when status and end date are sent, and the contact is cleared
    result = await gql(
        f"mutation($id: ID!, $i: UpdateProjectInput!) {{ updateProject(id: $id, input: $i) {{ {PROJECT_FIELDS} }} }}",
        {"id": project["id"], "i": {"status": "ACTIVE", "endsOn": "2026-04-15", "contactId": None}},
        admin_token,
    )
    updated = data(result)["updateProject"]
    assert (updated["status"], updated["startsOn"], updated["endsOn"], updated["contact"], updated["name"]) == (
        "ACTIVE",
        "2026-03-01",
        "2026-04-15",
        None,
        "Heat pump roll-out",
    )
    # an end before the stored start is refused
    refused = await gql(
        'mutation($id: ID!) { updateProject(id: $id, input: {endsOn: "2026-01-01"}) { id } }',
        {"id": project["id"]},
        admin_token,
    )
    assert error_code(refused) == "BAD_USER_INPUT"
    missing = await gql('mutation { updateProject(id: "prj_nope", input: {name: "Y"}) { id } }', token=admin_token)
    assert error_code(missing) == "NOT_FOUND"


async def test_projects_pages_filter_by_company_and_status(gql: Gql, admin_token: str) -> None:
    a = await _company(gql, admin_token, "A GmbH")
    b = await _company(gql, admin_token, "B GmbH")
    p1 = await _project(gql, admin_token, a, "One")
    await _project(gql, admin_token, a, "Two")
    await _project(gql, admin_token, b, "Three")
    await gql(
        "mutation($id: ID!) { updateProject(id: $id, input: {status: ACTIVE}) { id } }", {"id": p1["id"]}, admin_token
    )
    page = data(
        await gql(
            "query($c: ID) { projects(first: 1, companyId: $c) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }",
            {"c": a},
            admin_token,
        )
    )["projects"]
    assert (page["totalCount"], [e["node"]["name"] for e in page["edges"]], page["pageInfo"]["hasNextPage"]) == (
        2,
        ["Two"],
        True,
    )
    rest = data(
        await gql(
            "query($c: ID, $after: String) { projects(first: 5, companyId: $c, after: $after) { edges { node { name } } } }",
            {"c": a, "after": page["pageInfo"]["endCursor"]},
            admin_token,
        )
    )["projects"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["One"]
    active = data(await gql("{ projects(status: ACTIVE) { edges { node { name } } } }", token=admin_token))["projects"]
    assert [e["node"]["name"] for e in active["edges"]] == ["One"]
    # Company.projects with and without a status, in one statement
    result = await gql(
        "query($c: ID!) { company(id: $c) { all: projects { totalCount edges { node { name } } } "
        "active: projects(status: ACTIVE) { totalCount edges { node { name } } } } }",
        {"c": a},
        admin_token,
    )
    company = data(result)["company"]
    assert company["all"] == {"totalCount": 2, "edges": [{"node": {"name": "Two"}}, {"node": {"name": "One"}}]}
    assert company["active"] == {"totalCount": 1, "edges": [{"node": {"name": "One"}}]}
    assert result["extensions"]["cypherRoundTrips"] == 1


async def test_marketing_reads_projects_but_technicians_do_not_create_them(
    gql: Gql, admin_token: str, make_user: Callable[..., Awaitable[tuple[str, str]]]
) -> None:
    company_id = await _company(gql, admin_token)
    _, tech = await make_user("TECHNICIAN")
    refused = await gql(
        'mutation($c: ID!) { createProject(input: {name: "X", companyId: $c}) { id } }', {"c": company_id}, tech
    )
    assert error_code(refused) == "FORBIDDEN"
    project = await _project(gql, admin_token, company_id)
    found = await gql("query($id: ID!) { project(id: $id) { name } node(id: $id) { id } }", {"id": project["id"]}, tech)
    assert data(found) == {"project": {"name": "Heat pump roll-out"}, "node": {"id": project["id"]}}


async def test_activity_about_a_project_is_on_its_timeline_and_the_companys(gql: Gql, admin_token: str) -> None:
    # given a project of a subsidiary
    parent = await _company(gql, admin_token, "Group AG")
    company_id = await _company(gql, admin_token)
    await gql(
        "mutation($id: ID!, $p: ID!) { updateCompany(id: $id, input: {parentId: $p}) { id } }",
        {"id": company_id, "p": parent},
        admin_token,
    )
    project = await _project(gql, admin_token, company_id)
    # when a call is logged about the project
    logged = await gql(
        'mutation($p: ID!) { logActivity(input: {type: CALL, subject: "Site survey booked", projectId: $p, '
        "durationMinutes: 12}) { id about { __typename ... on Project { name } } } }",
        {"p": project["id"]},
        admin_token,
    )
    activity = data(logged)["logActivity"]
    assert activity["about"] == [{"__typename": "Project", "name": "Heat pump roll-out"}]
    # then it is on the project's timeline, the company's and the parent's
    result = await gql(
        "query($p: ID!, $c: ID!, $g: ID!) { project(id: $p) { timeline { totalCount edges { node { id durationMinutes } } } } "
        "company(id: $c) { timeline { edges { node { id } } } } group: company(id: $g) { timeline { edges { node { id } } } } }",
        {"p": project["id"], "c": company_id, "g": parent},
        admin_token,
    )
    got = data(result)
    assert got["project"]["timeline"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": activity["id"], "durationMinutes": 12}}],
    }
    assert got["company"]["timeline"]["edges"] == [{"node": {"id": activity["id"]}}]
    assert got["group"]["timeline"]["edges"] == [{"node": {"id": activity["id"]}}]


async def test_projects_are_found_by_search(gql: Gql, admin_token: str) -> None:
    company_id = await _company(gql, admin_token)
    project = await _project(gql, admin_token, company_id, "Photovoltaik Dachanlage")
    result = await gql('{ search(text: "photovoltaik") { __typename ... on Project { id name } } }', token=admin_token)
    assert data(result)["search"] == [{"__typename": "Project", "id": project["id"], "name": "Photovoltaik Dachanlage"}]


async def test_company_projects_resolve_for_a_company_not_read_by_a_compiled_statement(
    gql: Gql, admin_token: str, client: httpx.AsyncClient
) -> None:
    # nearby answers companies built from rows; their projects are read by their own statement
    result = await gql(
        'mutation { createCompany(input: {name: "Near GmbH", location: {lat: 52.5, lon: 13.4}}) { id } }',
        token=admin_token,
    )
    company_id = data(result)["createCompany"]["id"]
    await _project(gql, admin_token, company_id, "Nearby project")
    near = await gql(
        "{ nearby(location: {lat: 52.5, lon: 13.4}, radiusKm: 5) { company { name projects { edges { node { name } } } } } }",
        token=admin_token,
    )
    assert data(near)["nearby"] == [
        {"company": {"name": "Near GmbH", "projects": {"edges": [{"node": {"name": "Nearby project"}}]}}}
    ]


async def test_tickets_created_for_a_project_are_its_tickets(gql: Gql, admin_token: str) -> None:
    company_id = await _company(gql, admin_token)
    other_id = await _company(gql, admin_token, "Elsewhere AG")
    project = await _project(gql, admin_token, company_id)
    # when a ticket is opened for the project (no company given)
    created = await gql(
        'mutation($p: ID!) { createTicket(input: {subject: "Leaking valve", projectId: $p}) { id company { id } } }',
        {"p": project["id"]},
        admin_token,
    )
    ticket = data(created)["createTicket"]
    # then it is the company's ticket and listed under the project
    assert ticket["company"] == {"id": company_id}
    tickets = await gql(
        "query($p: ID!) { project(id: $p) { tickets { totalCount edges { node { id subject } } } } }",
        {"p": project["id"]},
        admin_token,
    )
    assert data(tickets)["project"]["tickets"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": ticket["id"], "subject": "Leaking valve"}}],
    }
    # a ticket of another company or an unknown project is refused
    mismatch = await gql(
        'mutation($p: ID!, $c: ID!) { createTicket(input: {subject: "X", projectId: $p, companyId: $c}) { id } }',
        {"p": project["id"], "c": other_id},
        admin_token,
    )
    unknown = await gql(
        'mutation { createTicket(input: {subject: "X", projectId: "prj_nope"}) { id } }', token=admin_token
    )
    assert [error_code(mismatch), error_code(unknown)] == ["BAD_USER_INPUT", "NOT_FOUND"]
