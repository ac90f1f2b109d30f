"""Shared setup of the mailing tests: a campaign, a segment of club members with their consents, a mailing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data

PERSON = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }"
RECORD = (
    "mutation($p: ID!, $pu: String!) { recordConsent(personId: $p, channel: EMAIL, purpose: $pu, "
    'evidence: "checkout") { status } }'
)
MAILING_FIELDS = "id status sentCount lastRunAt nextRunAt recurrence timezone sendAt consentPurpose"
CREATE_MAILING = "mutation($i: CreateMailingInput!) { createMailing(input: $i) { " + MAILING_FIELDS + " } }"
SEND = "mutation($id: ID!) { sendMailing(id: $id) { " + MAILING_FIELDS + " } }"
PAUSE = "mutation($id: ID!) { pauseMailing(id: $id) { " + MAILING_FIELDS + " } }"
MAILING = "query($id: ID!) { node(id: $id) { ... on Mailing { " + MAILING_FIELDS + " } } }"
BODY = '<p>Hello {{ person.firstName }}!</p><p><a href="https://shop.example/sale?x=1&amp;y=2">Sale</a></p>'


async def campaign(gql: Gql, token: str) -> str:
    result = await gql('mutation { createCampaign(input: {name: "Spring", channel: EMAIL}) { id } }', token=token)
    return str(data(result)["createCampaign"]["id"])


async def segment(gql: Gql, token: str, tag: str = "club") -> str:
    rule = {"condition": {"field": "TAGS", "op": "CONTAINS", "value": tag}}
    result = await gql(
        'mutation($r: SegmentRule!) { createSegment(name: "Club", rule: $r) { id } }', {"r": rule}, token
    )
    return str(data(result)["createSegment"]["id"])


async def member(
    gql: Gql, token: str, name: str, tags: list[str] | None = None, consent: str | None = "newsletter"
) -> str:
    fields = {
        "firstName": name,
        "lastName": "Member",
        "email": f"{name.lower()}@club.example",
        "tags": tags or ["club"],
    }
    person_id = str(data(await gql(PERSON, {"i": fields}, token))["createPerson"]["id"])
    if consent:
        data(await gql(RECORD, {"p": person_id, "pu": consent}, token))
    return person_id


async def mailing(gql: Gql, token: str, campaign_id: str, segment_id: str, **extra: Any) -> dict[str, Any]:
    fields = {
        "campaignId": campaign_id,
        "segmentId": segment_id,
        "subject": "Spring sale",
        "bodyTemplate": BODY,
        "fromAddress": "news@demo.crm",
        "consentPurpose": "newsletter",
        **extra,
    }
    return data(await gql(CREATE_MAILING, {"i": fields}, token))["createMailing"]  # type: ignore[no-any-return]


async def wait_status(gql: Gql, token: str, mailing_id: str, status: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = data(await gql(MAILING, {"id": mailing_id}, token))["node"]
        if found["status"] == status or time.monotonic() > deadline:
            assert found["status"] == status, found
            return found  # type: ignore[no-any-return]
        await asyncio.sleep(0.3)


async def deliveries(deps: Deps, mailing_id: str) -> list[dict[str, Any]]:
    return await deps.db.read(
        "MATCH (d:Delivery {mailingId: $id}) MATCH (p:Person {id: d.personId}) "
        "RETURN p.email AS email, d.status AS status, d.runId AS run ORDER BY email",
        {"id": mailing_id},
    )
