"""Concurrency: parallel requests through the app; the database serialises the writers that race."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data, error_code

PARALLEL = 10


async def _count(deps: Deps, query: str, params: dict[str, Any] | None = None) -> int:
    rows = await deps.db.read(query, params)
    return int(rows[0]["n"])


async def test_a_lead_converts_once_however_many_convert_it_at_once(gql: Gql, deps: Deps, admin_token: str) -> None:
    # given a qualified lead of a new company
    lead = data(
        await gql(
            'mutation { createLead(input: {lastName: "Race", companyName: "Race Ltd", companyDomain: "race.example"})'
            " { id } }",
            token=admin_token,
        )
    )["createLead"]["id"]

    # when ten users convert it at the same time
    convert = "mutation($l: ID!) { convertLead(leadId: $l) { person { id } company { id } opportunity { id } } }"
    results = await asyncio.gather(*(gql(convert, {"l": lead}, admin_token) for _ in range(PARALLEL)))

    # then one conversion succeeds and the others are told the lead is converted
    succeeded = [r for r in results if "errors" not in r]
    assert len(succeeded) == 1
    assert sorted(error_code(r) for r in results if "errors" in r) == ["CONFLICT"] * (PARALLEL - 1)
    assert {r["errors"][0]["message"] for r in results if "errors" in r} == {
        "the lead is converted; it cannot be converted"
    }
    # and there is one person, one company and one opportunity
    assert await _count(deps, "MATCH (p:Person) RETURN count(p) AS n") == 1
    assert await _count(deps, "MATCH (c:Company) RETURN count(c) AS n") == 1
    assert await _count(deps, "MATCH (o:Opportunity) RETURN count(o) AS n") == 1
    assert await _count(deps, "MATCH (:Lead)-[r:CONVERTED_TO]->() RETURN count(r) AS n") == 1


async def test_parallel_stage_changes_leave_a_chained_stage_history(gql: Gql, admin_token: str) -> None:
    # given a prospect
    created = await gql(
        'mutation { createOpportunity(input: {name: "Chain", amount: "100"}) { id } }', token=admin_token
    )
    opportunity = data(created)["createOpportunity"]["id"]
    stages = ["PROPOSAL", "NEGOTIATION", "QUALIFICATION", "PROSPECTING", "PROPOSAL"] * 2

    # when ten users move it to different stages at the same time
    update = "mutation($id: ID!, $s: OpportunityStage!) { updateOpportunity(id: $id, input: {stage: $s}) { stage } }"
    results = await asyncio.gather(*(gql(update, {"id": opportunity, "s": s}, admin_token) for s in stages))
    assert all("errors" not in r for r in results)

    # then the history is one chain from the creation to the stage it is in now
    history = "query($id: ID!) { opportunity(id: $id) { stage stageHistory { from to } } }"
    found = data(await gql(history, {"id": opportunity}, admin_token))["opportunity"]
    changes = found["stageHistory"]
    assert changes[0] == {"from": None, "to": "PROSPECTING"}
    assert all(later["from"] == earlier["to"] for earlier, later in pairwise(changes))
    assert all(change["from"] != change["to"] for change in changes)
    assert changes[-1]["to"] == found["stage"]


async def test_parallel_monitor_runs_raise_each_alert_once(gql: Gql, deps: Deps, admin_token: str) -> None:
    # given twenty proposals past their dates, with nobody in the buying center (four rules hold for each)
    create = "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }"
    late = {"amount": "10", "stage": "PROPOSAL", "expectedCloseDate": "2020-01-01", "nextStepDue": "2020-01-01"}
    names = [f"Deal {i:02d}" for i in range(20)]
    for result in await asyncio.gather(*(gql(create, {"i": {**late, "name": n}}, admin_token) for n in names)):
        data(result)

    # when ten monitor runs overlap (clicks and the hourly task)
    runs = await asyncio.gather(
        *(gql("mutation { runOpportunityMonitor }", token=admin_token) for _ in range(PARALLEL))
    )

    # then every run succeeds, and together they raised each alert once
    assert sum(data(r)["runOpportunityMonitor"] for r in runs) == 4 * len(names)
    per_kind = await deps.db.read(
        "MATCH (x:OpportunityAlert)-[:ON]->(o:Opportunity) RETURN o.name AS name, x.kind AS kind, count(x) AS n "
        "ORDER BY name, kind"
    )
    kinds = ["CLOSE_DATE_PASSED", "NEXT_STEP_OVERDUE", "NO_DECISION_MAKER", "SINGLE_THREADED"]
    assert per_kind == [{"name": n, "kind": k, "n": 1} for n in names for k in kinds]
    # and a run after them raises nothing
    assert data(await gql("mutation { runOpportunityMonitor }", token=admin_token)) == {"runOpportunityMonitor": 0}


async def test_parallel_targets_for_one_user_and_period_are_one_target(
    gql: Gql, deps: Deps, admin: tuple[str, str], make_user: Any
) -> None:
    rep_id, _ = await make_user("SALES_REP")
    _, token = admin
    # when ten managers set the rep's March target at the same time
    set_target = 'mutation($u: ID!, $a: Decimal!) { setTarget(userId: $u, period: "2031-03", amount: $a) { target } }'
    amounts = [f"{1000 * (i + 1)}.00" for i in range(PARALLEL)]
    results = await asyncio.gather(*(gql(set_target, {"u": rep_id, "a": a}, token) for a in amounts))
    assert all("errors" not in r for r in results)

    # then there is one target: the rep is listed once and the forecast counts the target once
    assert await _count(deps, "MATCH (t:Target) RETURN count(t) AS n") == 1
    status = data(await gql('{ targetStatus(period: "2031-03") { user { id } target } }', token=token))
    assert [row["user"]["id"] for row in status["targetStatus"]] == [rep_id]
    target = status["targetStatus"][0]["target"]
    assert target in amounts
    forecast = data(await gql('{ forecast(from: "2031-03-01", to: "2031-03-31") { target } }', token=token))
    assert forecast["forecast"] == [{"target": target}]


async def test_parallel_unit_moves_never_make_a_cycle(gql: Gql, deps: Deps, admin_token: str) -> None:
    company = data(await gql('mutation { createCompany(input: {name: "Units"}) { id } }', token=admin_token))
    company_id = company["createCompany"]["id"]
    create = "mutation($c: ID!, $n: String!) { createUnit(input: {companyId: $c, name: $n}) { id } }"
    move = "mutation($id: ID!, $p: ID!) { updateUnit(id: $id, input: {parentUnitId: $p}) { id } }"
    for attempt in range(PARALLEL):
        # given two top units
        a, b = [
            data(await gql(create, {"c": company_id, "n": f"{name}{attempt}"}, admin_token))["createUnit"]["id"]
            for name in ("A", "B")
        ]
        # when one user puts A under B while another puts B under A
        results = await asyncio.gather(
            gql(move, {"id": a, "p": b}, admin_token), gql(move, {"id": b, "p": a}, admin_token)
        )
        # then one move succeeds and the other is refused, and one of them is still a top unit
        assert sorted("errors" in r for r in results) == [False, True]
        assert [error_code(r) for r in results if "errors" in r] == ["BAD_USER_INPUT"]
        assert await _count(deps, "MATCH (u:Unit)-[:PART_OF*1..]->(u) RETURN count(u) AS n") == 0
    units = data(await gql("query($c: ID!) { company(id: $c) { units { id } } }", {"c": company_id}, admin_token))
    assert len(units["company"]["units"]) == PARALLEL


async def test_parallel_company_moves_never_make_a_cycle(gql: Gql, deps: Deps, admin_token: str) -> None:
    create = "mutation($n: String!) { createCompany(input: {name: $n}) { id } }"
    move = "mutation($id: ID!, $p: ID!) { updateCompany(id: $id, input: {parentId: $p}) { id } }"
    for attempt in range(PARALLEL):
        # given three companies in a chain C <- B and a separate A
        a, b, c = [
            data(await gql(create, {"n": f"{name}{attempt}"}, admin_token))["createCompany"]["id"]
            for name in ("A", "B", "C")
        ]
        data(await gql(move, {"id": b, "p": c}, admin_token))
        # when one user puts A under B while another puts C under A
        results = await asyncio.gather(
            gql(move, {"id": a, "p": b}, admin_token), gql(move, {"id": c, "p": a}, admin_token)
        )
        # then one move succeeds, the other is refused, and no company is its own ancestor
        assert sorted("errors" in r for r in results) == [False, True]
        assert [error_code(r) for r in results if "errors" in r] == ["BAD_USER_INPUT"]
        assert await _count(deps, "MATCH (c:Company)-[:SUBSIDIARY_OF*1..]->(c) RETURN count(c) AS n") == 0


async def test_parallel_conversions_of_leads_with_one_new_domain_make_one_company(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    # given five leads from the same new company
    create = 'mutation($n: String!) { createLead(input: {lastName: $n, companyName: "New Co", companyDomain: "new.example"}) { id } }'
    leads = [data(await gql(create, {"n": f"Lead {i}"}, admin_token))["createLead"]["id"] for i in range(5)]
    # when they are converted at the same time
    convert = "mutation($l: ID!) { convertLead(leadId: $l) { company { id } } }"
    results = await asyncio.gather(*(gql(convert, {"l": lead}, admin_token) for lead in leads))
    # then the first conversion creates the company and the others reuse it
    assert len({data(r)["convertLead"]["company"]["id"] for r in results}) == 1
    assert await _count(deps, "MATCH (c:Company) RETURN count(c) AS n") == 1
