"""Dates and times: out-of-range input is refused before any write; no stored time breaks a read."""

from __future__ import annotations

from typing import Any

import pytest

from domain.deps import Deps
from tests.conftest import Gql, data

LOG = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id occurredAt } }"
ATTEMPT = "mutation($l: ID!, $i: QualificationAttemptInput!) { logQualificationAttempt(leadId: $l, input: $i) { id } }"
TIMELINE = "{ id timeline { totalCount edges { cursor node { subject occurredAt } } } }"
READS = (
    "query($p: ID!, $c: ID!, $g: ID!) { person(id: $p) "
    + TIMELINE
    + " company(id: $c) "
    + TIMELINE
    + " group: company(id: $g) "
    + TIMELINE
    + " leads { totalCount edges { node { id nextAttemptAt attempts { occurredAt } } } } }"
)
OUT_OF_RANGE = [
    "9999-12-31T23:00:00-14:00",
    "0001-01-01T00:00:00+14:00",
    "1899-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z",
]


async def _world(gql: Gql, token: str) -> dict[str, str]:
    """A group (parent with a subsidiary), a person at the subsidiary, a lead; one activity about the person."""
    group = data(await gql('mutation { createCompany(input: {name: "Group"}) { id } }', token=token))
    sub = data(
        await gql(
            'mutation($p: ID!) { createCompany(input: {name: "Sub", parentId: $p}) { id } }',
            {"p": group["createCompany"]["id"]},
            token,
        )
    )
    person = data(
        await gql(
            'mutation($c: ID!) { createPerson(input: {lastName: "Pers", companyId: $c}) { id } }',
            {"c": sub["createCompany"]["id"]},
            token,
        )
    )
    lead = data(await gql('mutation { createLead(input: {lastName: "Lead"}) { id } }', token=token))
    ids = {
        "group": group["createCompany"]["id"],
        "company": sub["createCompany"]["id"],
        "person": person["createPerson"]["id"],
        "lead": lead["createLead"]["id"],
    }
    first = {"type": "CALL", "subject": "first", "personIds": [ids["person"]], "occurredAt": "2030-01-07T09:00:00Z"}
    data(await gql(LOG, {"i": first}, token))
    return ids


async def _reads(gql: Gql, token: str, ids: dict[str, str]) -> dict[str, Any]:
    return data(await gql(READS, {"p": ids["person"], "c": ids["company"], "g": ids["group"]}, token))


async def _counts(deps: Deps) -> dict[str, int]:
    row = await deps.db.read_one(
        "RETURN COUNT { (:Activity) } AS activities, COUNT { (:TimelineEntry) } AS entries, "
        "COUNT { (l:Lead) WHERE l.nextAttemptAt IS NOT NULL OR l.status <> 'NEW' } AS touchedLeads"
    )
    assert row is not None
    return dict(row)


@pytest.mark.parametrize("when", OUT_OF_RANGE)
async def test_an_activity_out_of_range_is_refused_and_nothing_is_written(
    gql: Gql, admin_token: str, deps: Deps, when: str
) -> None:
    # given a person with one activity
    ids = await _world(gql, admin_token)
    before = await _counts(deps)

    # when an activity at an impossible time is logged, as a variable and as a literal
    bad = {"type": "CALL", "subject": "late", "personIds": [ids["person"]], "occurredAt": when}
    as_variable = await gql(LOG, {"i": bad}, admin_token)
    as_literal = await gql(
        'mutation($p: ID!) { logActivity(input: {type: CALL, subject: "late", personIds: [$p], occurredAt: "'
        + when
        + '"}) { id } }',
        {"p": ids["person"]},
        admin_token,
    )

    # then both are BAD_USER_INPUT, nothing is written, and every timeline still reads
    message = f"{when} must lie in the years 1900..2200"
    assert as_variable["data"] is None
    assert as_variable["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "occurredAt"}
    assert as_variable["errors"][0]["message"] == f"Variable '$i' has invalid value at .occurredAt: {message}"
    assert as_literal["data"] is None
    assert as_literal["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert as_literal["errors"][0]["message"] == message
    assert await _counts(deps) == before
    reads = await _reads(gql, admin_token, ids)
    for name in ("person", "company", "group"):
        assert reads[name]["timeline"]["totalCount"] == 1
        assert [e["node"]["subject"] for e in reads[name]["timeline"]["edges"]] == ["first"]


@pytest.mark.parametrize("when", OUT_OF_RANGE)
async def test_a_next_attempt_out_of_range_is_refused_and_the_leads_still_read(
    gql: Gql, admin_token: str, deps: Deps, when: str
) -> None:
    ids = await _world(gql, admin_token)
    before = await _counts(deps)

    result = await gql(
        ATTEMPT, {"l": ids["lead"], "i": {"type": "CALL", "outcome": "no answer", "nextAttemptAt": when}}, admin_token
    )

    assert result["data"] is None
    assert result["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "nextAttemptAt"}
    assert await _counts(deps) == before
    leads = (await _reads(gql, admin_token, ids))["leads"]
    assert leads == {"totalCount": 1, "edges": [{"node": {"id": ids["lead"], "nextAttemptAt": None, "attempts": []}}]}


async def test_times_at_the_edges_of_the_range_are_kept(gql: Gql, admin_token: str) -> None:
    ids = await _world(gql, admin_token)
    for when, stored in [
        ("1900-01-01T00:00:00Z", "1900-01-01T00:00:00+00:00"),
        ("2200-12-31T23:59:59+00:00", "2200-12-31T23:59:59+00:00"),
        ("2030-01-07T09:00:00", "2030-01-07T09:00:00+00:00"),  # no offset: UTC
        ("2030-01-07T09:00:30+01:00:30", "2030-01-07T08:00:00+00:00"),  # an offset with seconds
        ("2030-01-07T09:00:00.5+05:30", "2030-01-07T03:30:00.500000+00:00"),
    ]:
        logged = data(
            await gql(
                LOG,
                {"i": {"type": "NOTE", "subject": when, "personIds": [ids["person"]], "occurredAt": when}},
                admin_token,
            )
        )
        assert logged["logActivity"]["occurredAt"] == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [("expectedCloseDate", "9999-12-31"), ("nextStepDue", "0001-01-01"), ("expectedCloseDate", "2201-01-01")],
)
async def test_opportunity_dates_out_of_range_are_refused(
    gql: Gql, admin_token: str, deps: Deps, field: str, value: str
) -> None:
    create = "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }"
    created = await gql(create, {"i": {"name": "Deal", "amount": "100", field: value}}, admin_token)
    assert created["data"] is None
    assert created["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}

    deal = data(await gql(create, {"i": {"name": "Deal", "amount": "100"}}, admin_token))["createOpportunity"]["id"]
    update = "mutation($id: ID!, $i: UpdateOpportunityInput!) { updateOpportunity(id: $id, input: $i) { id } }"
    updated = await gql(update, {"id": deal, "i": {field: value}}, admin_token)
    assert updated["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    row = await deps.db.read_one("MATCH (o:Opportunity) RETURN count(o) AS n, collect(o[$f]) AS v", {"f": field})
    assert row == {"n": 1, "v": []}

    # filters and the forecast take dates in the same range
    listed = await gql(
        "query($d: Date) { opportunities(filter: {closingFrom: $d}) { totalCount } }", {"d": value}, admin_token
    )
    assert listed["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert (
        listed["errors"][0]["message"] == f"Variable '$d' has invalid value: {value} must lie in the years 1900..2200"
    )
    forecast = await gql(
        'query($d: Date!) { forecast(from: $d, to: "2030-01-01") { period } }', {"d": value}, admin_token
    )
    assert forecast["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


@pytest.mark.parametrize(
    "stored",
    ["+10000-01-01T13:00:00Z", "0000-06-01T00:00:00Z", "-5000-01-01T00:00:00Z", "+999999999-12-31T23:59:59Z"],
)
async def test_a_time_stored_out_of_range_does_not_break_any_read(
    gql: Gql, admin_token: str, deps: Deps, stored: str
) -> None:
    # given an activity, a lead's next attempt and an opportunity's dates written around the API
    ids = await _world(gql, admin_token)
    deal = data(
        await gql(
            'mutation($c: ID!) { createOpportunity(input: {name: "Deal", amount: "1", companyId: $c}) { id } }',
            {"c": ids["company"]},
            admin_token,
        )
    )["createOpportunity"]["id"]
    await deps.db.write(
        """
        MATCH (p:Person {id: $person}), (by:User), (l:Lead {id: $lead}), (o:Opportunity {id: $deal})
        CREATE (a:Activity:Entity {id: 'act_raw', type: 'NOTE', subject: 'raw', occurredAt: datetime($at),
          createdAt: datetime()})-[:ABOUT]->(p)
        CREATE (a)-[:ABOUT]->(l)
        CREATE (a)-[:ABOUT]->(o)
        CREATE (a)-[:BY]->(by)
        SET l.nextAttemptAt = datetime($at), o.lastActivityAt = datetime($at),
            o.expectedCloseDate = date(datetime($at)), o.nextStepDue = date(datetime($at))
        WITH a
        MATCH (g:Company) CREATE (:TimelineEntry {companyId: g.id, at: a.occurredAt, activityId: a.id})-[:OF]->(a)
        """,
        {"person": ids["person"], "lead": ids["lead"], "deal": deal, "at": stored},
    )
    edge = "9999-12-31T23:59:59.999999+00:00" if not stored.startswith(("0", "-")) else "0001-01-01T00:00:00+00:00"
    day = edge[:10]

    # when everything that shows these times is read, then it reads, with the time at the edge of what shows
    reads = await _reads(gql, admin_token, ids)
    for name in ("person", "company", "group"):
        timeline = reads[name]["timeline"]
        assert timeline["totalCount"] == 2
        assert sorted(e["node"]["occurredAt"] for e in timeline["edges"]) == sorted([edge, "2030-01-07T09:00:00+00:00"])
    assert reads["leads"]["edges"][0]["node"] == {
        "id": ids["lead"],
        "nextAttemptAt": edge,
        "attempts": [{"occurredAt": edge}],
    }
    opportunity = data(
        await gql(
            "query($id: ID!) { opportunity(id: $id) { lastActivityAt expectedCloseDate nextStepDue "
            "timeline { edges { node { occurredAt } } } } }",
            {"id": deal},
            admin_token,
        )
    )["opportunity"]
    assert opportunity == {
        "lastActivityAt": edge,
        "expectedCloseDate": day,
        "nextStepDue": day,
        "timeline": {"edges": [{"node": {"occurredAt": edge}}]},
    }

    # and the timeline pages past it with the cursor it hands out
    for name in ("person", "company"):
        query = (
            f"query($id: ID!, $after: String) {{ {name}(id: $id) {{ timeline(first: 1, after: $after) "
            "{ edges { node { subject } } pageInfo { endCursor } } } }"
        )
        first = data(await gql(query, {"id": ids[name]}, admin_token))[name]["timeline"]
        rest = data(await gql(query, {"id": ids[name], "after": first["pageInfo"]["endCursor"]}, admin_token))
        subjects = [first["edges"][0]["node"]["subject"], rest[name]["timeline"]["edges"][0]["node"]["subject"]]
        assert sorted(subjects) == ["first", "raw"]


@pytest.mark.parametrize("period", ["0000-01", "9999-12", "1899-Q4", "2201-01"])
async def test_target_periods_out_of_range_are_refused(
    gql: Gql, admin: tuple[str, str], deps: Deps, period: str
) -> None:
    admin_id, token = admin
    result = await gql(
        'mutation($u: ID!, $p: String!) { setTarget(userId: $u, period: $p, amount: "100") { target } }',
        {"u": admin_id, "p": period},
        token,
    )
    status = await gql("query($p: String!) { targetStatus(period: $p) { target } }", {"p": period}, token)

    for answer in (result, status):
        assert answer["data"] is None
        assert [(e["message"], e["extensions"]) for e in answer["errors"]] == [
            ("a period lies in the years 1900..2200", {"code": "BAD_USER_INPUT", "argument": "period"})
        ]
    assert await deps.db.read_one("MATCH (t:Target) RETURN count(t) AS n") == {"n": 0}
