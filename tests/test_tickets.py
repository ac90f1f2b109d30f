"""Tickets: create and update, the status flow, lists, search and the company timeline."""

from __future__ import annotations

from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data, error_code
from tests.service_scenario import ASSIGN, BERLIN, HAMBURG, at, company, iso, slot, technician, ticket

TICKET = """query($id: ID!) { ticket(id: $id) {
  id subject description priority status company { name } person { lastName } site { lat lon }
  requiredSkills { skill { name } minLevel } estimatedMinutes assignee { name } scheduled { start end }
  dueAt slaBreached } }"""
STATUS = "mutation($t: ID!, $s: TicketStatus!) { updateTicketStatus(ticketId: $t, status: $s) { status } }"
UNASSIGN = "mutation($t: ID!) { unassignTicket(ticketId: $t) { status assignee { id } scheduled { start } } }"


async def test_a_ticket_for_a_company_takes_its_location_as_site(gql: Gql, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    created = await ticket(
        gql,
        admin_token,
        companyId=acme,
        priority="HIGH",
        description="Pressure drops",
        requiredSkills=[{"skillName": "Hydraulics", "minLevel": 3}, {"skillName": "electrics", "minLevel": 1}],
        estimatedMinutes=90,
        dueAt=iso(at(1, 12)),
    )
    assert data(await gql(TICKET, {"id": created}, admin_token))["ticket"] == {
        "id": created,
        "subject": "Pump leaks",
        "description": "Pressure drops",
        "priority": "HIGH",
        "status": "OPEN",
        "company": {"name": "Acme"},
        "person": None,
        "site": BERLIN,
        "requiredSkills": [
            {"skill": {"name": "electrics"}, "minLevel": 1},
            {"skill": {"name": "Hydraulics"}, "minLevel": 3},
        ],
        "estimatedMinutes": 90,
        "assignee": None,
        "scheduled": None,
        "dueAt": "2030-03-05T12:00:00+00:00",
        "slaBreached": False,
    }
    # and an update changes only what it names
    update = "mutation($id: ID!, $i: UpdateTicketInput!) { updateTicket(id: $id, input: $i) { subject priority site { lat } requiredSkills { skill { name } } } }"
    result = await gql(
        update, {"id": created, "i": {"priority": "URGENT", "site": HAMBURG, "requiredSkills": []}}, admin_token
    )
    assert data(result)["updateTicket"] == {
        "subject": "Pump leaks",
        "priority": "URGENT",
        "site": {"lat": HAMBURG["lat"]},
        "requiredSkills": [],
    }


async def test_a_consumer_ticket_needs_only_the_person(gql: Gql, admin_token: str) -> None:
    result = await gql(
        'mutation { createPerson(input: {lastName: "Kunde", location: {lat: 53.5511, lon: 9.9937}}) { id } }',
        token=admin_token,
    )
    person = data(result)["createPerson"]["id"]
    created = await ticket(gql, admin_token, personId=person)
    found = data(await gql(TICKET, {"id": created}, admin_token))["ticket"]
    assert (found["person"], found["company"], found["site"]) == ({"lastName": "Kunde"}, None, HAMBURG)
    assert error_code(await gql('mutation { createTicket(input: {subject: "x"}) { id } }', token=admin_token)) == (
        "BAD_USER_INPUT"
    )
    missing = await gql(
        'mutation { createTicket(input: {subject: "x", personId: "per_nope"}) { id } }', token=admin_token
    )
    assert error_code(missing) == "NOT_FOUND"


async def test_status_flow_refuses_illegal_steps_naming_both_states(gql: Gql, deps: Deps, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    tech = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [slot(0, 8, 16)])
    created = await ticket(gql, admin_token, companyId=acme)
    # OPEN -> RESOLVED is refused: no assignee, and not a step of the flow
    refused = await gql(STATUS, {"t": created, "s": "RESOLVED"}, admin_token)
    assert error_code(refused) == "CONFLICT"
    assert refused["errors"][0]["message"] == "a ticket cannot be RESOLVED without an assignee"
    skipped = await gql(STATUS, {"t": created, "s": "IN_PROGRESS"}, admin_token)
    assert skipped["errors"][0]["message"] == "a ticket cannot go from OPEN to IN_PROGRESS"
    assert error_code(skipped) == "CONFLICT"
    # assign, unassign, assign again, then the flow to CLOSED
    assert (
        data(await gql(ASSIGN, {"t": created, "u": tech, "s": iso(at(0, 9))}, admin_token))["assignTicket"]["status"]
        == "SCHEDULED"
    )
    assert data(await gql(UNASSIGN, {"t": created}, admin_token))["unassignTicket"] == {
        "status": "OPEN",
        "assignee": None,
        "scheduled": None,
    }
    data(await gql(ASSIGN, {"t": created, "u": tech, "s": iso(at(0, 9))}, admin_token))
    for status in ("IN_PROGRESS", "RESOLVED", "CLOSED"):
        assert data(await gql(STATUS, {"t": created, "s": status}, admin_token))["updateTicketStatus"] == {
            "status": status
        }
    back = await gql(STATUS, {"t": created, "s": "IN_PROGRESS"}, admin_token)
    assert back["errors"][0]["message"] == "a ticket cannot go from CLOSED to IN_PROGRESS"
    assert error_code(await gql(UNASSIGN, {"t": created}, admin_token)) == "CONFLICT"


async def test_the_assigned_technician_moves_its_own_ticket_only(
    gql: Gql, deps: Deps, admin_token: str, make_user: Any
) -> None:
    tech, token = await make_user("TECHNICIAN")
    other, other_token = await make_user("TECHNICIAN", "other@crm.test")
    for user in (tech, other):
        data(
            await gql(
                "mutation($u: ID!, $s: [TimeSlotInput!]!) { setAvailability(userId: $u, slots: $s) { start } }",
                {"u": user, "s": [slot(0, 8, 16)]},
                admin_token,
            )
        )
    acme = await company(gql, admin_token, "Acme", BERLIN)
    created = await ticket(gql, admin_token, companyId=acme)
    data(await gql(ASSIGN, {"t": created, "u": tech, "s": iso(at(0, 9))}, admin_token))
    assert error_code(await gql(STATUS, {"t": created, "s": "IN_PROGRESS"}, other_token)) == "FORBIDDEN"
    assert data(await gql(STATUS, {"t": created, "s": "IN_PROGRESS"}, token))["updateTicketStatus"] == {
        "status": "IN_PROGRESS"
    }
    assert error_code(await gql(ASSIGN, {"t": created, "u": tech, "s": iso(at(0, 11))}, token)) == "FORBIDDEN"


async def test_tickets_filter_and_schedule_order(gql: Gql, deps: Deps, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    other = await company(gql, admin_token, "Other", HAMBURG)
    tech = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [slot(0, 8, 16)])
    low = await ticket(gql, admin_token, subject="low", companyId=acme, priority="LOW", dueAt=iso(at(0, 1)))
    normal_none = await ticket(gql, admin_token, subject="normal-nodue", companyId=acme)
    normal_late = await ticket(gql, admin_token, subject="normal-late", companyId=other, dueAt=iso(at(3, 0)))
    normal_soon = await ticket(gql, admin_token, subject="normal-soon", companyId=acme, dueAt=iso(at(1, 0)))
    urgent = await ticket(gql, admin_token, subject="urgent", companyId=other, priority="URGENT")
    booked = await ticket(gql, admin_token, subject="booked", companyId=acme, priority="URGENT")
    data(await gql(ASSIGN, {"t": booked, "u": tech, "s": iso(at(0, 9))}, admin_token))
    query = """query($f: Int, $a: String) { ticketsToSchedule(first: $f, after: $a) {
      totalCount edges { node { subject } } pageInfo { hasNextPage endCursor } } }"""
    first = data(await gql(query, {"f": 3}, admin_token))["ticketsToSchedule"]
    assert [e["node"]["subject"] for e in first["edges"]] == ["urgent", "normal-soon", "normal-late"]
    assert first["totalCount"] == 5 and first["pageInfo"]["hasNextPage"]
    rest = data(await gql(query, {"f": 3, "a": first["pageInfo"]["endCursor"]}, admin_token))["ticketsToSchedule"]
    assert [e["node"]["subject"] for e in rest["edges"]] == ["normal-nodue", "low"]
    # the filter
    listing = "query($f: TicketFilter) { tickets(filter: $f) { totalCount edges { node { id } } } }"

    async def ids(flt: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in data(await gql(listing, {"f": flt}, admin_token))["tickets"]["edges"]]

    assert await ids({"companyId": other}) == [urgent, normal_late]
    assert await ids({"assigneeId": tech}) == [booked]
    assert await ids({"status": "SCHEDULED"}) == [booked]
    assert await ids({"unassigned": True, "companyId": acme}) == [normal_soon, normal_none, low]
    assert await ids({"unassigned": False}) == [booked]


async def test_tickets_are_found_by_search_and_are_subjects_on_the_company_timeline(gql: Gql, admin_token: str) -> None:
    group = await company(gql, admin_token, "Holding", BERLIN)
    acme = await company(gql, admin_token, "Acme", BERLIN, parentId=group)
    created = await ticket(gql, admin_token, subject="Compressor rattles", companyId=acme)
    hits = data(
        await gql('{ search(text: "compressor") { __typename ... on Ticket { id subject } } }', token=admin_token)
    )
    assert hits["search"] == [{"__typename": "Ticket", "id": created, "subject": "Compressor rattles"}]
    log = 'mutation($t: ID!) { logActivity(input: {type: VISIT, subject: "On site", ticketId: $t}) { id } }'
    activity = data(await gql(log, {"t": created}, admin_token))["logActivity"]["id"]
    timeline = """query($c: ID!) { company(id: $c) { timeline { edges { node { id about { __typename ... on Ticket { id status } } } } } } }"""
    for company_id in (acme, group):
        edges = data(await gql(timeline, {"c": company_id}, admin_token))["company"]["timeline"]["edges"]
        assert edges == [
            {"node": {"id": activity, "about": [{"__typename": "Ticket", "id": created, "status": "OPEN"}]}}
        ]


async def test_the_duration_of_a_booked_ticket_is_fixed(gql: Gql, deps: Deps, admin_token: str) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    tech = await technician(deps, gql, admin_token, "Anna", BERLIN, {}, [slot(0, 8, 16)])
    created = await ticket(gql, admin_token, companyId=acme)
    data(await gql(ASSIGN, {"t": created, "u": tech, "s": iso(at(0, 9))}, admin_token))
    update = "mutation($id: ID!) { updateTicket(id: $id, input: {estimatedMinutes: 600}) { estimatedMinutes } }"
    refused = await gql(update, {"id": created}, admin_token)
    assert error_code(refused) == "CONFLICT"
    assert refused["errors"][0]["message"] == "the duration of a SCHEDULED ticket is booked; unassign it first"
    assert data(await gql(TICKET, {"id": created}, admin_token))["ticket"]["estimatedMinutes"] == 60


async def test_assign_refuses_a_technician_without_the_skill_or_the_time(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN)
    anna = await technician(deps, gql, admin_token, "Anna", BERLIN, {"Hydraulics": 2}, [slot(0, 8, 12)])
    needs = [{"skillName": "Hydraulics", "minLevel": 2}]
    created = await ticket(gql, admin_token, companyId=acme, requiredSkills=needs, estimatedMinutes=120)
    for start in (at(0, 7), at(0, 11), at(1, 9)):  # before the slot, spilling over its end, another day
        refused = await gql(ASSIGN, {"t": created, "u": anna, "s": iso(start)}, admin_token)
        assert error_code(refused) == "CONFLICT", start
    hard = await ticket(gql, admin_token, companyId=acme, requiredSkills=[{"skillName": "Hydraulics", "minLevel": 3}])
    refused = await gql(ASSIGN, {"t": hard, "u": anna, "s": iso(at(0, 8))}, admin_token)
    assert refused["errors"][0]["message"] == (
        "the technician lacks a required skill or is not free from 2030-03-04 08:00 to 09:00 UTC"
    )
    assert (
        error_code(await gql(ASSIGN, {"t": created, "u": "usr_nope", "s": iso(at(0, 8))}, admin_token)) == "NOT_FOUND"
    )
    assert error_code(await gql(ASSIGN, {"t": "tkt_nope", "u": anna, "s": iso(at(0, 8))}, admin_token)) == "NOT_FOUND"
    # and the failed calls booked nothing
    assert data(await gql(TICKET, {"id": created}, admin_token))["ticket"]["assignee"] is None
    assert data(await gql(ASSIGN, {"t": created, "u": anna, "s": iso(at(0, 10))}, admin_token))["assignTicket"][
        "scheduled"
    ] == {"start": "2030-03-04T10:00:00+00:00", "end": "2030-03-04T12:00:00+00:00"}
