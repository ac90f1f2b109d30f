"""The public web-to-lead form: a lead per submission attributed to its campaign, honeypot, rate limit, opt-in."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Iterator

import httpx
import pytest
import websockets

from domain.deps import Deps
from tests.conftest import Gql, data
from tests.mail_sink import Sink, text_of, use_sink
from tests.servers import api_process

sink = pytest.fixture(name="sink")(use_sink)
LEADS = "{ leads { totalCount edges { node { firstName lastName email source status } } } }"
FEED = "{ changes(first: 100, types: [LEAD]) { edges { node { nodeId op fields } } } }"


@pytest.fixture
def strict_limit(deps: Deps) -> Iterator[None]:
    previous = deps.settings
    deps.settings = dataclasses.replace(previous, form_limit_per_client=3)
    yield
    deps.settings = previous


async def campaign(deps: Deps) -> str:
    await deps.db.write("CREATE (:Campaign:Entity {id: 'cpg_spring', name: 'Spring sale', createdAt: datetime()})")
    return "cpg_spring"


async def test_a_json_submission_creates_a_lead_of_the_campaign_and_its_event(
    client: httpx.AsyncClient, deps: Deps, gql: Gql, admin_token: str
) -> None:
    # given a campaign
    spring = await campaign(deps)
    # when a visitor submits the form
    body = {"firstName": "Vera", "lastName": "Visitor", "email": "vera@web.example", "campaignId": spring}
    response = await client.post("/forms/lead", json=body)
    # then a lead exists, attributed to the campaign, and its creation is in the change feed
    assert response.status_code == 200, response.text
    lead_id = response.json()["leadId"]
    assert response.json() == {"accepted": True, "leadId": lead_id}
    assert data(await gql(LEADS, token=admin_token))["leads"] == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "firstName": "Vera",
                    "lastName": "Visitor",
                    "email": "vera@web.example",
                    "source": "web form",
                    "status": "NEW",
                }
            }
        ],
    }
    linked = await deps.db.read("MATCH (l:Lead)-[:FROM_CAMPAIGN]->(c:Campaign) RETURN l.id AS lead, c.id AS campaign")
    assert linked == [{"lead": lead_id, "campaign": spring}]
    events = data(await gql(FEED, token=admin_token))["changes"]["edges"]
    assert [e["node"] for e in events] == [
        {"nodeId": lead_id, "op": "CREATED", "fields": ["campaignId", "email", "firstName", "lastName", "source"]}
    ]


async def test_a_form_encoded_newsletter_opt_in_starts_double_opt_in(
    client: httpx.AsyncClient, deps: Deps, gql: Gql, admin_token: str, sink: Sink
) -> None:
    form = {"lastName": "Reader", "firstName": "Rita", "email": "rita@web.example", "newsletter": "on"}
    response = await client.post("/forms/lead", data=form)
    assert response.status_code == 200, response.text
    people = data(
        await gql(
            "{ persons { edges { node { email source consents { channel purpose status } } } } }", token=admin_token
        )
    )
    assert people["persons"]["edges"] == [
        {
            "node": {
                "email": "rita@web.example",
                "source": "web form",
                "consents": [{"channel": "EMAIL", "purpose": "newsletter", "status": "PENDING"}],
            }
        }
    ]
    (mail,) = sink.to("rita@web.example")
    assert "/consent/confirm?token=" in text_of(mail)
    # a second opt-in with the same address reuses the person
    assert (await client.post("/forms/lead", data=form)).status_code == 200
    assert data(await gql("{ persons { totalCount } }", token=admin_token))["persons"]["totalCount"] == 1
    assert len(sink.to("rita@web.example")) == 2


async def test_the_honeypot_is_accepted_and_writes_nothing(client: httpx.AsyncClient, deps: Deps, sink: Sink) -> None:
    body = {"lastName": "Bot", "email": "bot@spam.example", "website": "http://spam.example", "newsletter": True}
    response = await client.post("/forms/lead", json=body)
    assert (response.status_code, response.json()) == (200, {"accepted": True})
    assert await deps.db.read("MATCH (n) WHERE n:Lead OR n:Person OR n:Consent RETURN n") == []
    assert sink.messages == []


async def test_submissions_per_client_are_limited(client: httpx.AsyncClient, deps: Deps, strict_limit: None) -> None:
    codes = [(await client.post("/forms/lead", json={"lastName": f"L{i}"})).status_code for i in range(3)]
    assert codes == [200, 200, 200]
    refused = await client.post("/forms/lead", json={"lastName": "L4"})
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert len(await deps.db.read("MATCH (l:Lead) RETURN l")) == 3


async def test_bad_submissions_write_nothing(client: httpx.AsyncClient, deps: Deps) -> None:
    unknown = await client.post("/forms/lead", json={"lastName": "X", "campaignId": "cpg_nope"})
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "campaignId"}
    assert (await client.post("/forms/lead", json={"firstName": "no last name"})).status_code == 400
    assert (await client.post("/forms/lead", json={"lastName": "X", "email": "nope"})).status_code == 400
    assert (await client.post("/forms/lead", json={"lastName": "X", "newsletter": True})).status_code == 400
    assert (
        await client.post("/forms/lead", content=b"{not json", headers={"content-type": "application/json"})
    ).status_code == 400
    assert (await client.post("/forms/lead", content=b"<x/>", headers={"content-type": "text/xml"})).status_code == 400
    assert await deps.db.read("MATCH (n) WHERE n:Lead OR n:Person RETURN n") == []


async def test_a_form_lead_reaches_the_subscribers_of_its_campaign(deps: Deps, admin_token: str) -> None:
    spring = await campaign(deps)
    with api_process() as base:
        async with websockets.connect(
            base.replace("http", "ws") + "/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin_token}"}})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            query = "subscription($c: ID) { leadCreated(campaignId: $c) { lastName source } }"
            await ws.send(
                json.dumps({"id": "l", "type": "subscribe", "payload": {"query": query, "variables": {"c": spring}}})
            )
            await asyncio.sleep(1.0)  # let the subscription register before events flow
            async with httpx.AsyncClient(base_url=base) as web:
                assert (await web.post("/forms/lead", json={"lastName": "Elsewhere"})).status_code == 200
                assert (
                    await web.post("/forms/lead", data={"lastName": "Spring", "campaignId": spring})
                ).status_code == 200
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["payload"]["data"] == {"leadCreated": {"lastName": "Spring", "source": "web form"}}
