"""erasePerson removes every copy of the person's data, including its converted lead and mentions elsewhere."""

from __future__ import annotations

from tests.conftest import Gql, data

CREATE_LEAD = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }"
ATTEMPT = "mutation($l: ID!, $i: QualificationAttemptInput!) { logQualificationAttempt(leadId: $l, input: $i) { id } }"
CONVERT = "mutation($l: ID!) { convertLead(leadId: $l, input: {createOpportunity: false}) { person { id } } }"
LOG = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }"
ACTIVITY = "query($id: ID!) { node(id: $id) { ... on Activity { subject body outcome } } }"
SEARCH = "query($t: String!) { search(text: $t) { __typename } }"


async def test_erasure_covers_the_converted_lead_and_mentions_in_shared_activities(
    gql: Gql, admin: tuple[str, str]
) -> None:
    _, token = admin
    # given a lead, worked and converted into a person
    lead = {"firstName": "Erika", "lastName": "Mustermann", "email": "erika@muster.example", "phone": "030 1234567"}
    lead_id = data(await gql(CREATE_LEAD, {"i": lead}, token))["createLead"]["id"]
    attempt = {"type": "CALL", "outcome": "Qualified: Erika wants a demo", "note": "Erika Mustermann, 030 1234567"}
    data(await gql(ATTEMPT, {"l": lead_id, "i": attempt}, token))
    erika = data(await gql(CONVERT, {"l": lead_id}, token))["convertLead"]["person"]["id"]
    bob = data(await gql('mutation { createPerson(input: {lastName: "Bob"}) { id } }', token=token))["createPerson"]
    # and an activity about her and Bob that names her
    shared = {
        "type": "MEETING",
        "subject": "Lunch with Erika Mustermann and Bob",
        "body": "Erika's number: +49 30 1234567, mail ERIKA@muster.example; Bob pays",
        "outcome": "mustermann will call back",
        "personIds": [erika, bob["id"]],
    }
    shared_id = data(await gql(LOG, {"i": shared}, token))["logActivity"]["id"]
    assert len(data(await gql(SEARCH, {"t": "Mustermann"}, token))["search"]) == 2  # the lead and the person

    # when she is erased
    assert data(await gql("mutation($id: ID!) { erasePerson(id: $id) }", {"id": erika}, token)) == {
        "erasePerson": erika
    }

    # then search finds her by no name, e-mail or phone
    for text in ("Mustermann", "Erika", "erika@muster.example", "1234567"):
        assert data(await gql(SEARCH, {"t": text}, token))["search"] == [], text
    # the converted lead keeps no contact data
    lead_after = data(
        await gql("query($id: ID!) { lead(id: $id) { firstName lastName email phone status } }", {"id": lead_id}, token)
    )
    assert lead_after["lead"] == {
        "firstName": None,
        "lastName": "(erased)",
        "email": None,
        "phone": None,
        "status": "CONVERTED",
    }
    # the shared activity names her no more, and Bob still has it
    assert data(await gql(ACTIVITY, {"id": shared_id}, token))["node"] == {
        "subject": "Lunch with erased person and Bob",
        "body": "erased person's number: erased person, mail erased person; Bob pays",
        "outcome": "erased person will call back",
    }
    bob_history = data(
        await gql(
            "query($id: ID!) { person(id: $id) { timeline { edges { node { id } } } } }", {"id": bob["id"]}, token
        )
    )
    assert bob_history["person"]["timeline"]["edges"] == [{"node": {"id": shared_id}}]
    # and the qualification attempt (about her alone) lost its texts
    attempts = data(
        await gql("query($id: ID!) { lead(id: $id) { attempts { subject body outcome } } }", {"id": lead_id}, token)
    )
    assert attempts["lead"]["attempts"] == [{"subject": "(erased)", "body": None, "outcome": None}]
