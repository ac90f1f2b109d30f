"""Data migrations that bring an existing database under the integrity constraints."""

from __future__ import annotations

from domain.deps import Deps
from graph.migrations import migrate
from tests.conftest import Gql, data

LEGACY_ALERT = """
MATCH (o:Opportunity {id: $id})
CREATE (:OpportunityAlert {id: $alertId, kind: 'CLOSE_DATE_PASSED', message: 'old', raisedAt: datetime($at),
  resolvedAt: CASE WHEN $resolved THEN datetime($at) END})-[:ON]->(o)
"""


async def test_alerts_raised_before_the_constraint_get_their_key_and_duplicates_resolve(
    gql: Gql, deps: Deps, admin_token: str
) -> None:
    # given an opportunity past its close date with alerts of the old shape: a resolved episode and
    # two open alerts of the same episode (raised by overlapping runs)
    created = await gql(
        'mutation { createOpportunity(input: {name: "Old", amount: "1", expectedCloseDate: "2020-01-01"}) { id } }',
        token=admin_token,
    )
    opportunity = data(created)["createOpportunity"]["id"]
    for alert_id, at, resolved in (
        ("alr_1", "2024-01-01T00:00:00Z", True),
        ("alr_2", "2024-02-01T00:00:00Z", False),
        ("alr_3", "2024-02-01T00:00:01Z", False),
    ):
        await deps.db.write(LEGACY_ALERT, {"id": opportunity, "alertId": alert_id, "at": at, "resolved": resolved})

    # when the database is migrated (twice: migrations are idempotent)
    await migrate(deps.db)
    await migrate(deps.db)

    # then the first open alert stays open, its duplicate is resolved, the old episode is untouched
    rows = await deps.db.read(
        "MATCH (x:OpportunityAlert) RETURN x.id AS id, x.opportunityId AS opportunityId, x.open AS open, "
        "x.resolvedAt IS NOT NULL AS resolved ORDER BY id"
    )
    assert rows == [
        {"id": "alr_1", "opportunityId": opportunity, "open": None, "resolved": True},
        {"id": "alr_2", "opportunityId": opportunity, "open": True, "resolved": False},
        {"id": "alr_3", "opportunityId": opportunity, "open": None, "resolved": True},
    ]
    # and the monitor keeps the open episode instead of raising it again
    assert data(await gql("mutation { runOpportunityMonitor }", token=admin_token)) == {"runOpportunityMonitor": 0}
    alerts = await gql("query($id: ID!) { opportunity(id: $id) { alerts { id } } }", {"id": opportunity}, admin_token)
    assert data(alerts)["opportunity"]["alerts"] == [{"id": "alr_2"}]


async def test_duplicate_targets_made_before_the_constraint_collapse_to_the_latest(deps: Deps) -> None:
    # given a database from before the constraint, with three targets for one user and month
    await deps.db.write("DROP CONSTRAINT target_key IF EXISTS")
    for cents, at in ((100, "2031-01-01T00:00:00Z"), (300, "2031-01-03T00:00:00Z"), (200, "2031-01-02T00:00:00Z")):
        await deps.db.write(
            "CREATE (:Target {userId: 'usr_1', period: '2031-03', currency: 'EUR', amountCents: $c, updatedAt: datetime($at)})",
            {"c": cents, "at": at},
        )
    await deps.db.write("CREATE (:Target {userId: 'usr_1', period: '2031-04', currency: 'EUR', amountCents: 5})")

    # when the database is migrated
    await migrate(deps.db)

    # then the latest target of the month stays, other months are untouched, and the key is unique
    rows = await deps.db.read("MATCH (t:Target) RETURN t.period AS period, t.amountCents AS cents ORDER BY period")
    assert rows == [{"period": "2031-03", "cents": 300}, {"period": "2031-04", "cents": 5}]
    names = await deps.db.read("SHOW CONSTRAINTS YIELD name WHERE name = 'target_key' RETURN name")
    assert names == [{"name": "target_key"}]
