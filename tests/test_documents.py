"""[field] Documents: upload, attach, download and delete round-trip; refusals; who sees what; S3 storage."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from domain import documents
from domain.auth import Principal, Role
from domain.deps import Deps
from integrations.storage import LocalStorage, S3Storage
from tests.conftest import Gql, data, error_code
from tests.servers import free_port

MakeUser = Callable[..., Awaitable[tuple[str, str]]]
PDF = b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(5000)
DOCUMENT_FIELDS = (
    "id name contentType sizeBytes sha256 downloadPath transcriptStatus uploadedBy { name } "
    "project { id } ticket { id } company { id } activity { id }"
)


@pytest.fixture
def storage(deps: Deps, tmp_path: Path) -> Iterator[Path]:
    """The app's documents go to a fresh directory for the test."""
    before = deps.storage
    deps.storage = LocalStorage(tmp_path)
    yield tmp_path
    deps.storage = before


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def upload(
    client: httpx.AsyncClient, token: str | None, name: str, content: bytes, media: str = "application/octet-stream"
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post("/documents", files={"file": (name, content, media)}, headers=headers)


async def _company(gql: Gql, token: str) -> str:
    return str(
        data(await gql('mutation { createCompany(input: {name: "Kunde GmbH"}) { id } }', token=token))["createCompany"][
            "id"
        ]
    )


async def _project(gql: Gql, token: str, company_id: str) -> str:
    result = await gql(
        'mutation($c: ID!) { createProject(input: {name: "Wärmepumpe", companyId: $c}) { id } }',
        {"c": company_id},
        token,
    )
    return str(data(result)["createProject"]["id"])


async def test_upload_attach_download_delete_round_trip_byte_for_byte(
    client: httpx.AsyncClient, gql: Gql, admin_token: str, storage: Path
) -> None:
    # given a project and an uploaded service report
    project_id = await _project(gql, admin_token, await _company(gql, admin_token))
    response = await upload(client, admin_token, "../Service report März.pdf", PDF, "text/plain")
    assert response.status_code == 201, response.text
    uploaded = response.json()
    doc_id = uploaded["id"]
    assert uploaded == {
        "id": doc_id,
        "name": "Service report März.pdf",
        "contentType": "application/pdf",  # told by the content, not by the name or the client's type
        "sizeBytes": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "downloadPath": f"/documents/{doc_id}",
        "transcriptStatus": "NONE",
    }
    assert response.headers["location"] == f"/documents/{doc_id}"
    # when it is attached to the project
    attached = await gql(
        f"mutation($d: ID!, $p: ID!) {{ attachDocument(documentId: $d, projectId: $p) {{ {DOCUMENT_FIELDS} }} }}",
        {"d": doc_id, "p": project_id},
        admin_token,
    )
    doc = data(attached)["attachDocument"]
    assert (doc["project"], doc["ticket"], doc["company"], doc["activity"], doc["uploadedBy"]) == (
        {"id": project_id},
        None,
        None,
        None,
        {"name": "Admin"},
    )
    listed = await gql(
        "query($p: ID!) { project(id: $p) { documents { totalCount edges { node { id sha256 } } } } }",
        {"p": project_id},
        admin_token,
    )
    assert data(listed)["project"]["documents"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": doc_id, "sha256": hashlib.sha256(PDF).hexdigest()}}],
    }
    # then GET downloadPath serves the same bytes with type and name
    got = await client.get(doc["downloadPath"], headers={"Authorization": f"Bearer {admin_token}"})
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"Service report M_rz.pdf\"; filename*=UTF-8''Service%20report%20M%C3%A4rz.pdf"
    )
    assert len(stored_files(storage)) == 1
    # when it is deleted, bytes and node are gone
    deleted = await gql("mutation($d: ID!) { deleteDocument(id: $d) }", {"d": doc_id}, admin_token)
    assert data(deleted) == {"deleteDocument": doc_id}
    assert stored_files(storage) == []
    assert data(await gql("query($d: ID!) { document(id: $d) { id } }", {"d": doc_id}, admin_token)) == {
        "document": None
    }
    gone = await client.get(f"/documents/{doc_id}", headers={"Authorization": f"Bearer {admin_token}"})
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_attach_takes_exactly_one_target_and_moves_the_document(
    client: httpx.AsyncClient, gql: Gql, admin_token: str, storage: Path
) -> None:
    company_id = await _company(gql, admin_token)
    project_id = await _project(gql, admin_token, company_id)
    doc_id = (await upload(client, admin_token, "photo.png", PNG)).json()["id"]
    none = await gql("mutation($d: ID!) { attachDocument(documentId: $d) { id } }", {"d": doc_id}, admin_token)
    two = await gql(
        "mutation($d: ID!, $p: ID!, $c: ID!) { attachDocument(documentId: $d, projectId: $p, companyId: $c) { id } }",
        {"d": doc_id, "p": project_id, "c": company_id},
        admin_token,
    )
    missing = await gql(
        'mutation($d: ID!) { attachDocument(documentId: $d, ticketId: "tkt_nope") { id } }', {"d": doc_id}, admin_token
    )
    assert [error_code(none), error_code(two), error_code(missing)] == ["BAD_USER_INPUT", "BAD_USER_INPUT", "NOT_FOUND"]
    await gql(
        "mutation($d: ID!, $p: ID!) { attachDocument(documentId: $d, projectId: $p) { id } }",
        {"d": doc_id, "p": project_id},
        admin_token,
    )
    moved = await gql(
        "mutation($d: ID!, $c: ID!) { attachDocument(documentId: $d, companyId: $c) { project { id } company { id } } }",
        {"d": doc_id, "c": company_id},
        admin_token,
    )
    assert data(moved)["attachDocument"] == {"project": None, "company": {"id": company_id}}


async def test_oversized_and_wrong_type_uploads_are_refused_with_nothing_stored(
    client: httpx.AsyncClient, gql: Gql, deps: Deps, admin: tuple[str, str], storage: Path
) -> None:
    admin_id, token = admin
    settings = deps.settings
    deps.settings = dataclasses.replace(settings, document_max_bytes=100_000)
    try:
        # a file over the limit (declared by Content-Length): 413 before the body is read
        too_big = await upload(client, token, "big.pdf", PDF)

        # a file over the limit whose size only shows while streaming: refused midway, the partial bytes removed
        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(PDF), 16_384):
                yield PDF[i : i + 16_384]

        who = Principal(user={"id": admin_id, "name": "Admin"}, role=Role.ADMIN)
        with pytest.raises(documents.TooLarge):
            await documents.upload(deps, who, "streamed.pdf", chunks())
    finally:
        deps.settings = settings
    # a script named .pdf, a plain ZIP and an empty file: 415 (sniffed, not by name)
    script = await upload(client, token, "invoice.pdf", b"#!/bin/sh\nrm -rf /\n" * 100, "application/pdf")
    archive = await upload(
        client, token, "report.docx", b"PK\x03\x04" + b"\x00" * 26 + b"payload.bin" + os.urandom(500)
    )
    empty = await upload(client, token, "empty.pdf", b"")
    not_multipart = await client.post(
        "/documents", content=PDF, headers={"Authorization": f"Bearer {token}", "content-type": "application/pdf"}
    )
    assert [r.status_code for r in (too_big, script, archive, empty, not_multipart)] == [413, 415, 415, 415, 415]
    for response in (too_big, script, archive, empty, not_multipart):
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # then nothing is stored: no bytes, no node
    assert stored_files(storage) == []
    count = await deps.db.read_one("MATCH (d:Document) RETURN count(d) AS n")
    assert count == {"n": 0}


async def test_upload_needs_a_credential_and_a_role_that_reads_documents(
    client: httpx.AsyncClient, make_user: MakeUser, storage: Path
) -> None:
    _, marketing = await make_user("MARKETING")
    anonymous = await upload(client, None, "a.pdf", PDF)
    forged = await upload(client, "not-a-token", "a.pdf", PDF)
    refused = await upload(client, marketing, "a.pdf", PDF)
    assert [anonymous.status_code, forged.status_code, refused.status_code] == [401, 401, 403]
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert stored_files(storage) == []


async def test_another_roles_user_gets_404_and_sees_no_trace(
    client: httpx.AsyncClient, gql: Gql, admin_token: str, make_user: MakeUser, storage: Path
) -> None:
    # given a rep's photo, not attached yet, and users of other roles
    _, rep = await make_user("SALES_REP", "rep@crm.test")
    _, other_rep = await make_user("SALES_REP", "rep2@crm.test")
    _, tech = await make_user("TECHNICIAN")
    _, marketing = await make_user("MARKETING")
    project_id = await _project(gql, admin_token, await _company(gql, admin_token))
    doc_id = (await upload(client, rep, "site.jpg", JPEG)).json()["id"]

    async def status(token: str) -> int:
        return (await client.get(f"/documents/{doc_id}", headers={"Authorization": f"Bearer {token}"})).status_code

    # unattached: only the uploader and ADMINs
    assert [await status(t) for t in (rep, admin_token, other_rep, tech, marketing)] == [200, 200, 404, 404, 404]
    hidden = await gql("query($d: ID!) { document(id: $d) { id } node(id: $d) { id } }", {"d": doc_id}, other_rep)
    assert data(hidden) == {"document": None, "node": None}
    stolen = await gql(
        "mutation($d: ID!, $p: ID!) { attachDocument(documentId: $d, projectId: $p) { id } }",
        {"d": doc_id, "p": project_id},
        other_rep,
    )
    assert error_code(stolen) == "NOT_FOUND"
    # attached to a project: every role that reads documents, still not MARKETING
    await gql(
        "mutation($d: ID!, $p: ID!) { attachDocument(documentId: $d, projectId: $p) { id } }",
        {"d": doc_id, "p": project_id},
        rep,
    )
    assert [await status(t) for t in (rep, other_rep, tech, marketing)] == [200, 200, 200, 404]
    page = "query($p: ID!) { project(id: $p) { documents { totalCount edges { node { id } } } } }"
    assert data(await gql(page, {"p": project_id}, marketing))["project"]["documents"] == {"totalCount": 0, "edges": []}
    assert data(await gql(page, {"p": project_id}, tech))["project"]["documents"]["totalCount"] == 1
    assert data(await gql("query($d: ID!) { document(id: $d) { id } }", {"d": doc_id}, marketing)) == {"document": None}
    # only the uploader or an ADMIN deletes; MARKETING cannot even tell it exists
    assert (
        error_code(await gql("mutation($d: ID!) { deleteDocument(id: $d) }", {"d": doc_id}, other_rep)) == "FORBIDDEN"
    )
    assert (
        error_code(await gql("mutation($d: ID!) { deleteDocument(id: $d) }", {"d": doc_id}, marketing)) == "NOT_FOUND"
    )
    assert await status(rep) == 200


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """A local S3 (moto's server) on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


async def test_s3_storage_round_trips_through_the_api(
    client: httpx.AsyncClient, gql: Gql, deps: Deps, admin_token: str, s3_server: str
) -> None:
    # given the app storing documents in a local S3-compatible server
    s3 = S3Storage(s3_server, "crm-test", "us-east-1", "test", "test")
    s3.client.create_bucket(Bucket="crm-test")
    before = deps.storage
    deps.storage = s3
    try:
        # a file of several parts (multipart upload) and a small one (one PUT)
        big = b"%PDF-1.4\n" + os.urandom(17 * 1024 * 1024)
        big_id = (await upload(client, admin_token, "plan.pdf", big)).json()["id"]
        small_id = (await upload(client, admin_token, "photo.png", PNG)).json()["id"]
        headers = {"Authorization": f"Bearer {admin_token}"}
        assert (await client.get(f"/documents/{big_id}", headers=headers)).content == big
        assert (await client.get(f"/documents/{small_id}", headers=headers)).content == PNG
        assert await s3.exists(big_id)
        # when deleted, the object is gone from the bucket
        assert data(await gql("mutation($d: ID!) { deleteDocument(id: $d) }", {"d": big_id}, admin_token))
        assert not await s3.exists(big_id)
        listed = s3.client.list_objects_v2(Bucket="crm-test")
        assert [o["Key"] for o in listed.get("Contents", [])] == [small_id]
        assert s3.client.list_multipart_uploads(Bucket="crm-test").get("Uploads", []) == []
    finally:
        deps.storage = before


async def test_refused_upload_to_s3_leaves_no_object_or_open_multipart_upload(
    deps: Deps, admin: tuple[str, str], s3_server: str
) -> None:
    s3 = S3Storage(s3_server, "crm-refused", "us-east-1", "test", "test")
    s3.client.create_bucket(Bucket="crm-refused")
    before, settings = deps.storage, deps.settings
    deps.storage = s3
    deps.settings = dataclasses.replace(settings, document_max_bytes=10 * 1024 * 1024)
    payload = b"%PDF-1.4\n" + os.urandom(12 * 1024 * 1024)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 1024 * 1024):
            yield payload[i : i + 1024 * 1024]

    try:
        who = Principal(user={"id": admin[0], "name": "Admin"}, role=Role.ADMIN)
        with pytest.raises(documents.TooLarge):
            await documents.upload(deps, who, "huge.pdf", chunks())
    finally:
        deps.storage, deps.settings = before, settings
    assert s3.client.list_objects_v2(Bucket="crm-refused").get("Contents", []) == []
    assert s3.client.list_multipart_uploads(Bucket="crm-refused").get("Uploads", []) == []
