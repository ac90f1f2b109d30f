"""Input limits: money range and scale, list sizes, text without controls, cursors that fit their page."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from domain.deps import Deps
from tests.conftest import Gql, data

CREATE_OPPORTUNITY = 'mutation($a: Decimal!) { createOpportunity(input: {name: "Deal", amount: $a}) { amount } }'
BAD_AMOUNT = "amount must be a number from 0 to 999999999999.99"


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _only_error(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    assert len(result["errors"]) == 1, result
    return result["errors"][0]["message"], result["errors"][0]["extensions"]


async def _count(deps: Deps, label: str) -> int:
    row = await deps.db.read_one(f"MATCH (n:{label}) RETURN count(n) AS n")
    return int(row["n"]) if row else 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100000000000000000", BAD_AMOUNT),
        ("1e30", BAD_AMOUNT),
        (1e30, BAD_AMOUNT),
        ("1000000000000", BAD_AMOUNT),
        ("-0.01", BAD_AMOUNT),
        ("NaN", BAD_AMOUNT),
        ("Infinity", BAD_AMOUNT),
        ("1.005", "amount has more than 2 decimals"),
        ("0.001", "amount has more than 2 decimals"),
    ],
)
async def test_amounts_outside_the_range_or_scale_are_refused(
    gql: Gql, admin_token: str, deps: Deps, amount: Any, message: str
) -> None:
    result = await gql(CREATE_OPPORTUNITY, {"a": amount}, admin_token)

    assert result["data"] is None
    assert _only_error(result) == (message, {"code": "BAD_USER_INPUT", "field": "amount"})
    assert await _count(deps, "Opportunity") == 0


@pytest.mark.parametrize(
    ("amount", "stored"),
    [("999999999999.99", "999999999999.99"), ("1.500", "1.50"), ("12", "12.00"), (7.25, "7.25"), ("-0", "0.00")],
)
async def test_amounts_within_the_range_keep_their_cents(gql: Gql, admin_token: str, amount: Any, stored: str) -> None:
    assert data(await gql(CREATE_OPPORTUNITY, {"a": amount}, admin_token))["createOpportunity"] == {"amount": stored}


async def test_every_amount_input_has_the_same_limits(gql: Gql, admin: tuple[str, str], deps: Deps) -> None:
    admin_id, token = admin
    deal = data(await gql(CREATE_OPPORTUNITY, {"a": "10"}, token))
    assert deal == {"createOpportunity": {"amount": "10.00"}}
    deal_id = (await deps.db.read_one("MATCH (o:Opportunity) RETURN o.id AS id"))["id"]  # type: ignore[index]
    lead_id = data(await gql('mutation { createLead(input: {lastName: "L"}) { id } }', token=token))["createLead"]["id"]

    updated = await gql(
        'mutation($id: ID!) { updateOpportunity(id: $id, input: {amount: "1e17"}) { amount } }', {"id": deal_id}, token
    )
    converted = await gql(
        'mutation($l: ID!) { convertLead(leadId: $l, input: {amount: "0.125"}) { person { id } } }',
        {"l": lead_id},
        token,
    )
    target = await gql(
        'mutation($u: ID!) { setTarget(userId: $u, period: "2030-01", amount: "1e30") { target } }',
        {"u": admin_id},
        token,
    )

    assert _only_error(updated) == (BAD_AMOUNT, {"code": "BAD_USER_INPUT", "field": "amount"})
    assert _only_error(converted) == ("amount has more than 2 decimals", {"code": "BAD_USER_INPUT", "field": "amount"})
    assert _only_error(target) == (BAD_AMOUNT, {"code": "BAD_USER_INPUT", "field": "amount"})
    row = await deps.db.read_one(
        "RETURN COLLECT { MATCH (o:Opportunity) RETURN o.amount } AS amounts, COUNT { (:Person) } AS persons, "
        "COUNT { (:Target) } AS targets"
    )
    assert row == {"amounts": ["10.00"], "persons": 0, "targets": 0}


@pytest.mark.parametrize(
    ("variables", "message", "field"),
    [
        ({"tags": [f"t{i}" for i in range(10_000)]}, "tags: at most 20 items", "tags"),
        ({"tags": ["x" * 51]}, "tags is longer than 50 characters", "tags"),
        ({"phones": ["+4930123456"] * 11}, "phones: at most 10 items", "phones"),
        (
            {"externalIds": [{"system": "erp", "value": str(i)} for i in range(11)]},
            "externalIds: at most 10 items",
            "externalIds",
        ),
        ({"lastName": "\u200b\u200c\u200d\ufeff"}, "lastName must not be empty", "lastName"),
        ({"lastName": "\u0001\u0002"}, "lastName contains control characters", "lastName"),
        ({"lastName": "Doe", "email": "a\u0000b@example.com"}, "email contains control characters", "email"),
        ({"lastName": "Doe", "jobTitle": "CEO\u0007"}, "jobTitle contains control characters", "jobTitle"),
        ({"lastName": "x" * 201}, "lastName is longer than 200 characters", "lastName"),
    ],
)
async def test_lists_and_texts_over_their_limits_are_refused(
    gql: Gql, admin_token: str, deps: Deps, variables: dict[str, Any], message: str, field: str
) -> None:
    person = {"lastName": "Doe", **variables}
    result = await gql(
        "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }", {"i": person}, admin_token
    )

    assert result["data"] is None
    assert _only_error(result) == (message, {"code": "BAD_USER_INPUT", "field": field})
    assert await _count(deps, "Person") == 0


async def test_names_of_invisible_characters_are_refused_everywhere(gql: Gql, admin_token: str, deps: Deps) -> None:
    for mutation in [
        "mutation($n: String!) { createCompany(input: {name: $n}) { id } }",
        "mutation($n: String!) { createLead(input: {lastName: $n}) { id } }",
        'mutation($n: String!) { createOpportunity(input: {name: $n, amount: "1"}) { id } }',
    ]:
        for name in ["\u200b", " \u2060\u00ad ", "\u0000"]:
            result = await gql(mutation, {"n": name}, admin_token)
            message, extensions = _only_error(result)
            assert extensions["code"] == "BAD_USER_INPUT"
            assert message.endswith(("must not be empty", "contains control characters"))
    assert await deps.db.read_one("MATCH (n:Company|Lead|Opportunity) RETURN count(n) AS n") == {"n": 0}


async def test_text_keeps_line_breaks_and_visible_unicode(gql: Gql, admin_token: str) -> None:
    person = data(
        await gql(
            'mutation { createPerson(input: {lastName: "Ørsted 👩\u200d💻", jobTitle: "Head of\\tSales"}) { lastName jobTitle } }',
            token=admin_token,
        )
    )
    assert person["createPerson"] == {"lastName": "Ørsted 👩\u200d💻", "jobTitle": "Head of\tSales"}


async def test_an_activity_about_too_many_people_is_refused(gql: Gql, admin_token: str, deps: Deps) -> None:
    result = await gql(
        'mutation($p: [ID!]) { logActivity(input: {type: CALL, subject: "s", personIds: $p}) { id } }',
        {"p": [f"per_{i}" for i in range(51)]},
        admin_token,
    )

    assert _only_error(result) == ("personIds: at most 50 items", {"code": "BAD_USER_INPUT", "field": "personIds"})
    assert await _count(deps, "Activity") == 0


@pytest.mark.parametrize(
    ("after", "for_names_too"),
    [
        ("!!!!", True),
        (_cursor([1, 2, 3]), True),
        (_cursor(["a"]), True),
        (_cursor({"at": "2030-01-01"}), True),
        (_cursor([None, "x"]), True),
        (_cursor(["ACME", "cmp_1"]), False),  # a company cursor on a time-ordered page
        (_cursor(["2030-02-30T00:00:00Z", "act_1"]), False),  # no such day
    ],
)
async def test_forged_cursors_are_bad_user_input_on_every_page(
    gql: Gql, admin_token: str, after: str, for_names_too: bool
) -> None:
    # given one of each parent
    company = data(await gql('mutation { createCompany(input: {name: "C"}) { id } }', token=admin_token))
    company_id = company["createCompany"]["id"]
    person = data(await gql('mutation { createPerson(input: {lastName: "P"}) { id } }', token=admin_token))
    person_id = person["createPerson"]["id"]
    pages = {
        "leads": "query($a: String) { leads(after: $a) { totalCount } }",
        "opportunities": "query($a: String) { opportunities(after: $a) { totalCount } }",
        "company.timeline": "query($a: String, $c: ID!) { company(id: $c) { timeline(after: $a) { totalCount } } }",
        "person.timeline": "query($a: String, $p: ID!) { person(id: $p) { timeline(after: $a) { totalCount } } }",
        "person.relations": "query($a: String, $p: ID!) { person(id: $p) { relations(after: $a) { totalCount } } }",
    }
    if for_names_too:  # any two strings are a key of the name-ordered pages
        pages["companies"] = "query($a: String) { companies(after: $a) { totalCount } }"
        pages["persons"] = "query($a: String) { persons(after: $a) { totalCount } }"

    for name, query in pages.items():
        variables = {"a": after, "c": company_id, "p": person_id}
        result = await gql(query, {k: v for k, v in variables.items() if f"${k}" in query}, admin_token)
        assert _only_error(result) == ("invalid cursor", {"code": "BAD_USER_INPUT", "argument": "after"}), name


@pytest.mark.parametrize(
    "after",
    [
        "99999999999999999999-0",
        "0-18446744073709551616",
        "18446744073709551615-18446744073709551615",
        "1-",
        "\uff11-1",
    ],  # a full-width digit
)
async def test_change_feed_cursors_must_fit_64_bits(gql: Gql, admin_token: str, after: str) -> None:
    result = await gql("query($a: String) { changes(after: $a) { edges { cursor } } }", {"a": after}, admin_token)

    assert result["data"] is None
    assert _only_error(result) == ("invalid cursor", {"code": "BAD_USER_INPUT", "argument": "after"})


async def test_a_decimal_that_is_no_number_is_refused_by_the_scalar(gql: Gql, admin_token: str) -> None:
    result = await gql(CREATE_OPPORTUNITY, {"a": "12,50"}, admin_token)

    assert _only_error(result) == (
        "Variable '$a' has invalid value: Value cannot represent a Decimal: \"12,50\".",
        {"code": "BAD_USER_INPUT"},
    )


async def test_the_largest_usable_change_cursor_reads_an_empty_page(gql: Gql, admin_token: str) -> None:
    result = await gql(
        '{ changes(after: "18446744073709551615-18446744073709551614") { edges { cursor } } }', token=admin_token
    )

    assert data(result) == {"changes": {"edges": []}}
