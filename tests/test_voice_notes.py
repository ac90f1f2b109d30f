"""[field] Voice notes: an espeak-ng recording is transcribed by the real engine on a real worker and found by search."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
from pathlib import Path

import httpx

from domain import documents
from domain.deps import Deps
from tests.conftest import Gql, data

NOTE = "please call the customer back on monday"


def speak(text: str, path: Path) -> bytes:
    """A WAV of the text from espeak-ng (Debian); this voice and rate are recognised word for word by the English
    model the pocketsphinx wheel ships."""
    subprocess.run(["espeak-ng", "-v", "en-us+f2", "-s", "140", "-w", str(path), text], check=True)
    return path.read_bytes()


async def _upload(client: httpx.AsyncClient, token: str, name: str, content: bytes) -> dict[str, str]:
    response = await client.post(
        "/documents", files={"file": (name, content, "audio/wav")}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def _wait_for(gql: Gql, token: str, doc_id: str, seconds: float = 120) -> dict[str, str]:
    query = "query($d: ID!) { document(id: $d) { transcriptStatus transcript } }"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        doc = data(await gql(query, {"d": doc_id}, token))["document"]
        if doc["transcriptStatus"] != "PENDING" or loop.time() > deadline:
            return doc  # type: ignore[no-any-return]
        await asyncio.sleep(0.5)


async def test_voice_note_is_transcribed_fills_the_activity_body_and_is_found_by_search(
    client: httpx.AsyncClient, gql: Gql, admin_token: str, worker: None, tmp_path: Path
) -> None:
    # given a company and a voice note recorded at the door, logged as a note without a body
    company = data(await gql('mutation { createCompany(input: {name: "Bäckerei Korn"}) { id } }', token=admin_token))
    company_id = company["createCompany"]["id"]
    wav = speak(NOTE, tmp_path / "note.wav")
    uploaded = await _upload(client, admin_token, "note.wav", wav)
    broken = await _upload(client, admin_token, "broken.ogg", b"OggS" + os.urandom(4000))
    assert (uploaded["contentType"], uploaded["transcriptStatus"]) == ("audio/wav", "PENDING")
    logged = await gql(
        'mutation($c: ID!, $d: [ID!]) { logActivity(input: {type: NOTE, subject: "Voice note", companyId: $c, '
        "documentIds: $d}) { id body documents { id } } }",
        {"c": company_id, "d": [uploaded["id"]]},
        admin_token,
    )
    activity = data(logged)["logActivity"]
    assert activity["documents"] == [{"id": uploaded["id"]}]
    # when the worker has transcribed it with PocketSphinx
    doc = await _wait_for(gql, admin_token, uploaded["id"])
    failed = await _wait_for(gql, admin_token, broken["id"])
    # then the transcript holds the words, the note's body is filled and search finds the document
    assert doc["transcriptStatus"] == "DONE"
    assert {"call", "customer", "back", "monday"} <= set(doc["transcript"].split())
    assert failed == {"transcriptStatus": "FAILED", "transcript": None}
    body = await gql("query($a: ID!) { node(id: $a) { ... on Activity { body } } }", {"a": activity["id"]}, admin_token)
    assert data(body)["node"]["body"] == doc["transcript"]
    hits = await gql(
        '{ search(text: "customer monday") { __typename ... on Document { id transcript } } }', token=admin_token
    )
    assert data(hits)["search"] == [{"__typename": "Document", "id": uploaded["id"], "transcript": doc["transcript"]}]
    for doc_id in (uploaded["id"], broken["id"]):
        await gql("mutation($d: ID!) { deleteDocument(id: $d) }", {"d": doc_id}, admin_token)


async def test_without_an_engine_audio_is_kept_and_not_transcribed(
    client: httpx.AsyncClient, gql: Gql, deps: Deps, admin_token: str, tmp_path: Path
) -> None:
    settings = deps.settings
    deps.settings = dataclasses.replace(settings, speech_engine="none")
    try:
        wav = speak("see you tomorrow", tmp_path / "short.wav")
        uploaded = await _upload(client, admin_token, "short.wav", wav)
    finally:
        deps.settings = settings
    assert uploaded["transcriptStatus"] == "NONE"
    got = await client.get(uploaded["downloadPath"], headers={"Authorization": f"Bearer {admin_token}"})
    assert (got.status_code, got.content, got.headers["content-type"]) == (200, wav, "audio/wav")
    await gql("mutation($d: ID!) { deleteDocument(id: $d) }", {"d": uploaded["id"]}, admin_token)


async def test_notes_left_pending_are_found_for_the_requeue_backstop(deps: Deps, admin: tuple[str, str]) -> None:
    # given a voice note whose task was never queued (uploaded 5 minutes ago) and one just uploaded
    await deps.db.write(
        "MATCH (u:User {id: $u}) UNWIND [['doc_old', 300], ['doc_new', 0]] AS row "
        "CREATE (d:Document:Entity {id: row[0], transcriptStatus: 'PENDING', "
        "uploadedAt: datetime() - duration({seconds: row[1]})})-[:UPLOADED_BY]->(u)",
        {"u": admin[0]},
    )
    # then only the old one is requeued
    assert await documents.stale_pending(deps, older_than_seconds=120) == ["doc_old"]


async def test_erasure_clears_or_scrubs_the_transcripts_of_notes_about_the_person(
    gql: Gql, deps: Deps, admin: tuple[str, str]
) -> None:
    # given two transcribed voice notes: one on a call about Eva alone, one on a meeting with Eva and Jan
    admin_id, token = admin
    eva = data(
        await gql('mutation { createPerson(input: {firstName: "Eva", lastName: "Berger"}) { id } }', token=token)
    )
    jan = data(await gql('mutation { createPerson(input: {firstName: "Jan", lastName: "Ott"}) { id } }', token=token))
    eva_id, jan_id = eva["createPerson"]["id"], jan["createPerson"]["id"]
    await deps.db.write(
        "MATCH (u:User {id: $u}) UNWIND $notes AS note "
        "CREATE (d:Document:Entity {id: note[0], transcriptStatus: 'DONE', transcript: note[1], "
        "uploadedAt: datetime()})-[:UPLOADED_BY]->(u)",
        {
            "u": admin_id,
            "notes": [["doc_alone", "eva berger wants a call"], ["doc_shared", "jan and eva berger agreed"]],
        },
    )
    log = 'mutation($p: [ID!], $d: [ID!]) { logActivity(input: {type: NOTE, subject: "Note", personIds: $p, documentIds: $d}) { id } }'
    data(await gql(log, {"p": [eva_id], "d": ["doc_alone"]}, token))
    data(await gql(log, {"p": [eva_id, jan_id], "d": ["doc_shared"]}, token))
    # when Eva is erased
    data(await gql("mutation($id: ID!) { erasePerson(id: $id) }", {"id": eva_id}, token))
    # then her own note's transcript is gone and the shared one no longer names her
    rows = await deps.db.read("MATCH (d:Document) RETURN d.id AS id, d.transcript AS transcript ORDER BY d.id")
    assert rows == [
        {"id": "doc_alone", "transcript": None},
        {"id": "doc_shared", "transcript": "jan and erased person agreed"},
    ]
