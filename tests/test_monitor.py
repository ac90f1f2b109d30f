"""Opportunity monitoring: alerts raised once per episode, acknowledged, resolved; also from Celery."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.conftest import Gql, data, error_code

CREATE = "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }"
UPDATE = "mutation($id: ID!, $i: UpdateOpportunityInput!) { updateOpportunity(id: $id, input: $i) { stage } }"
RUN = "mutation { runOpportunityMonitor }"
ALERTS = "query($id: ID!) { opportunity(id: $id) { alerts { id kind message } } }"


async def _opportunity(gql: Gql, token: str, **fields: Any) -> str:
    return str(data(await gql(CREATE, {"i": {"amount": "1000", **fields}}, token))["createOpportunity"]["id"])


async def _person(gql: Gql, token: str, name: str) -> str:
    result = await gql("mutation($n: String!) { createPerson(input: {lastName: $n}) { id } }", {"n": name}, token)
    return str(data(result)["createPerson"]["id"])


async def _alerts(gql: Gql, token: str, opportunity: str) -> list[dict[str, str]]:
    return data(await gql(ALERTS, {"id": opportunity}, token))["opportunity"]["alerts"]  # type: ignore[no-any-return]


async def test_monitor_raises_each_alert_once_and_resolves_it(gql: Gql, admin_token: str) -> None:
    past = (date.today() - timedelta(days=3)).isoformat()
    # given a proposal past its dates with nobody in the buying center
    late = await _opportunity(
        gql, admin_token, name="Late", stage="PROPOSAL", expectedCloseDate=past, nextStep="Send offer", nextStepDue=past
    )
    # a fresh prospect
    await _opportunity(gql, admin_token, name="Fresh")
    # a deal that went back from NEGOTIATION, with a decision maker and two contacts
    back = await _opportunity(gql, admin_token, name="Back", stage="NEGOTIATION")
    for name, roles in (("Dora", ["DECISION_MAKER"]), ("Emil", ["USER"])):
        person = await _person(gql, admin_token, name)
        await gql(
            "mutation($o: ID!, $p: ID!, $r: [BuyingRole!]!) { setBuyingRole(opportunityId: $o, personId: $p, roles: $r) { missingRoles } }",
            {"o": back, "p": person, "r": roles},
            admin_token,
        )
    assert data(await gql(UPDATE, {"id": back, "i": {"stage": "PROPOSAL"}}, admin_token))["updateOpportunity"] == {
        "stage": "PROPOSAL"
    }
    # a deal nobody touched for 40 days
    quiet = await _opportunity(gql, admin_token, name="Quiet")
    long_ago = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    await gql(
        'mutation($o: ID!, $t: DateTime!) { logActivity(input: {type: CALL, subject: "Intro", opportunityId: $o, occurredAt: $t}) { id } }',
        {"o": quiet, "t": long_ago},
        admin_token,
    )

    # when the monitor runs, then exactly these alerts are raised
    assert data(await gql(RUN, token=admin_token)) == {"runOpportunityMonitor": 6}
    assert [(a["kind"], a["message"]) for a in await _alerts(gql, admin_token, late)] == [
        ("CLOSE_DATE_PASSED", f"The expected close date {past} has passed"),
        ("NEXT_STEP_OVERDUE", f'The next step "Send offer" was due on {past}'),
        ("NO_DECISION_MAKER", "No decision maker in the buying center at stage PROPOSAL"),
        ("SINGLE_THREADED", "Only 0 contact(s) in the buying center"),
    ]
    assert [(a["kind"], a["message"]) for a in await _alerts(gql, admin_token, back)] == [
        ("STAGE_REGRESSION", "The stage went back from NEGOTIATION to PROPOSAL")
    ]
    assert [(a["kind"], a["message"]) for a in await _alerts(gql, admin_token, quiet)] == [
        ("STALE", "No activity for 40 days")
    ]
    flagged = data(
        await gql(
            "{ opportunities(filter: {hasAlert: STAGE_REGRESSION}) { edges { node { name } } } }", token=admin_token
        )
    )
    assert flagged["opportunities"]["edges"] == [{"node": {"name": "Back"}}]
    # and running again raises nothing new
    assert data(await gql(RUN, token=admin_token)) == {"runOpportunityMonitor": 0}

    # when an alert is acknowledged it drops out and is not raised again while it holds
    alerts = await _alerts(gql, admin_token, late)
    acked = await gql(
        "mutation($a: ID!) { acknowledgeAlert(alertId: $a) { alerts { kind } } }", {"a": alerts[0]["id"]}, admin_token
    )
    assert [a["kind"] for a in data(acked)["acknowledgeAlert"]["alerts"]] == [
        "NEXT_STEP_OVERDUE",
        "NO_DECISION_MAKER",
        "SINGLE_THREADED",
    ]
    assert data(await gql(RUN, token=admin_token)) == {"runOpportunityMonitor": 0}
    # when the next step is rescheduled, its alert resolves; when the deal is lost, all do
    future = (date.today() + timedelta(days=7)).isoformat()
    await gql(UPDATE, {"id": late, "i": {"nextStepDue": future}}, admin_token)
    assert data(await gql(RUN, token=admin_token)) == {"runOpportunityMonitor": 0}
    assert [a["kind"] for a in await _alerts(gql, admin_token, late)] == ["NO_DECISION_MAKER", "SINGLE_THREADED"]
    await gql(UPDATE, {"id": late, "i": {"stage": "CLOSED_LOST"}}, admin_token)
    assert data(await gql(RUN, token=admin_token)) == {"runOpportunityMonitor": 0}
    assert await _alerts(gql, admin_token, late) == []
    assert (
        error_code(await gql('mutation { acknowledgeAlert(alertId: "alr_missing") { id } }', token=admin_token))
        == "NOT_FOUND"
    )


async def test_the_scheduled_task_runs_the_monitor_on_a_real_worker(gql: Gql, admin_token: str, worker: None) -> None:
    from workers.tasks import monitor_opportunities

    past = (date.today() - timedelta(days=1)).isoformat()
    late = await _opportunity(gql, admin_token, name="Late", expectedCloseDate=past)
    assert monitor_opportunities.delay().get(timeout=60) == 1
    assert [a["kind"] for a in await _alerts(gql, admin_token, late)] == ["CLOSE_DATE_PASSED"]
    assert monitor_opportunities.name == "crm.opportunities.monitor"
