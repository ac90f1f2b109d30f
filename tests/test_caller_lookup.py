"""callerLookup: any notation of a number finds every person and company (switchboard) under it,
with open opportunities, open tickets and the last activity, by an index seek in one round trip."""

from __future__ import annotations

from typing import Any

from domain.deps import Deps
from graph import phones
from tests.conftest import Gql, data, error_code
from tests.service_scenario import BERLIN, company, ticket

LOOKUP = """query($p: String!) { callerLookup(phone: $p) {
  person { id fullName } company { id name phones }
  openOpportunities { name } openTickets { subject status } lastActivity { subject } } }"""
NOTATIONS = [
    "030 1234567",
    "+49 30 1234567",
    "0049-30-123 45 67",
    "(030) 123 45 67",
    "+49301234567",
    "030/1234567",
    "+49 (0)30 1234567",
    "0049 30 1234567",
    "030-123-4567",
    "+49.30.123.45.67",
]


async def _person(gql: Gql, token: str, **fields: Any) -> str:
    result = await gql("mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }", {"i": fields}, token)
    return str(data(result)["createPerson"]["id"])


async def test_ten_notations_find_the_same_person(gql: Gql, admin_token: str) -> None:
    # given a person stored with the number in yet another notation, and someone else
    anna = await _person(gql, admin_token, firstName="Anna", lastName="Anrufer", phones=["+49 30 12 34 567"])
    await _person(gql, admin_token, lastName="Other", phones=["+49 30 7654321"])
    # when the number is looked up in ten notations, then each finds exactly her
    for notation in NOTATIONS:
        found = data(await gql(LOOKUP, {"p": notation}, admin_token))["callerLookup"]
        assert [(m["person"] or {}).get("id") for m in found] == [anna], notation


async def test_a_switchboard_number_finds_the_company_and_its_people_with_what_is_open(
    gql: Gql, admin_token: str
) -> None:
    acme = await company(gql, admin_token, "Acme", BERLIN, phones=["030 555 0000"])
    bert = await _person(
        gql, admin_token, firstName="Bert", lastName="Zentrale", companyId=acme, phones=["030 5550000"]
    )
    opportunity = 'mutation($c: ID!, $n: String!, $s: OpportunityStage!) { createOpportunity(input: {name: $n, amount: "10", companyId: $c, stage: $s}) { id } }'
    data(await gql(opportunity, {"c": acme, "n": "Upgrade", "s": "PROPOSAL"}, admin_token))
    data(await gql(opportunity, {"c": acme, "n": "Won already", "s": "CLOSED_WON"}, admin_token))
    await ticket(gql, admin_token, subject="Pump leaks", companyId=acme)
    log = "mutation($c: ID!, $s: String!, $t: DateTime!) { logActivity(input: {type: CALL, subject: $s, companyId: $c, occurredAt: $t}) { id } }"
    data(await gql(log, {"c": acme, "s": "Older call", "t": "2026-01-01T10:00:00Z"}, admin_token))
    data(await gql(log, {"c": acme, "s": "Latest call", "t": "2026-02-01T10:00:00Z"}, admin_token))
    result = await gql(LOOKUP, {"p": "+49 30 555-0000"}, admin_token)
    open_stuff = {
        "openOpportunities": [{"name": "Upgrade"}],
        "openTickets": [{"subject": "Pump leaks", "status": "OPEN"}],
    }
    assert data(result)["callerLookup"] == [
        {"person": {"id": bert, "fullName": "Bert Zentrale"}, "company": None, **open_stuff, "lastActivity": None},
        {
            "person": None,
            "company": {"id": acme, "name": "Acme", "phones": ["+49305550000"]},
            **open_stuff,
            "lastActivity": {"subject": "Latest call"},
        },
    ]
    assert result["extensions"]["cypherRoundTrips"] == 1


async def test_changed_numbers_are_found_under_the_new_one_only(gql: Gql, admin_token: str) -> None:
    anna = await _person(gql, admin_token, lastName="Anrufer", phones=["030 1111111"])
    update = "mutation($id: ID!, $p: [String!]) { updatePerson(id: $id, input: {phones: $p}) { phones } }"
    assert data(await gql(update, {"id": anna, "p": ["040 2222222"]}, admin_token))["updatePerson"] == {
        "phones": ["+49402222222"]
    }
    assert data(await gql(LOOKUP, {"p": "030 1111111"}, admin_token))["callerLookup"] == []
    assert len(data(await gql(LOOKUP, {"p": "040 2222222"}, admin_token))["callerLookup"]) == 1
    # and persons synchronised from an ERP are found too
    upsert = 'mutation { upsertPersons(input: [{externalId: {system: "sap", value: "P1"}, lastName: "Erp", phones: ["0221 123456"]}]) { createdCount } }'
    data(await gql(upsert, token=admin_token))
    found = data(await gql(LOOKUP, {"p": "+49 221 123456"}, admin_token))["callerLookup"]
    assert [m["person"]["fullName"] for m in found] == ["Erp"]


async def test_unknown_numbers_are_empty_and_text_is_refused(gql: Gql, admin_token: str) -> None:
    assert data(await gql(LOOKUP, {"p": "+44 20 7946 0958"}, admin_token))["callerLookup"] == []
    refused = await gql(LOOKUP, {"p": "call me maybe"}, admin_token)
    assert error_code(refused) == "BAD_USER_INPUT"
    assert error_code(await gql(LOOKUP, {"p": "12"}, admin_token)) == "BAD_USER_INPUT"


async def test_the_lookup_is_an_index_seek(deps: Deps) -> None:
    plan = await deps.db.read("EXPLAIN " + phones.CALLER_LOOKUP, {"e164": "+49301234567"})
    assert plan == []
    async with deps.db.driver.session(database=deps.db.database) as session:
        result = await session.run("EXPLAIN " + phones.CALLER_LOOKUP, {"e164": "+49301234567"})
        summary = await result.consume()
    operators: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        operators.append(node["operatorType"].split("@")[0])
        for child in node.get("children", []):
            walk(child)

    assert summary.plan is not None
    walk(summary.plan)
    assert "NodeUniqueIndexSeek" in operators
    # and nothing is scanned: open opportunities and tickets are reached from the caller's records
    assert not any(op in operators for op in ("NodeByLabelScan", "AllNodesScan", "NodeIndexScan"))
