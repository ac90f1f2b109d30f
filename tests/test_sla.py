"""SLA: tickets past due and not RESOLVED/CLOSED are flagged once (also by parallel checks and by
the Celery task crm.tickets.sla), with an activity for the assignee or the dispatchers; ticketChanged
reaches subscribers on other API processes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from domain import sla
from domain.deps import Deps
from domain.seed import add_user
from tests.conftest import PASSWORD, Gql, data
from tests.servers import api_process
from tests.service_scenario import ASSIGN, BERLIN, at, company, iso, slot, technician, ticket

PAST = "2026-01-05T09:00:00Z"
FLAGGED = "query($id: ID!) { ticket(id: $id) { slaBreached } }"
TASKS = """
MATCH (a:Activity {type: 'TASK'})-[:ABOUT]->(t:Ticket)
RETURN t.subject AS ticket, a.subject AS subject, COLLECT { MATCH (a)-[:FOR_USER]->(u:User) RETURN u.name ORDER BY u.name } AS owners
ORDER BY ticket
"""


async def _scenario(gql: Gql, deps: Deps, token: str) -> dict[str, str]:
    acme = await company(gql, token, "Acme", BERLIN)
    await add_user(deps, "dispatch@crm.test", "Dispatcher", "SERVICE_AGENT", PASSWORD)
    anna = await technician(deps, gql, token, "Anna", BERLIN, {}, [slot(0, 8, 16)])
    ids = {
        "assigned": await ticket(gql, token, subject="Assigned late", companyId=acme, dueAt=PAST),
        "open": await ticket(gql, token, subject="Open late", companyId=acme, dueAt=PAST),
        "future": await ticket(gql, token, subject="Not due", companyId=acme, dueAt=iso(at(5, 0))),
        "none": await ticket(gql, token, subject="No due", companyId=acme),
        "resolved": await ticket(gql, token, subject="Resolved late", companyId=acme, dueAt=PAST),
        "acme": acme,
        "anna": anna,
    }
    data(await gql(ASSIGN, {"t": ids["assigned"], "u": anna, "s": iso(at(0, 8))}, token))
    data(await gql(ASSIGN, {"t": ids["resolved"], "u": anna, "s": iso(at(0, 10))}, token))
    status = "mutation($t: ID!, $s: TicketStatus!) { updateTicketStatus(ticketId: $t, status: $s) { status } }"
    for step in ("IN_PROGRESS", "RESOLVED"):
        data(await gql(status, {"t": ids["resolved"], "s": step}, token))
    return ids


async def test_sla_flags_each_late_ticket_once_with_an_activity_for_its_owner(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    ids = await _scenario(gql, deps, admin_token)
    # when the check runs twice, then two tickets are flagged the first time and none the second
    assert await sla.run(deps) == 2
    assert await sla.run(deps) == 0
    flags = {
        k: data(await gql(FLAGGED, {"id": ids[k]}, admin_token))["ticket"]["slaBreached"]
        for k in ids
        if k not in ("acme", "anna")
    }
    assert flags == {"assigned": True, "open": True, "future": False, "none": False, "resolved": False}
    # and the activity is for the assignee, or for the dispatchers when unassigned
    assert await deps.db.read(TASKS) == [
        {"ticket": "Assigned late", "subject": "SLA breached: Assigned late", "owners": ["Anna"]},
        {"ticket": "Open late", "subject": "SLA breached: Open late", "owners": ["Dispatcher"]},
    ]
    # on the company's timeline
    timeline = "query($c: ID!) { company(id: $c) { timeline { totalCount edges { node { subject } } } } }"
    found = data(await gql(timeline, {"c": ids["acme"]}, admin_token))["company"]["timeline"]
    assert sorted(e["node"]["subject"] for e in found["edges"]) == [
        "SLA breached: Assigned late",
        "SLA breached: Open late",
    ]
    # a new due time starts a new episode
    update = "mutation($id: ID!, $d: DateTime) { updateTicket(id: $id, input: {dueAt: $d}) { slaBreached } }"
    assert data(await gql(update, {"id": ids["open"], "d": "2026-02-01T00:00:00Z"}, admin_token))["updateTicket"] == {
        "slaBreached": False
    }
    assert await sla.run(deps) == 1


async def test_parallel_sla_checks_flag_each_ticket_once(gql: Gql, deps: Deps, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    for i in range(12):
        await ticket(gql, admin_token, subject=f"Late {i}", companyId=acme, dueAt=PAST)
    counts = await asyncio.gather(*(sla.run(deps) for _ in range(6)))
    assert sum(counts) == 12
    rows = await deps.db.read("MATCH (a:Activity {type: 'TASK'})-[:ABOUT]->(t:Ticket) RETURN count(a) AS n")
    assert rows == [{"n": 12}]


def test_the_sla_task_runs_on_a_real_worker(worker: None, deps: Deps) -> None:
    from workers.tasks import check_ticket_sla

    assert check_ticket_sla.name == "crm.tickets.sla"
    assert check_ticket_sla.delay().get(timeout=60) == 0


async def _post(base: str, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
        )
        return response.json()  # type: ignore[no-any-return]


async def test_ticket_changed_reaches_a_subscriber_on_another_process(gql: Gql, deps: Deps, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    anna = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [slot(0, 8, 16)])
    mine = await ticket(gql, admin_token, subject="Mine", companyId=acme, dueAt=PAST)
    other = await ticket(gql, admin_token, subject="Other", companyId=acme)
    subscribe = """subscription($u: ID) { ticketChanged(assigneeId: $u) { op ticketId ticket { status slaBreached assignee { id } } } }"""
    with api_process() as first, api_process() as second:
        async with websockets.connect(
            first.replace("http", "ws") + "/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin_token}"}})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            payload = {"query": subscribe, "variables": {"u": anna}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            await asyncio.sleep(1.0)
            # when another process books Anna, updates a ticket that is not hers, then the SLA check runs
            data(await _post(second, ASSIGN, {"t": mine, "u": anna, "s": iso(at(0, 9))}, admin_token))
            data(
                await _post(
                    second,
                    'mutation($t: ID!) { updateTicket(id: $t, input: {subject: "Other!"}) { id } }',
                    {"t": other},
                    admin_token,
                )
            )
            # then the subscriber sees her booking, and nothing of the other ticket
            first_event = json.loads(await asyncio.wait_for(ws.recv(), 10))["payload"]["data"]["ticketChanged"]
            assert first_event == {
                "op": "UPDATED",
                "ticketId": mine,
                "ticket": {"status": "SCHEDULED", "slaBreached": False, "assignee": {"id": anna}},
            }
            # and, once the SLA check ran here, the flag
            assert await sla.run(deps) == 1
            second_event = json.loads(await asyncio.wait_for(ws.recv(), 10))["payload"]["data"]["ticketChanged"]
            assert second_event["ticket"] == {"status": "SCHEDULED", "slaBreached": True, "assignee": {"id": anna}}
            # and the change that takes the ticket away from her
            unassign = "mutation($t: ID!) { unassignTicket(ticketId: $t) { status } }"
            data(await _post(second, unassign, {"t": mine}, admin_token))
            third_event = json.loads(await asyncio.wait_for(ws.recv(), 10))["payload"]["data"]["ticketChanged"]
            assert third_event["ticket"] == {"status": "OPEN", "slaBreached": True, "assignee": None}
