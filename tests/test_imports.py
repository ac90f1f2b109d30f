"""Contact imports: jobs run by a real Celery worker, row errors, match keys, the upload endpoint, progress."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets

from domain import imports
from domain.deps import Deps
from domain.errors import BadInput
from tests.conftest import Gql, data, error_code
from tests.servers import api_process

IMPORT = """mutation($csv: String!, $m: ImportMatchKey!) { importContacts(csv: $csv, matchOn: $m) {
  id status processedCount } }"""
JOB = """query($id: ID!) { importJob(id: $id) { id status totalRows processedCount createdCount updatedCount
  rejectedCount startedAt finishedAt errors(first: 100) { totalCount edges { node { row message } } } } }"""


async def wait_job(gql: Gql, token: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = data(await gql(JOB, {"id": job_id}, token))["importJob"]
        if job["status"] in ("COMPLETED", "FAILED") or time.monotonic() > deadline:
            return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)


def summary(job: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": job["status"],
        "totalRows": job["totalRows"],
        "processed": job["processedCount"],
        "created": job["createdCount"],
        "updated": job["updatedCount"],
        "rejected": job["rejectedCount"],
        "errors": [(e["node"]["row"], e["node"]["message"]) for e in job["errors"]["edges"]],
    }


async def test_unknown_columns_fail_the_job_with_one_error_before_any_row(
    gql: Gql, admin_token: str, deps: Deps, worker: None
) -> None:
    # given a file with two unknown columns
    text = "firstName,Nickname,email,shoeSize\nAna,Nana,ana@example.com,38\n"
    # when it is imported
    job = data(await gql(IMPORT, {"csv": text, "m": "EMAIL"}, admin_token))["importContacts"]
    assert job["status"] == "PENDING"
    done = await wait_job(gql, admin_token, job["id"])
    # then the job failed with one error naming both columns, and no person was written
    assert summary(done) == {
        "status": "FAILED",
        "totalRows": None,
        "processed": 0,
        "created": 0,
        "updated": 0,
        "rejected": 0,
        "errors": [
            (
                1,
                "unknown columns: Nickname, shoeSize (accepted: firstName, lastName, email, phone, city, country, "
                "tags, jobTitle, externalId, externalIdSystem)",
            )
        ],
    }
    assert done["finishedAt"] is not None
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"] == 0


async def test_import_by_email_keeps_valid_rows_and_reports_every_rejected_one(
    gql: Gql, admin_token: str, deps: Deps, worker: None
) -> None:
    # given a person that exists already, and a file with good and bad rows
    existing = data(
        await gql(
            'mutation { createPerson(input: {lastName: "Old", firstName: "Olga", email: "olga@example.com", '
            'city: "Bonn"}) { id } }',
            token=admin_token,
        )
    )["createPerson"]["id"]
    long_city = "x" * 201
    text = (
        "firstName, LASTNAME ,email,phone,city,tags\n"
        "Ana,Lima,Ana@Example.com,030 1234567,Berlin,vip;newsletter\n"  # row 2
        "Olga,Neu,OLGA@example.com,,,\n"  # row 3: updates the existing person (city stays)
        "Bad,Mail,not-an-address,,,\n"  # row 4
        "Bad,Phone,bp@example.com,12,,\n"  # row 5
        f"Long,City,lc@example.com,,{long_city},\n"  # row 6
        "Ana,Again,ana@example.com ,,,\n"  # row 7: duplicate of row 2
        "Too,Many,tm@example.com,,,,extra\n"  # row 8
        '"Jo, Jr.",Quote,jq@example.com,+49 (89) 123456,"München",\n'  # row 9
    )
    # when it is imported matching on e-mail
    job = data(await gql(IMPORT, {"csv": text, "m": "EMAIL"}, admin_token))["importContacts"]
    done = await wait_job(gql, admin_token, job["id"])
    # then the valid rows are kept and each rejected row is reported with its number and reason
    assert summary(done) == {
        "status": "COMPLETED",
        "totalRows": 8,
        "processed": 8,
        "created": 2,
        "updated": 1,
        "rejected": 5,
        "errors": [
            (4, "email is not an email address"),
            (5, "phone is not a phone number"),
            (6, "city is longer than 200 characters"),
            (7, "duplicate of row 2 in this file"),
            (8, "has 7 fields, the header has 6"),
        ],
    }
    people = await deps.db.read(
        "MATCH (p:Person) RETURN p.id AS id, p.fullName AS name, p.email AS email, p.emailLower AS key, "
        "p.phones AS phones, p.city AS city, p.tags AS tags, p.source AS source, "
        "[(p)-[:HAS_PHONE]->(ph:Phone) | ph.e164] AS phoneNodes ORDER BY key"
    )
    assert [{k: v for k, v in p.items() if k != "id"} for p in people] == [
        {
            "name": "Ana Lima",
            "email": "Ana@Example.com",
            "key": "ana@example.com",
            "phones": ["+49301234567"],
            "city": "Berlin",
            "tags": ["vip", "newsletter"],
            "source": "import",
            "phoneNodes": ["+49301234567"],
        },
        {
            "name": "Jo, Jr. Quote",
            "email": "jq@example.com",
            "key": "jq@example.com",
            "phones": ["+4989123456"],
            "city": "München",
            "tags": [],
            "source": "import",
            "phoneNodes": ["+4989123456"],
        },
        {
            "name": "Olga Neu",
            "email": "OLGA@example.com",
            "key": "olga@example.com",
            "phones": [],
            "city": "Bonn",
            "tags": [],
            "source": None,
            "phoneNodes": [],
        },
    ]
    assert people[2]["id"] == existing
    # and imported persons are found by the full-text search and by callerLookup
    await asyncio.sleep(1.5)  # the full-text index is eventually consistent
    hits = data(await gql('{ search(text: "Lima") { ... on Person { email } } }', token=admin_token))["search"]
    assert hits == [{"email": "Ana@Example.com"}]
    callers = data(await gql('{ callerLookup(phone: "030 1234567") { person { email } } }', token=admin_token))
    assert callers["callerLookup"] == [{"person": {"email": "Ana@Example.com"}}]


async def test_every_imported_person_gets_its_change_event_once(
    gql: Gql, admin_token: str, deps: Deps, worker: None
) -> None:
    # given a person that exists already, and the change stream so far
    existing = data(
        await gql(
            'mutation { createPerson(input: {lastName: "Old", email: "old@example.com"}) { id } }', token=admin_token
        )
    )["createPerson"]["id"]
    before = len(await deps.bus.redis.xrange("crm:changes"))
    # when a file creating two persons and updating the existing one is imported
    text = "lastName,email,city\nNew,new@example.com,Bonn\nOld,OLD@example.com,\nNext,next@example.com,\n"
    job = data(await gql(IMPORT, {"csv": text, "m": "EMAIL"}, admin_token))["importContacts"]
    assert summary(await wait_job(gql, admin_token, job["id"]))["status"] == "COMPLETED"
    # then the stream has one PERSON entry per written person with its operation and changed fields,
    # each with its own idempotency key (a batch is one outbox record, expanded when published)
    entries = [
        {k.decode(): v.decode() for k, v in e.items()} for _, e in (await deps.bus.redis.xrange("crm:changes"))[before:]
    ]
    ids = {r["email"]: r["id"] for r in await deps.db.read("MATCH (p:Person) RETURN p.emailLower AS email, p.id AS id")}
    assert sorted((e["type"], e["nodeId"], e["op"], e["fields"]) for e in entries) == sorted(
        [
            ("PERSON", ids["new@example.com"], "CREATED", '["city", "email", "fullName", "lastName"]'),
            ("PERSON", ids["next@example.com"], "CREATED", '["email", "fullName", "lastName"]'),
            ("PERSON", existing, "UPDATED", '["email", "fullName", "lastName"]'),
        ]
    )
    assert len({e["key"] for e in entries}) == 3
    for _ in range(50):
        if await deps.outbox.pending() == 0:
            break
        await asyncio.sleep(0.1)
    assert await deps.outbox.pending() == 0


async def test_match_on_external_id_and_none(gql: Gql, admin_token: str, deps: Deps, worker: None) -> None:
    # given a file with external ids, imported twice by external id
    text = "externalId,externalIdSystem,lastName,email\nK1,crm,Kay,kay@example.com\nK2,,Lee,\nK1,crm,Kay2,\n"
    first = data(await gql(IMPORT, {"csv": text, "m": "EXTERNAL_ID"}, admin_token))["importContacts"]
    one = summary(await wait_job(gql, admin_token, first["id"]))
    second = data(await gql(IMPORT, {"csv": text, "m": "EXTERNAL_ID"}, admin_token))["importContacts"]
    two = summary(await wait_job(gql, admin_token, second["id"]))
    # then the first creates, the second updates, the duplicate key is rejected both times
    assert (one["created"], one["updated"], one["errors"]) == (2, 0, [(4, "duplicate of row 2 in this file")])
    assert (two["created"], two["updated"], two["errors"]) == (0, 2, [(4, "duplicate of row 2 in this file")])
    ids = await deps.db.read(
        "MATCH (x:ExternalId {label: 'Person'})-[:IDENTIFIES]->(p:Person) RETURN x.system AS s, x.value AS v, "
        "p.lastName AS name ORDER BY s, v"
    )
    assert ids == [{"s": "crm", "v": "K1", "name": "Kay"}, {"s": "import", "v": "K2", "name": "Lee"}]
    # when the same rows are imported with match NONE
    third = data(await gql(IMPORT, {"csv": text, "m": "NONE"}, admin_token))["importContacts"]
    three = summary(await wait_job(gql, admin_token, third["id"]))
    # then every row creates a person
    assert (three["created"], three["updated"], three["rejected"]) == (3, 0, 0)
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"] == 5


async def test_upload_endpoint_streams_a_file_and_answers_the_job(
    client: httpx.AsyncClient, gql: Gql, admin_token: str, deps: Deps, worker: None
) -> None:
    # given a file larger than the GraphQL body limit (1 MiB)
    city = "Castrop-Rauxel an der Emscher in Nordrhein-Westfalen"
    lines = ["firstName,lastName,email,city"] + [f"F{i},L{i},p{i}@example.com,{city}" for i in range(20_000)]
    body = ("\n".join(lines) + "\n").encode()
    assert len(body) > 1024 * 1024

    async def chunks() -> Any:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    # when it is posted without a token, as JSON, and then properly
    anonymous = await client.post("/imports/contacts", content=body, headers={"content-type": "text/csv"})
    auth = {"authorization": f"Bearer {admin_token}"}
    as_json = await client.post(
        "/imports/contacts", content=b"{}", headers={**auth, "content-type": "application/json"}
    )
    bad_match = await client.post(
        "/imports/contacts?match=phone", content=body, headers={**auth, "content-type": "text/csv"}
    )
    response = await client.post(
        "/imports/contacts?match=email", content=chunks(), headers={**auth, "content-type": "text/csv"}
    )
    # then only the last one is accepted, and its job imports every row
    assert (anonymous.status_code, anonymous.json()["errors"][0]["extensions"]["code"]) == (401, "UNAUTHENTICATED")
    assert as_json.status_code == 415
    assert (bad_match.status_code, bad_match.json()["errors"][0]["extensions"]["code"]) == (400, "BAD_USER_INPUT")
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["matchOn"], job["bytes"]) == ("PENDING", "EMAIL", len(body))
    done = summary(await wait_job(gql, admin_token, job["id"], timeout=120))
    assert {k: v for k, v in done.items() if k != "errors"} == {
        "status": "COMPLETED",
        "totalRows": 20_000,
        "processed": 20_000,
        "created": 20_000,
        "updated": 0,
        "rejected": 0,
    }
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"] == 20_000


async def test_import_contacts_refuses_more_than_10_mb_and_other_roles(
    gql: Gql, admin_token: str, make_user: Any, deps: Deps
) -> None:
    _, technician = await make_user("TECHNICIAN")
    refused = await gql(IMPORT, {"csv": "lastName\nX\n", "m": "EMAIL"}, technician)
    assert error_code(refused) == "FORBIDDEN"
    assert data(await gql('{ importJob(id: "imp_nothing") { id } }', token=admin_token)) == {"importJob": None}
    principal = await deps.auth.authenticate(f"Bearer {admin_token}")
    assert principal is not None
    with pytest.raises(BadInput) as refused_size:  # (over HTTP the body limit answers 413 first, see README)
        await imports.create_from_text(deps, principal, "lastName\n" + "x" * (10 * 1024 * 1024), "EMAIL")
    assert refused_size.value.message.startswith("csv is larger than 10485760 bytes")
    job = data(await gql(IMPORT, {"csv": "lastName\nX\n", "m": "NONE"}, admin_token))["importContacts"]
    found = data(
        await gql(
            "query($id: ID!) { node(id: $id) { ... on ImportJob { id status } } }", {"id": job["id"]}, admin_token
        )
    )
    assert found == {"node": {"id": job["id"], "status": "PENDING"}}


async def test_import_progress_reaches_a_subscriber_on_another_process(
    gql: Gql, admin_token: str, worker: None
) -> None:
    # given a job and a subscriber to its progress on another API process
    lines = ["lastName,email"] + [f"L{i},p{i}@example.com" for i in range(6_000)]
    job = data(await gql(IMPORT, {"csv": "\n".join(lines), "m": "EMAIL"}, admin_token))["importContacts"]
    query = "subscription($id: ID!) { importProgress(jobId: $id) { status processedCount createdCount } }"
    with api_process() as base:
        ws_url = base.replace("http", "ws") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin_token}"}})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"id": job["id"]}}}
                )
            )
            # when the worker runs it, then events arrive until the final one, and the stream completes
            events = []
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if message["type"] == "complete":
                    break
                assert message["type"] == "next", message
                events.append(message["payload"]["data"]["importProgress"])
    assert events[-1] == {"status": "COMPLETED", "processedCount": 6_000, "createdCount": 6_000}
    counts = [e["processedCount"] for e in events]
    assert counts == sorted(counts) and len(events) >= 2
