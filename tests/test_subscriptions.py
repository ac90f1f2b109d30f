"""Change events reach subscribers on any API process (graphql-transport-ws, Redis stream)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.conftest import PASSWORD, Gql, data
from tests.servers import api_process

SUBSCRIBE = "subscription { entityChanged(types: [COMPANY]) { type nodeId op fields } }"


async def _post(
    base: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base) as client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        return response.json()  # type: ignore[no-any-return]


async def test_entity_changed_reaches_a_subscriber_on_another_process(gql: Gql, admin: tuple[str, str]) -> None:
    _, token = admin
    with api_process() as first, api_process() as second:
        ws_url = first.replace("http", "ws") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]) as ws:
            # given a subscriber on the first process
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
            await asyncio.sleep(1.0)  # let the subscription register before events flow
            # when a company is created and a person too, through the second process
            created = await _post(second, 'mutation { createCompany(input: {name: "Evented"}) { id } }', token=token)
            await _post(second, 'mutation { createPerson(input: {lastName: "Not a company"}) { id } }', token=token)
            company_id = data(created)["createCompany"]["id"]
            # then the subscriber gets exactly the company event, as a text frame
            frame = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(frame, str)
            message = json.loads(frame)
            assert message == {
                "id": "1",
                "type": "next",
                "payload": {
                    "data": {
                        "entityChanged": {"type": "COMPANY", "nodeId": company_id, "op": "CREATED", "fields": ["name"]}
                    }
                },
            }
            # and the change feed replays it
            feed = data(await gql("{ changes(types: [COMPANY]) { edges { node { nodeId op } } } }", token=token))
            assert feed["changes"]["edges"] == [{"node": {"nodeId": company_id, "op": "CREATED"}}]


async def test_websocket_without_credentials_is_rejected(admin: tuple[str, str]) -> None:
    with api_process() as base:
        async with websockets.connect(
            base.replace("http", "ws") + "/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code == 4403
            else:
                raise AssertionError("connection was not closed")


async def test_sales_rep_may_not_follow_every_change(gql: Gql, make_user: Any) -> None:
    _, rep = await make_user("SALES_REP")
    result = await gql("{ changes { edges { cursor } } }", token=rep)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert PASSWORD


async def test_a_deactivated_subscriber_stops_receiving_events(
    gql: Gql, admin: tuple[str, str], make_user: Any
) -> None:
    _, admin_token = admin
    integration_id, integration_token = await make_user("INTEGRATION")
    with api_process({"CRM_SUBSCRIPTION_REAUTH_SECONDS": "0"}) as base:
        async with websockets.connect(
            base.replace("http", "ws") + "/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {integration_token}"}})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
            await asyncio.sleep(1.0)  # let the subscription register before events flow
            # given a first event delivered
            await _post(base, 'mutation { createCompany(input: {name: "Seen"}) { id } }', token=admin_token)
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert first["payload"]["data"]["entityChanged"]["op"] == "CREATED"
            # when the subscriber is deactivated, the next event ends the subscription with an error
            deactivate = "mutation($id: ID!) { updateUser(id: $id, input: {active: false}) { active } }"
            assert data(await gql(deactivate, {"id": integration_id}, admin_token))["updateUser"] == {"active": False}
            await asyncio.sleep(5.5)  # the API process caches a credential for 5 s at most
            await _post(base, 'mutation { createCompany(input: {name: "Unseen"}) { id } }', token=admin_token)
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["type"] == "next"
            assert message["payload"]["data"] is None
            assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"id": "1", "type": "complete"}


async def test_opportunity_changes_and_new_leads_reach_their_subscribers(gql: Gql, make_user: Any) -> None:
    rep_id, rep = await make_user("SALES_REP")
    created = await gql('mutation { createOpportunity(input: {name: "Deal", amount: "10"}) { id } }', token=rep)
    deal = data(created)["createOpportunity"]["id"]
    with api_process() as base:
        async with websockets.connect(
            base.replace("http", "ws") + "/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {rep}"}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            watch = "subscription($o: ID) { opportunityChanged(ownerId: $o) { op opportunityId previousStage opportunity { stage } } }"
            await ws.send(
                json.dumps({"id": "o", "type": "subscribe", "payload": {"query": watch, "variables": {"o": rep_id}}})
            )
            await ws.send(
                json.dumps(
                    {
                        "id": "l",
                        "type": "subscribe",
                        "payload": {"query": "subscription { leadCreated { lastName status } }"},
                    }
                )
            )
            await asyncio.sleep(1.0)  # let the subscription register before events flow
            # when the rep's deal moves on and a lead comes in
            await _post(
                base,
                "mutation($id: ID!) { updateOpportunity(id: $id, input: {stage: PROPOSAL}) { id } }",
                {"id": deal},
                rep,
            )
            await _post(base, 'mutation { createLead(input: {lastName: "Neu"}) { id } }', token=rep)
            received = {}
            for _ in range(2):
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                received[message["id"]] = message["payload"]["data"]
            # then each subscriber gets its event
            assert received == {
                "o": {
                    "opportunityChanged": {
                        "op": "UPDATED",
                        "opportunityId": deal,
                        "previousStage": "PROSPECTING",
                        "opportunity": {"stage": "PROPOSAL"},
                    }
                },
                "l": {"leadCreated": {"lastName": "Neu", "status": "NEW"}},
            }
