"""The `crm` command line: user add, migrate, seed --demo."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from domain.deps import Deps
from domain.seed import DEMO_PASSWORD, seed_demo
from tests.conftest import Gql, data, login
from tests.servers import ROOT


def crm(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm.cli", *args],
        cwd=ROOT,
        env=dict(os.environ),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_user_add_reads_the_password_from_stdin(gql: Gql) -> None:
    result = crm(
        "user", "add", "--email", "Boss@Crm.Test", "--name", "Boss", "--role", "ADMIN", stdin="a long password\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("user boss@crm.test (ADMIN) id usr_")
    token = data(await gql('mutation { login(email: "boss@crm.test", password: "a long password") { token } }'))[
        "login"
    ]["token"]
    assert data(await gql("{ me { name role } }", token=token)) == {"me": {"name": "Boss", "role": "ADMIN"}}


def test_migrate_is_idempotent() -> None:
    first, second = crm("migrate"), crm("migrate")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout


async def test_demo_seed_loads_a_realistic_data_set_once(deps: Deps, gql: Gql) -> None:
    summary = await seed_demo(deps)
    assert summary.startswith("demo data loaded: 8 users")
    assert await seed_demo(deps) == "demo data present; nothing to do"
    token = await login(gql, "admin@demo.crm", DEMO_PASSWORD)
    counts = data(
        await gql(
            "{ users { totalCount } companies { totalCount } persons { totalCount } consumers: persons(filter: {consumer: true}) { totalCount } opportunities { totalCount edges { node { buyingCenter { missingRoles members { roles } } } } } }",
            token=token,
        )
    )
    assert counts["users"]["totalCount"] == 8 + 2  # and two more technicians of the service team
    assert counts["companies"]["totalCount"] == 6
    assert counts["persons"]["totalCount"] == 6 * 7 + 4 + 2000  # and the shop's 2,000 consumers
    assert counts["consumers"]["totalCount"] == 4 + 2000
    assert counts["opportunities"]["totalCount"] == 3
    for edge in counts["opportunities"]["edges"]:
        assert edge["node"]["buyingCenter"]["missingRoles"] == ["CHAMPION"]
        assert len(edge["node"]["buyingCenter"]["members"]) == 4


async def test_demo_seed_has_a_service_team_with_matching_work(deps: Deps, gql: Gql) -> None:
    await seed_demo(deps)
    token = await login(gql, "service@demo.crm", DEMO_PASSWORD)
    queue = data(
        await gql(
            "{ ticketsToSchedule { totalCount edges { node { id priority } } } tickets(filter: {status: SCHEDULED}) { totalCount } skills { name } }",
            token=token,
        )
    )
    assert queue["ticketsToSchedule"]["totalCount"] == 4
    assert queue["tickets"]["totalCount"] == 1
    assert [s["name"] for s in queue["skills"]] == ["Electrics", "Hydraulics", "PLC", "Solar", "Welding"]
    first = queue["ticketsToSchedule"]["edges"][0]["node"]
    assert first["priority"] == "HIGH"
    now = datetime.now(UTC)
    candidates = data(
        await gql(
            "query($t: ID!, $s: DateTime!, $e: DateTime!) { ticketCandidates(ticketId: $t, windowStart: $s, windowEnd: $e) { user { name } reasons } }",
            {"t": first["id"], "s": now.isoformat(), "e": (now + timedelta(days=14)).isoformat()},
            token,
        )
    )
    assert [c["user"]["name"] for c in candidates["ticketCandidates"]] == ["Mia Monteur"]


async def test_demo_seed_has_a_consumer_base_with_campaigns_a_segment_and_a_weekly_mailing(
    deps: Deps, gql: Gql
) -> None:
    # given the demo data
    await seed_demo(deps)
    token = await login(gql, "marketing@demo.crm", DEMO_PASSWORD)
    # when marketing looks at its campaigns and segments
    found = data(
        await gql(
            "{ campaigns { totalCount edges { node { name mailings { recurrence timezone status consentPurpose } } } }"
            " segments { edges { node { name size } } } }",
            token=token,
        )
    )
    # then two campaigns, the weekly newsletter, and a segment of recent buyers who subscribed
    assert found["campaigns"]["totalCount"] == 2
    mailings = [m for e in found["campaigns"]["edges"] for m in e["node"]["mailings"]]
    assert mailings == [
        {"recurrence": "0 9 * * 1", "timezone": "Europe/Berlin", "status": "SCHEDULED", "consentPurpose": "newsletter"}
    ]
    size = found["segments"]["edges"][0]["node"]["size"]
    expected = await deps.db.read_one(
        "MATCH (p:Person)-[:HAS_CONSENT]->(:Consent {channel: 'EMAIL', purpose: 'newsletter', status: 'GRANTED'}) "
        "WHERE EXISTS { (p)-[:PLACED]->(o:Order) WHERE o.placedAt >= datetime() - duration('P90D') } "
        "RETURN count(DISTINCT p) AS n"
    )
    assert expected is not None and size == expected["n"] > 0
