"""No double booking, whatever the interleaving: parallel assigns and auto-assigns over HTTP on two
real API processes; overlaps are then looked for with a Cypher query."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from domain.deps import Deps
from tests.conftest import Gql, data
from tests.servers import api_process
from tests.service_scenario import ASSIGN, AUTO, BERLIN, at, company, iso, slot, technician, ticket

OVERLAPS = """
MATCH (u:User)<-[:ASSIGNED_TO]-(a:Ticket), (u)<-[:ASSIGNED_TO]-(b:Ticket)
WHERE a.id < b.id AND a.status IN ['SCHEDULED', 'IN_PROGRESS'] AND b.status IN ['SCHEDULED', 'IN_PROGRESS']
  AND a.scheduledStart < b.scheduledEnd AND b.scheduledStart < a.scheduledEnd
RETURN count(*) AS overlaps
"""
OUTSIDE_SLOTS = """
MATCH (u:User)<-[:ASSIGNED_TO]-(t:Ticket)
WHERE NOT EXISTS { (u)-[:AVAILABLE]->(s:Slot) WHERE s.start <= t.scheduledStart AND t.scheduledEnd <= s.end }
RETURN count(t) AS outside
"""


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.json()  # type: ignore[no-any-return]


async def test_parallel_assigns_of_overlapping_times_book_exactly_one(gql: Gql, deps: Deps, admin_token: str) -> None:
    # given one technician free 08:00-12:00 and 16 one-hour tickets
    acme = await company(gql, admin_token, "Acme", BERLIN)
    anna = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [slot(0, 8, 12)])
    tickets = [await ticket(gql, admin_token, subject=f"T{i}", companyId=acme) for i in range(16)]
    with api_process() as first, api_process() as second:
        clients = [httpx.AsyncClient(base_url=first, timeout=60), httpx.AsyncClient(base_url=second, timeout=60)]
        try:
            # when 16 dispatchers book her at once, at starts 09:00..09:45 that all overlap one another
            results = await asyncio.gather(
                *(
                    _post(clients[i % 2], ASSIGN, {"t": t, "u": anna, "s": iso(at(0, 9 + (i % 4) / 4))}, admin_token)
                    for i, t in enumerate(tickets)
                )
            )
        finally:
            for client in clients:
                await client.aclose()
    # then exactly one succeeds and the others are CONFLICT
    booked = [r for r in results if "errors" not in r]
    codes = sorted(r["errors"][0]["extensions"]["code"] for r in results if "errors" in r)
    assert len(booked) == 1
    assert codes == ["CONFLICT"] * 15
    assert booked[0]["data"]["assignTicket"]["status"] == "SCHEDULED"
    assert (await deps.db.read(OVERLAPS))[0]["overlaps"] == 0
    listed = "query($u: ID!) { tickets(filter: {assigneeId: $u}) { totalCount } }"
    assert data(await gql(listed, {"u": anna}, admin_token))["tickets"]["totalCount"] == 1


async def test_many_auto_assigns_competing_for_few_technicians_never_overlap(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    # given three technicians with four hours each (room for 12 one-hour tickets) and 20 tickets
    acme = await company(gql, admin_token, "Acme", BERLIN)
    techs = [
        await technician(deps, gql, admin_token, name, BERLIN, {"Hydraulics": 3}, [slot(0, 8, 10), slot(0, 13, 15)])
        for name in ("Anna", "Ben", "Cleo")
    ]
    needs = [{"skillName": "hydraulics", "minLevel": 2}]
    tickets = [await ticket(gql, admin_token, subject=f"T{i}", companyId=acme, requiredSkills=needs) for i in range(20)]
    window = {"s": iso(at(0, 0)), "e": iso(at(1, 0))}
    with api_process() as first, api_process() as second:
        clients = [httpx.AsyncClient(base_url=first, timeout=120), httpx.AsyncClient(base_url=second, timeout=120)]
        try:
            # when they are all auto-assigned at once, through both processes
            results = await asyncio.gather(
                *(_post(clients[i % 2], AUTO, {"t": t, **window}, admin_token) for i, t in enumerate(tickets))
            )
        finally:
            for client in clients:
                await client.aclose()
    assert all("errors" not in r for r in results), [r["errors"] for r in results if "errors" in r]
    # then 12 are booked (four per technician), 8 stay open (answered unassigned), no technician has
    # two bookings at once, all inside slots
    statuses = sorted(r["data"]["autoAssignTicket"]["status"] for r in results)
    assert statuses == ["OPEN"] * 8 + ["SCHEDULED"] * 12
    assert all(
        r["data"]["autoAssignTicket"]["assignee"] is None
        for r in results
        if r["data"]["autoAssignTicket"]["status"] == "OPEN"
    )
    rows = await deps.db.read("MATCH (t:Ticket)-[:ASSIGNED_TO]->(u:User) RETURN u.id AS id, count(t) AS n")
    assert sorted((r["id"], r["n"]) for r in rows) == sorted((t, 4) for t in techs)
    assert (await deps.db.read(OVERLAPS))[0]["overlaps"] == 0
    assert (await deps.db.read(OUTSIDE_SLOTS))[0]["outside"] == 0
