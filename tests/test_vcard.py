"""vCard 4.0: a person as a card (GET /persons/{id}.vcf), cards read back, and POST /imports/vcard creating or
updating persons matched by normalised e-mail, all or nothing."""

from __future__ import annotations

from typing import Any

import httpx

from domain.deps import Deps
from integrations.office import vcard
from tests.conftest import Gql, data

PERSON = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }"
READ = "query($id: ID!) { person(id: $id) { firstName lastName email phones jobTitle city country tags source } }"


def bearer(token: str, media: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if media:
        headers["content-type"] = media
    return headers


def test_cards_escape_fold_and_read_back() -> None:
    # given a person whose texts need escaping and a name longer than a line
    row = {
        "id": "per_0123456789abcdef0123456789abcdef",
        "firstName": 'Zoë; "Z"',
        "lastName": "Müller-Lüdenscheidt, von Überlängenname der Gebrüder Käsekuchenbäckerei zu Straße",
        "fullName": None,
        "email": "zoe@example.test",
        "phones": ["+49301234567", "+4915112345678"],
        "jobTitle": "Head of\nEverything",
        "company": "Acme, Inc.",
        "city": "Berlin",
        "country": "DE",
        "tags": ["vip", "a,b"],
        "location": {"lat": 52.52, "lon": 13.405},
        "updatedAt": 1893456000000,
    }
    text = vcard.write(row)
    # then every line is CRLF-terminated and at most 75 octets
    lines = text.split("\r\n")
    assert lines[:3] == ["BEGIN:VCARD", "VERSION:4.0", "UID:urn:uuid:01234567-89ab-cdef-0123-456789abcdef"]
    assert lines[-1] == "" and lines[-2] == "END:VCARD"
    assert max(len(line.encode()) for line in lines) <= 75
    assert "REV:20300101T000000Z" in lines and "GEO:geo:52.520000,13.405000" in lines
    # and it reads back as written
    [card] = vcard.parse(text)
    assert (card.first_name, card.last_name) == (row["firstName"], row["lastName"])
    assert card.emails == ["zoe@example.test"] and card.phones == row["phones"]
    assert (card.organisation, card.job_title, card.city, card.country) == (
        "Acme, Inc.",
        "Head of\nEverything",
        "Berlin",
        "DE",
    )
    assert card.tags == ["vip", "a,b"]


def test_cards_of_outlook_and_older_versions_are_read() -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;John;;Dr.;\r\nFN:Dr. John Smith\r\n"
        "item1.EMAIL;TYPE=INTERNET:john@home.test\r\nEMAIL;TYPE=INTERNET,PREF:John@Work.test\r\n"
        "TEL;TYPE=WORK,VOICE:+1 (212) 555-0100\r\nORG:Acme;Sales\r\nADR;TYPE=WORK:;;1 Main St;New Yo\r\n rk;NY;10001;USA\r\n"
        "END:VCARD\r\nBEGIN:VCARD\nVERSION:2.1\nN:Doe;Jane\nTEL;WORK;VOICE:030 1234567\nEND:VCARD\n"
    )
    first, second = vcard.parse(text)
    assert (first.last_name, first.first_name, first.emails) == ("Smith", "John", ["John@Work.test", "john@home.test"])
    assert (first.organisation, first.city, first.country, first.phones) == (
        "Acme",
        "New York",
        "USA",
        ["+1 (212) 555-0100"],
    )
    assert (second.last_name, second.first_name, second.phones) == ("Doe", "Jane", ["030 1234567"])


async def test_a_person_round_trips_through_its_vcard(
    gql: Gql, deps: Deps, admin_token: str, client: httpx.AsyncClient
) -> None:
    # given a person exported as a vCard
    fields = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.test", "phones": ["+49 30 1234567"],
              "jobTitle": "Analyst", "city": "London", "country": "GB", "tags": ["vip"]}  # fmt: skip
    ada = str(data(await gql(PERSON, {"i": fields}, admin_token))["createPerson"]["id"])
    response = await client.get(f"/persons/{ada}.vcf", headers=bearer(admin_token))
    assert response.status_code == 200 and response.headers["content-type"] == "text/vcard; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{ada}.vcf"'
    # when Outlook sends it back with a new title and the address in other case, plus a new contact
    edited = response.text.replace("TITLE:Analyst", "TITLE:Countess").replace("ada@example.test", " ADA@Example.TEST")
    new = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Charles Babbage\r\nEMAIL:charles@example.test\r\nEND:VCARD\r\n"
    result = await client.post("/imports/vcard", content=edited + new, headers=bearer(admin_token, "text/vcard"))
    # then Ada is updated (matched by normalised e-mail) and Charles created
    assert result.status_code == 200, result.text
    body = result.json()
    assert (body["created"], body["updated"]) == (1, 1)
    assert body["persons"][0] == {"id": ada, "action": "UPDATED"}
    read = data(await gql(READ, {"id": ada}, admin_token))["person"]
    assert read == {**fields, "phones": ["+49301234567"], "jobTitle": "Countess", "email": "ADA@Example.TEST",
                    "source": None}  # fmt: skip
    charles = data(await gql(READ, {"id": body["persons"][1]["id"]}, admin_token))["person"]
    assert (charles["firstName"], charles["lastName"], charles["source"]) == ("Charles", "Babbage", "vcard")
    count = await deps.db.read("MATCH (p:Person) RETURN count(p) AS n")
    assert count[0]["n"] == 2


async def test_a_bad_card_imports_nothing_and_writers_only(
    gql: Gql, deps: Deps, admin_token: str, client: httpx.AsyncClient, make_user: Any
) -> None:
    good = "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Good;Gina;;;\r\nEND:VCARD\r\n"
    bad = "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Bad;Ben;;;\r\nTEL:not a number\r\nEND:VCARD\r\n"
    response = await client.post("/imports/vcard", content=good + bad, headers=bearer(admin_token, "text/vcard"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "row": 1, "field": "phones"}
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"] == 0
    nameless = "BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:x@y.test\r\nEND:VCARD\r\n"
    refused = await client.post("/imports/vcard", content=nameless, headers=bearer(admin_token, "text/vcard"))
    assert refused.status_code == 400 and refused.json()["errors"][0]["extensions"]["row"] == 0
    garbage = await client.post("/imports/vcard", content="hello", headers=bearer(admin_token, "text/vcard"))
    assert garbage.status_code == 400
    wrong_type = await client.post("/imports/vcard", content=good, headers=bearer(admin_token, "application/json"))
    assert wrong_type.status_code == 415
    _, tech = await make_user("TECHNICIAN")
    forbidden = await client.post("/imports/vcard", content=good, headers=bearer(tech, "text/vcard"))
    assert forbidden.status_code == 403
    assert (
        await client.post("/imports/vcard", content=good, headers={"content-type": "text/vcard"})
    ).status_code == 401
    assert (await deps.db.read("MATCH (p:Person) RETURN count(p) AS n"))[0]["n"] == 0
