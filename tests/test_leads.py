"""Leads: attempts documented fast, scores, qualification, conversion reusing companies by domain."""

from __future__ import annotations

from tests.conftest import Gql, data, error_code

CREATE = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id status score owner { id } } }"
ATTEMPT = "mutation($l: ID!, $i: QualificationAttemptInput!) { logQualificationAttempt(leadId: $l, input: $i) { status score nextAttemptAt attempts { type outcome body } } }"
CONVERT = "mutation($l: ID!, $i: ConvertLeadInput) { convertLead(leadId: $l, input: $i) { lead { status convertedPerson { id } } person { id fullName email phones company { id } } company { id name } opportunity { name amount stage company { id } } } }"


async def test_a_lead_is_worked_qualified_and_converted(gql: Gql, admin: tuple[str, str]) -> None:
    admin_id, token = admin
    existing = data(
        await gql('mutation { createCompany(input: {name: "ACME AG", domain: "acme.example"}) { id } }', token=token)
    )["createCompany"]["id"]
    # given a lead with full contact data (score 20 + 15 + 10 + 15 + 5)
    lead = {
        "firstName": "Lena",
        "lastName": "Lead",
        "email": "lena@acme.example",
        "phone": "030 1234567",
        "companyName": "Acme",
        "companyDomain": "ACME.example",
        "source": "web form",
    }
    created = data(await gql(CREATE, {"i": lead}, token))["createLead"]
    assert {k: v for k, v in created.items() if k != "id"} == {"status": "NEW", "score": 65, "owner": {"id": admin_id}}
    lead_id = created["id"]

    # when a first attempt finds nobody, the lead is being worked and gains 10 points
    first = await gql(
        ATTEMPT,
        {
            "l": lead_id,
            "i": {
                "type": "CALL",
                "outcome": "no answer",
                "note": "try Tuesday",
                "nextAttemptAt": "2030-01-07T09:00:00+00:00",
            },
        },
        token,
    )
    assert data(first)["logQualificationAttempt"] == {
        "status": "WORKING",
        "score": 75,
        "nextAttemptAt": "2030-01-07T09:00:00+00:00",
        "attempts": [{"type": "CALL", "outcome": "no answer", "body": "try Tuesday"}],
    }
    # and a second one qualifies it (score capped at 100)
    second = data(
        await gql(ATTEMPT, {"l": lead_id, "i": {"type": "MEETING", "outcome": "Qualified: budget approved"}}, token)
    )
    assert (second["logQualificationAttempt"]["status"], second["logQualificationAttempt"]["score"]) == (
        "QUALIFIED",
        100,
    )
    qualified = data(
        await gql(
            "{ leads(filter: {status: QUALIFIED, minScore: 90}) { totalCount edges { node { id } } } }", token=token
        )
    )
    assert qualified["leads"] == {"totalCount": 1, "edges": [{"node": {"id": lead_id}}]}

    # when converted, the company with the lead's domain is reused and an opportunity opened
    done = data(await gql(CONVERT, {"l": lead_id, "i": {"amount": "12000"}}, token))["convertLead"]
    person_id = done["person"]["id"]
    assert done == {
        "lead": {"status": "CONVERTED", "convertedPerson": {"id": person_id}},
        "person": {
            "id": person_id,
            "fullName": "Lena Lead",
            "email": "lena@acme.example",
            "phones": ["+49301234567"],
            "company": {"id": existing},
        },
        "company": {"id": existing, "name": "ACME AG"},
        "opportunity": {"name": "Acme", "amount": "12000.00", "stage": "QUALIFICATION", "company": {"id": existing}},
    }
    # and the person carries the lead's history
    timeline = data(
        await gql(
            "query($p: ID!) { person(id: $p) { timeline { edges { node { outcome } } } } }", {"p": person_id}, token
        )
    )
    assert [e["node"]["outcome"] for e in timeline["person"]["timeline"]["edges"]] == [
        "Qualified: budget approved",
        "no answer",
    ]
    assert (
        data(await gql('{ companies(filter: {nameContains: "acme"}) { totalCount } }', token=token))["companies"][
            "totalCount"
        ]
        == 1
    )
    # a converted lead is done
    assert error_code(await gql(CONVERT, {"l": lead_id}, token)) == "CONFLICT"
    assert (
        error_code(
            await gql('mutation($l: ID!) { disqualifyLead(leadId: $l, reason: "x") { id } }', {"l": lead_id}, token)
        )
        == "CONFLICT"
    )


async def test_a_disqualified_lead_scores_zero_and_takes_no_attempts(gql: Gql, admin_token: str) -> None:
    lead_id = data(await gql(CREATE, {"i": {"lastName": "Cold", "email": "cold@x.example"}}, admin_token))[
        "createLead"
    ]["id"]
    result = data(
        await gql(
            'mutation($l: ID!) { disqualifyLead(leadId: $l, reason: "no budget") { status score } }',
            {"l": lead_id},
            admin_token,
        )
    )
    assert result["disqualifyLead"] == {"status": "DISQUALIFIED", "score": 0}
    assert (
        error_code(await gql(ATTEMPT, {"l": lead_id, "i": {"type": "CALL", "outcome": "hello"}}, admin_token))
        == "CONFLICT"
    )
    assert error_code(await gql(CONVERT, {"l": lead_id}, admin_token)) == "CONFLICT"
    hits = data(await gql('{ search(text: "cold") { __typename ... on Lead { lastName status } } }', token=admin_token))
    assert hits["search"] == [{"__typename": "Lead", "lastName": "Cold", "status": "DISQUALIFIED"}]


async def test_bad_lead_input_writes_nothing(gql: Gql, admin_token: str) -> None:
    assert error_code(await gql(CREATE, {"i": {"lastName": " "}}, admin_token)) == "BAD_USER_INPUT"
    assert error_code(await gql(CREATE, {"i": {"lastName": "X", "phone": "call me"}}, admin_token)) == "BAD_USER_INPUT"
    assert error_code(await gql(CREATE, {"i": {"lastName": "X", "ownerId": "usr_missing"}}, admin_token)) == "NOT_FOUND"
    assert (
        error_code(await gql(ATTEMPT, {"l": "led_missing", "i": {"type": "CALL", "outcome": "x"}}, admin_token))
        == "NOT_FOUND"
    )
    assert data(await gql("{ leads { totalCount } }", token=admin_token)) == {"leads": {"totalCount": 0}}
