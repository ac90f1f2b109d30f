"""Pipeline, forecast and targets: exact per-currency sums."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tests.conftest import Gql, data, error_code

CREATE = "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }"


async def test_pipeline_forecast_and_targets(
    gql: Gql, admin_token: str, make_user: Callable[..., Awaitable[tuple[str, str]]]
) -> None:
    rep_id, rep = await make_user("SALES_REP")
    today = datetime.now(UTC).date()
    month = f"{today.year}-{today.month:02d}"
    next_month = f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"
    month_end = today.replace(day=28).isoformat()
    # given the rep's deals in EUR (one won today) and one in USD
    deals: list[dict[str, Any]] = [
        {"name": "P", "amount": "1000", "stage": "PROSPECTING"},
        {"name": "Q", "amount": "2000.50", "stage": "PROPOSAL", "expectedCloseDate": month_end},
        {"name": "N", "amount": "3000", "stage": "NEGOTIATION", "probability": 0.8},
        {"name": "W", "amount": "4000", "stage": "NEGOTIATION"},
        {"name": "U", "amount": "5000", "stage": "PROPOSAL", "currency": "USD"},
    ]
    for fields in deals:
        opportunity = data(await gql(CREATE, {"i": {"ownerId": rep_id, **fields}}, admin_token))["createOpportunity"][
            "id"
        ]
        if fields["name"] == "W":
            await gql(
                "mutation($id: ID!) { updateOpportunity(id: $id, input: {stage: CLOSED_WON}) { id } }",
                {"id": opportunity},
                admin_token,
            )

    # then the EUR pipeline has every stage in order, weighted by probability
    pipeline = data(await gql("{ pipeline { stage count amount weightedAmount currency } }", token=rep))["pipeline"]
    assert [(p["stage"], p["count"], p["amount"], p["weightedAmount"]) for p in pipeline] == [
        ("PROSPECTING", 1, "1000.00", "100.00"),
        ("QUALIFICATION", 0, "0.00", "0.00"),
        ("PROPOSAL", 1, "2000.50", "1000.25"),
        ("NEGOTIATION", 1, "3000.00", "2400.00"),
        ("CLOSED_WON", 1, "4000.00", "4000.00"),
        ("CLOSED_LOST", 0, "0.00", "0.00"),
    ]
    assert {p["currency"] for p in pipeline} == {"EUR"}
    usd = data(await gql('{ pipeline(currency: "usd") { stage amount } }', token=rep))["pipeline"]
    assert [p for p in usd if p["amount"] != "0.00"] == [{"stage": "PROPOSAL", "amount": "5000.00"}]

    # when a manager sets the rep's target for this month
    assert (
        error_code(
            await gql(
                'mutation($u: ID!, $p: String!) { setTarget(userId: $u, period: $p, amount: "1") { target } }',
                {"u": rep_id, "p": month},
                rep,
            )
        )
        == "FORBIDDEN"
    )
    status = await gql(
        'mutation($u: ID!, $p: String!) { setTarget(userId: $u, period: $p, amount: "10000") { user { id } period currency target wonAmount weightedAmount attainment } }',
        {"u": rep_id, "p": month},
        admin_token,
    )
    assert data(status)["setTarget"] == {
        "user": {"id": rep_id},
        "period": month,
        "currency": "EUR",
        "target": "10000.00",
        "wonAmount": "4000.00",
        "weightedAmount": "1000.25",
        "attainment": 0.4,
    }
    listed = data(
        await gql("query($p: String!) { targetStatus(period: $p) { user { id } target } }", {"p": month}, rep)
    )
    assert listed["targetStatus"] == [{"user": {"id": rep_id}, "target": "10000.00"}]

    # and the forecast shows this month against the target and an empty next month
    forecast = data(
        await gql(
            "query($f: Date!, $t: Date!) { forecast(from: $f, to: $t) { period openAmount weightedAmount wonAmount target attainment } }",
            {"f": today.replace(day=1).isoformat(), "t": f"{next_month}-01"},
            rep,
        )
    )["forecast"]
    assert forecast == [
        {
            "period": month,
            "openAmount": "2000.50",
            "weightedAmount": "1000.25",
            "wonAmount": "4000.00",
            "target": "10000.00",
            "attainment": 0.4,
        },
        {
            "period": next_month,
            "openAmount": "0.00",
            "weightedAmount": "0.00",
            "wonAmount": "0.00",
            "target": None,
            "attainment": None,
        },
    ]
    quarters = data(
        await gql('{ forecast(from: "2026-01-01", to: "2026-12-31", granularity: QUARTER) { period } }', token=rep)
    )["forecast"]
    assert [q["period"] for q in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert error_code(await gql('{ targetStatus(period: "2026-13") { target } }', token=rep)) == "BAD_USER_INPUT"
    assert (
        error_code(await gql('{ forecast(from: "2026-05-01", to: "2026-01-01") { period } }', token=rep))
        == "BAD_USER_INPUT"
    )
