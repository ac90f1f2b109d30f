"""[field] Visit reports in one call, and the phone's project page in one round trip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from domain.deps import Deps
from integrations.storage import LocalStorage
from tests.conftest import Gql, data, error_code

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 3000
SITE = {"lat": 53.5511, "lon": 9.9937}


@pytest.fixture(autouse=True)
def storage(deps: Deps, tmp_path: Path) -> Iterator[Path]:
    before = deps.storage
    deps.storage = LocalStorage(tmp_path)
    yield tmp_path
    deps.storage = before


async def _upload(client: httpx.AsyncClient, token: str, name: str, content: bytes) -> str:
    response = await client.post(
        "/documents", files={"file": (name, content)}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _project(gql: Gql, token: str) -> tuple[str, str, str]:
    company = data(await gql('mutation { createCompany(input: {name: "Hafen Logistik"}) { id } }', token=token))
    company_id = company["createCompany"]["id"]
    person = await gql(
        'mutation($c: ID!) { createPerson(input: {firstName: "Jan", lastName: "Ott", companyId: $c}) { id } }',
        {"c": company_id},
        token,
    )
    contact_id = data(person)["createPerson"]["id"]
    project = await gql(
        'mutation($c: ID!, $p: ID!) { createProject(input: {name: "Kühlhalle", companyId: $c, contactId: $p}) { id } }',
        {"c": company_id, "p": contact_id},
        token,
    )
    return company_id, contact_id, data(project)["createProject"]["id"]


VISIT = """
mutation($p: ID!, $l: GeoPointInput, $d: [ID!]) {
  logActivity(input: {type: VISIT, subject: "Commissioning visit", body: "Compressor replaced",
    projectId: $p, location: $l, durationMinutes: 95, documentIds: $d}) {
    id type durationMinutes location { lat lon } documents { name contentType } about { __typename }
  }
}
"""


async def test_visit_report_with_location_project_and_two_photos_shows_in_project_and_company_timeline(
    client: httpx.AsyncClient, gql: Gql, admin_token: str
) -> None:
    # given a project and two photos uploaded from the phone
    company_id, _, project_id = await _project(gql, admin_token)
    photos = [
        await _upload(client, admin_token, "before.png", PNG),
        await _upload(client, admin_token, "after.jpg", JPEG),
    ]
    # when the visit is reported in one call
    result = await gql(VISIT, {"p": project_id, "l": SITE, "d": photos}, admin_token)
    visit = data(result)["logActivity"]
    assert {k: v for k, v in visit.items() if k != "id"} == {
        "type": "VISIT",
        "durationMinutes": 95,
        "location": SITE,
        "documents": [
            {"name": "before.png", "contentType": "image/png"},
            {"name": "after.jpg", "contentType": "image/jpeg"},
        ],
        "about": [{"__typename": "Project"}],
    }
    # then the visit, its site and photos are on the project's and the company's timeline
    query = """query($p: ID!, $c: ID!) {
      project(id: $p) { timeline { edges { node { id location { lat lon } documents { name } } } } }
      company(id: $c) { timeline { edges { node { id location { lat lon } documents { name activity { id } } } } } }
    }"""
    got = data(await gql(query, {"p": project_id, "c": company_id}, admin_token))
    entry = {"id": visit["id"], "location": SITE, "documents": [{"name": "before.png"}, {"name": "after.jpg"}]}
    assert got["project"]["timeline"]["edges"] == [{"node": entry}]
    company_entry = got["company"]["timeline"]["edges"][0]["node"]
    assert company_entry["id"] == visit["id"]
    assert company_entry["documents"] == [
        {"name": "before.png", "activity": {"id": visit["id"]}},
        {"name": "after.jpg", "activity": {"id": visit["id"]}},
    ]


async def test_visit_report_refuses_unknown_invisible_or_attached_documents_and_writes_nothing(
    client: httpx.AsyncClient, gql: Gql, admin_token: str
) -> None:
    _, _, project_id = await _project(gql, admin_token)
    photo = await _upload(client, admin_token, "before.png", PNG)
    unknown = await gql(VISIT, {"p": project_id, "l": SITE, "d": [photo, "doc_nope"]}, admin_token)
    assert error_code(unknown) == "NOT_FOUND"
    assert unknown["errors"][0]["extensions"]["field"] == "documentIds[1]"
    outside = await gql(VISIT, {"p": project_id, "l": {"lat": 91, "lon": 0}, "d": [photo]}, admin_token)
    assert error_code(outside) == "BAD_USER_INPUT"
    data(await gql(VISIT, {"p": project_id, "l": SITE, "d": [photo]}, admin_token))
    again = await gql(VISIT, {"p": project_id, "l": SITE, "d": [photo]}, admin_token)
    assert error_code(again) == "CONFLICT"
    count = data(
        await gql("query($p: ID!) { project(id: $p) { timeline { totalCount } } }", {"p": project_id}, admin_token)
    )
    assert count["project"]["timeline"]["totalCount"] == 1


async def test_phone_project_page_is_one_round_trip(client: httpx.AsyncClient, gql: Gql, admin_token: str) -> None:
    # given a project with a document and a visit with photos
    company_id, contact_id, project_id = await _project(gql, admin_token)
    plan = await _upload(client, admin_token, "plan.png", PNG)
    await gql(
        "mutation($d: ID!, $p: ID!) { attachDocument(documentId: $d, projectId: $p) { id } }",
        {"d": plan, "p": project_id},
        admin_token,
    )
    photos = [await _upload(client, admin_token, "a.png", PNG), await _upload(client, admin_token, "b.jpg", JPEG)]
    data(await gql(VISIT, {"p": project_id, "l": SITE, "d": photos}, admin_token))
    # when the phone opens the project page
    page = """query($p: ID!) {
      project(id: $p) {
        name status startsOn
        company { name location { lat lon } phones }
        contact { fullName phones email }
        documents(first: 20) { totalCount edges { cursor node { name contentType sizeBytes downloadPath transcriptStatus } } }
        timeline(first: 20) { edges { node { type subject occurredAt location { lat lon } by { name }
          documents { name downloadPath } } } pageInfo { hasNextPage endCursor } }
      }
    }"""
    result = await gql(page, {"p": project_id}, admin_token)
    # then everything comes in one Cypher round trip
    assert result["extensions"]["cypherRoundTrips"] == 1
    project = data(result)["project"]
    assert project["company"] == {"name": "Hafen Logistik", "location": None, "phones": []}
    assert project["contact"]["fullName"] == "Jan Ott"
    assert [e["node"]["name"] for e in project["documents"]["edges"]] == ["plan.png"]
    assert project["documents"]["edges"][0]["node"]["downloadPath"] == f"/documents/{plan}"
    visit = project["timeline"]["edges"][0]["node"]
    assert (visit["type"], visit["location"], [d["name"] for d in visit["documents"]]) == (
        "VISIT",
        SITE,
        ["a.png", "b.jpg"],
    )
    assert company_id and contact_id
