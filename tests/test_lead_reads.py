"""Lead.convertedPerson reads wherever a lead is read: the list, one lead, the conversion's answer."""

from __future__ import annotations

from tests.conftest import Gql, data


async def test_converted_person_reads_in_the_list_and_alone(gql: Gql, admin_token: str) -> None:
    # given a converted lead and one still new
    create = 'mutation($n: String!) { createLead(input: {lastName: $n, companyName: "Acme"}) { id } }'
    converted = data(await gql(create, {"n": "Converted"}, admin_token))["createLead"]["id"]
    fresh = data(await gql(create, {"n": "Fresh"}, admin_token))["createLead"]["id"]
    conversion = data(
        await gql(
            "mutation($l: ID!) { convertLead(leadId: $l, input: {createOpportunity: false}) "
            "{ person { id } lead { convertedPerson { id lastName } } } }",
            {"l": converted},
            admin_token,
        )
    )["convertLead"]
    person_id = conversion["person"]["id"]
    assert conversion["lead"] == {"convertedPerson": {"id": person_id, "lastName": "Converted"}}

    # when the leads are listed and read one by one with convertedPerson
    listed = data(
        await gql(
            "{ leads { edges { node { id convertedPerson { id lastName company { name } } } } } }", token=admin_token
        )
    )
    one = data(
        await gql(
            "query($a: ID!, $b: ID!) { a: lead(id: $a) { convertedPerson { id } } b: lead(id: $b) { convertedPerson { id } } }",
            {"a": converted, "b": fresh},
            admin_token,
        )
    )

    # then the converted lead names its person and the new one none
    assert listed["leads"]["edges"] == [
        {"node": {"id": fresh, "convertedPerson": None}},
        {
            "node": {
                "id": converted,
                "convertedPerson": {"id": person_id, "lastName": "Converted", "company": {"name": "Acme"}},
            }
        },
    ]
    assert one == {"a": {"convertedPerson": {"id": person_id}}, "b": {"convertedPerson": None}}
