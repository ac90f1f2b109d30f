"""[b2c] Campaigns: create, status flow, pages, stats computed from leads, opportunities, deliveries and events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import websockets

from domain.deps import Deps
from graph.compiler.roots import RECENT
from tests.b2c_helpers import create_campaign, create_person, feed
from tests.conftest import Gql, data, error_code
from tests.servers import api_process
from tests.test_subscriptions import _post

MakeUser = Callable[..., Awaitable[tuple[str, str]]]
READ = """query($id: ID!) { campaign(id: $id) { id name channel status budget currency startsAt endsAt
  stats { leads opportunities currency wonRevenue sent delivered opened clicked bounced unsubscribed participants } } }"""


async def test_a_campaign_is_created_planned_and_read_back(gql: Gql, admin_token: str) -> None:
    # given / when
    campaign_id = await create_campaign(
        gql, admin_token, budget="2500.50", currency="usd", startsAt="2030-03-01T09:00:00+01:00",
        endsAt="2030-03-31T18:00:00Z",
    )  # fmt: skip
    # then
    found = data(await gql(READ, {"id": campaign_id}, admin_token))["campaign"]
    assert campaign_id.startswith("cpg_")
    assert found == {
        "id": campaign_id,
        "name": "Spring sale",
        "channel": "EMAIL",
        "status": "PLANNED",
        "budget": "2500.50",
        "currency": "USD",
        "startsAt": "2030-03-01T08:00:00+00:00",
        "endsAt": "2030-03-31T18:00:00+00:00",
        "stats": {
            "leads": 0, "opportunities": 0, "currency": "USD", "wonRevenue": "0.00", "sent": 0, "delivered": 0,
            "opened": 0, "clicked": 0, "bounced": 0, "unsubscribed": 0, "participants": 0,
        },
    }  # fmt: skip
    node = data(
        await gql("query($id: ID!) { node(id: $id) { ... on Campaign { name } } }", {"id": campaign_id}, admin_token)
    )
    assert node == {"node": {"name": "Spring sale"}}
    assert await feed(gql, admin_token, "CAMPAIGN") == [("CAMPAIGN", campaign_id, "CREATED")]


async def test_bad_campaign_input_is_refused_naming_the_field(gql: Gql, admin_token: str) -> None:
    mutation = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }"
    cases = [
        ({"name": " ", "channel": "EMAIL"}, "name"),
        ({"name": "x", "channel": "EMAIL", "budget": "1.234"}, "budget"),
        ({"name": "x", "channel": "EMAIL", "currency": "EURO"}, "currency"),
        (
            {"name": "x", "channel": "EMAIL", "startsAt": "2030-02-01T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z"},
            "endsAt",
        ),
    ]
    for payload, field in cases:
        result = await gql(mutation, {"i": payload}, admin_token)
        assert error_code(result) == "BAD_USER_INPUT"
        assert result["errors"][0]["extensions"]["field"] == field
    assert data(await gql("{ campaigns { totalCount } }", token=admin_token)) == {"campaigns": {"totalCount": 0}}


async def test_status_moves_only_along_the_flow(gql: Gql, admin_token: str) -> None:
    # given
    campaign_id = await create_campaign(gql, admin_token)
    update = "mutation($id: ID!, $i: UpdateCampaignInput!) { updateCampaign(id: $id, input: $i) { status name } }"
    # when / then: PLANNED -> COMPLETED skips ACTIVE
    result = await gql(update, {"id": campaign_id, "i": {"status": "COMPLETED"}}, admin_token)
    assert error_code(result) == "CONFLICT"
    assert result["errors"][0]["message"] == "a campaign cannot go from PLANNED to COMPLETED"
    active = await gql(update, {"id": campaign_id, "i": {"status": "ACTIVE", "name": "Summer"}}, admin_token)
    assert data(active) == {"updateCampaign": {"status": "ACTIVE", "name": "Summer"}}
    # the same status again is no step
    assert (
        data(await gql(update, {"id": campaign_id, "i": {"status": "ACTIVE"}}, admin_token))["updateCampaign"]["status"]
        == "ACTIVE"
    )
    done = await gql(update, {"id": campaign_id, "i": {"status": "COMPLETED"}}, admin_token)
    assert data(done)["updateCampaign"]["status"] == "COMPLETED"
    again = await gql(update, {"id": campaign_id, "i": {"status": "ACTIVE", "name": "Never"}}, admin_token)
    assert error_code(again) == "CONFLICT"
    # a failed update writes nothing
    found = data(await gql("query($id: ID!) { campaign(id: $id) { name status } }", {"id": campaign_id}, admin_token))
    assert found == {"campaign": {"name": "Summer", "status": "COMPLETED"}}
    missing = await gql(update, {"id": "cpg_missing", "i": {"name": "x"}}, admin_token)
    assert error_code(missing) == "NOT_FOUND"


async def test_campaign_pages_are_keyset_newest_first_with_status_filter(gql: Gql, admin_token: str) -> None:
    # given
    ids = [await create_campaign(gql, admin_token, name=f"C{i}") for i in range(5)]
    update = "mutation($id: ID!) { updateCampaign(id: $id, input: {status: ACTIVE}) { id } }"
    for campaign_id in ids[:2]:
        data(await gql(update, {"id": campaign_id}, admin_token))
    page = "query($a: String, $s: CampaignStatus) { campaigns(first: 2, after: $a, status: $s) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"
    # when
    first = data(await gql(page, {}, admin_token))["campaigns"]
    second = data(await gql(page, {"a": first["pageInfo"]["endCursor"]}, admin_token))["campaigns"]
    active = data(await gql(page, {"s": "ACTIVE"}, admin_token))["campaigns"]
    # then
    assert [e["node"]["name"] for e in first["edges"]] == ["C4", "C3"] and first["totalCount"] == 5
    assert [e["node"]["name"] for e in second["edges"]] == ["C2", "C1"] and second["pageInfo"]["hasNextPage"]
    assert [e["node"]["name"] for e in active["edges"]] == ["C1", "C0"] and active["totalCount"] == 2


async def test_leads_and_opportunities_come_from_a_campaign(gql: Gql, admin_token: str, deps: Deps) -> None:
    # given
    campaign_id = await create_campaign(gql, admin_token, currency="EUR")
    other_id = await create_campaign(gql, admin_token, name="Other")
    lead = """mutation($c: ID) { createLead(input: {lastName: "Lee", campaignId: $c}) { id campaign { id name } } }"""
    opp = """mutation($c: ID, $a: Decimal!, $cur: String!, $s: OpportunityStage!) {
      createOpportunity(input: {name: "Deal", amount: $a, currency: $cur, stage: $s, campaignId: $c}) { id campaign { id } } }"""
    # when
    first = data(await gql(lead, {"c": campaign_id}, admin_token))["createLead"]
    second = data(await gql(lead, {"c": campaign_id}, admin_token))["createLead"]
    data(await gql(lead, {"c": other_id}, admin_token))
    data(await gql(lead, {}, admin_token))
    for amount, currency, stage in [
        ("1000.10", "EUR", "CLOSED_WON"), ("250.25", "EUR", "CLOSED_WON"), ("999", "USD", "CLOSED_WON"),
        ("5000", "EUR", "PROPOSAL"),
    ]:  # fmt: skip
        made = data(await gql(opp, {"c": campaign_id, "a": amount, "cur": currency, "s": stage}, admin_token))
        assert made["createOpportunity"]["campaign"] == {"id": campaign_id}
    # then
    assert first["campaign"] == {"id": campaign_id, "name": "Spring sale"}
    stats = data(
        await gql("query($id: ID!) { campaign(id: $id) { stats { leads opportunities wonRevenue currency } } }",
                  {"id": campaign_id}, admin_token)
    )["campaign"]["stats"]  # fmt: skip
    assert stats == {"leads": 2, "opportunities": 4, "wonRevenue": "1250.35", "currency": "EUR"}
    leads = "query($c: ID) { leads(filter: {campaignId: $c}) { totalCount edges { node { id } } } }"
    found = data(await gql(leads, {"c": campaign_id}, admin_token))["leads"]
    assert found["totalCount"] == 2 and {e["node"]["id"] for e in found["edges"]} == {first["id"], second["id"]}
    # moving a lead to another campaign, and to none
    update = "mutation($id: ID!, $c: ID) { updateLead(id: $id, input: {campaignId: $c}) { campaign { id } } }"
    assert data(await gql(update, {"id": first["id"], "c": other_id}, admin_token)) == {
        "updateLead": {"campaign": {"id": other_id}}
    }
    assert data(await gql(update, {"id": second["id"], "c": None}, admin_token)) == {"updateLead": {"campaign": None}}
    assert data(await gql(leads, {"c": campaign_id}, admin_token))["leads"]["totalCount"] == 0
    assert data(await gql(leads, {"c": other_id}, admin_token))["leads"]["totalCount"] == 2


async def test_an_unknown_campaign_is_not_found_and_nothing_is_written(gql: Gql, admin_token: str) -> None:
    lead = await gql(
        'mutation { createLead(input: {lastName: "Lee", campaignId: "cpg_nope"}) { id } }', token=admin_token
    )
    assert error_code(lead) == "NOT_FOUND" and lead["errors"][0]["extensions"]["field"] == "campaignId"
    opp = await gql(
        'mutation { createOpportunity(input: {name: "D", amount: "1", campaignId: "cpg_nope"}) { id } }',
        token=admin_token,
    )
    assert error_code(opp) == "NOT_FOUND"
    counts = data(await gql("{ leads { totalCount } opportunities { totalCount } }", token=admin_token))
    assert counts == {"leads": {"totalCount": 0}, "opportunities": {"totalCount": 0}}


async def test_delivery_and_participant_stats(gql: Gql, admin_token: str, deps: Deps) -> None:
    # given: deliveries as the mailer writes them, and participants of two events of the campaign
    campaign_id = await create_campaign(gql, admin_token)
    rows = [
        {"status": "SENT", "openedAt": True, "clickedAt": True, "unsubscribedAt": False},
        {"status": "SENT", "openedAt": True, "clickedAt": False, "unsubscribedAt": True},
        {"status": "SENT", "openedAt": False, "clickedAt": False, "unsubscribedAt": False},
        {"status": "BOUNCED", "openedAt": False, "clickedAt": False, "unsubscribedAt": False},
        {"status": "SKIPPED", "openedAt": False, "clickedAt": False, "unsubscribedAt": False},
        {"status": "SENDING", "openedAt": False, "clickedAt": False, "unsubscribedAt": False},
    ]
    await deps.db.write(
        "UNWIND range(0, size($rows) - 1) AS i WITH i, $rows[i] AS r "
        "CREATE (:Delivery {key: 'run|' + i, campaignId: $c, status: r.status, "
        "openedAt: CASE WHEN r.openedAt THEN datetime() END, clickedAt: CASE WHEN r.clickedAt THEN datetime() END, "
        "unsubscribedAt: CASE WHEN r.unsubscribedAt THEN datetime() END})",
        {"rows": rows, "c": campaign_id},
    )
    await deps.db.write("CREATE (:Delivery {key: 'x|1', campaignId: 'cpg_other', status: 'SENT'})")
    people = [await create_person(gql, admin_token, f"P{i}") for i in range(4)]
    event = 'mutation($c: ID) { createEvent(input: {name: "Fair", startsAt: "2030-05-01T10:00:00Z", campaignId: $c}) { id } }'
    fair = data(await gql(event, {"c": campaign_id}, admin_token))["createEvent"]["id"]
    dinner = data(await gql(event, {"c": campaign_id}, admin_token))["createEvent"]["id"]
    register = "mutation($e: ID!, $p: ID!, $s: ParticipationStatus!) { registerParticipant(eventId: $e, personId: $p, status: $s) { id } }"
    for event_id, person, status in [
        (fair, people[0], "REGISTERED"), (fair, people[1], "ATTENDED"), (dinner, people[0], "ATTENDED"),
        (dinner, people[2], "REGISTERED"), (dinner, people[3], "REGISTERED"),
    ]:  # fmt: skip
        data(await gql(register, {"e": event_id, "p": person, "s": status}, admin_token))
    data(await gql(register, {"e": dinner, "p": people[3], "s": "CANCELLED"}, admin_token))
    # when
    found = data(await gql(READ, {"id": campaign_id}, admin_token))["campaign"]["stats"]
    # then
    assert found == {
        "leads": 0, "opportunities": 0, "currency": "EUR", "wonRevenue": "0.00", "sent": 4, "delivered": 3,
        "opened": 2, "clicked": 1, "bounced": 1, "unsubscribed": 1, "participants": 3,
    }  # fmt: skip


async def test_stats_are_computed_only_when_selected(gql: Gql, admin_token: str) -> None:
    campaign_id = await create_campaign(gql, admin_token)
    data(await gql("query($id: ID!) { campaign(id: $id) { name } }", {"id": campaign_id}, admin_token))
    assert RECENT[-1][0] == "MATCH (n:Campaign {id: $id}) RETURN {name: n.name} AS node"
    data(await gql("query($id: ID!) { campaign(id: $id) { stats { sent } } }", {"id": campaign_id}, admin_token))
    assert "Delivery" in RECENT[-1][0] and "FROM_CAMPAIGN" not in RECENT[-1][0]


async def test_only_marketers_write_campaigns(gql: Gql, make_user: MakeUser) -> None:
    _, rep = await make_user("SALES_REP")
    _, marketing = await make_user("MARKETING")
    assert (
        error_code(await gql('mutation { createCampaign(input: {name: "x", channel: SMS}) { id } }', token=rep))
        == "FORBIDDEN"
    )
    made = await gql('mutation { createCampaign(input: {name: "x", channel: SMS}) { channel } }', token=marketing)
    assert data(made) == {"createCampaign": {"channel": "SMS"}}
    assert data(await gql("{ campaigns { totalCount } }", token=rep)) == {"campaigns": {"totalCount": 1}}


async def test_lead_created_follows_one_campaign(gql: Gql, admin_token: str) -> None:
    # given
    campaign_id = await create_campaign(gql, admin_token)
    with api_process() as base:
        async with websockets.connect(
            base.replace("http", "ws") + "/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin_token}"}})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            watch = "subscription($c: ID) { leadCreated(campaignId: $c) { lastName campaign { id } } }"
            payload = {"query": watch, "variables": {"c": campaign_id}}
            await ws.send(json.dumps({"id": "l", "type": "subscribe", "payload": payload}))
            await asyncio.sleep(1.0)  # let the subscription register before events flow
            # when a lead of no campaign, then one of the campaign come in
            create = "mutation($c: ID, $n: String!) { createLead(input: {lastName: $n, campaignId: $c}) { id } }"
            await _post(base, create, {"n": "Other"}, admin_token)
            await _post(base, create, {"n": "Ours", "c": campaign_id}, admin_token)
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            # then only the campaign's lead arrives
            assert message["payload"]["data"] == {"leadCreated": {"lastName": "Ours", "campaign": {"id": campaign_id}}}
