"""Company domains and e-mail addresses are compared normalised wherever a duplicate is looked for."""

from __future__ import annotations

import pytest

from domain.deps import Deps
from domain.normalize import normalize_domain
from graph.migrations import migrate
from tests.conftest import Gql, data

RAW_DOMAINS = [
    "Example.com",
    "https://www.Example.com/",
    "http://shop.example.org/path?q=1#x",
    "WWW.ACME.DE",
    "  acme.de.  ",
    "https://user@www.ports.io:8443/a",
    "ftp://files.example.net",
    "www.",
    "https://",
    "wwwx.example.com",
]


def test_normalize_domain_strips_scheme_www_and_trailing_slash() -> None:
    assert normalize_domain("https://www.Example.com/") == "example.com"
    assert normalize_domain("http://EXAMPLE.com") == "example.com"
    assert normalize_domain("www.example.com") == "example.com"
    assert normalize_domain("https://") is None


async def test_migration_normalizes_stored_domains_as_normalize_domain_does(deps: Deps) -> None:
    # given companies and leads stored before normalisation, with e-mail keys out of date
    await deps.db.write(
        "UNWIND range(0, size($domains) - 1) AS i "
        "CREATE (:Company {id: 'cmp_' + i, name: 'C' + i, domain: $domains[i]}) "
        "CREATE (:Lead {id: 'led_' + i, lastName: 'L' + i, companyDomain: $domains[i]})",
        {"domains": RAW_DOMAINS},
    )
    await deps.db.write(
        "CREATE (:Person {id: 'per_1', lastName: 'P', email: 'Anna.Meyer@Example.COM', emailLower: 'Anna.Meyer@Example.COM'})"
    )
    # when the migrations run (twice: they are idempotent)
    await migrate(deps.db)
    await migrate(deps.db)
    # then every stored domain is what normalize_domain gives, and the e-mail key is lower case
    rows = await deps.db.read(
        "MATCH (c:Company) MATCH (l:Lead {id: 'led_' + substring(c.id, 4)}) "
        "RETURN toInteger(substring(c.id, 4)) AS i, c.domain AS company, l.companyDomain AS lead ORDER BY i"
    )
    expected = [normalize_domain(d) for d in RAW_DOMAINS]
    assert [r["company"] for r in rows] == expected
    assert [r["lead"] for r in rows] == expected
    assert expected[:3] == ["example.com", "example.com", "shop.example.org"]
    person = await deps.db.read_one("MATCH (p:Person {id: 'per_1'}) RETURN p.email AS email, p.emailLower AS key")
    assert person == {"email": "Anna.Meyer@Example.COM", "key": "anna.meyer@example.com"}


async def test_convert_lead_with_www_domain_reuses_the_company_with_the_bare_domain(gql: Gql, admin_token: str) -> None:
    # given a company with domain example.com
    company = data(
        await gql(
            'mutation { createCompany(input: {name: "Example", domain: "example.com"}) { id } }', token=admin_token
        )
    )["createCompany"]
    # and a lead naming www.Example.com
    lead = data(
        await gql(
            'mutation { createLead(input: {lastName: "Meyer", companyName: "Example GmbH", '
            'companyDomain: "www.Example.com"}) { id } }',
            token=admin_token,
        )
    )["createLead"]
    # when it is converted
    done = data(
        await gql(
            "mutation($l: ID!) { convertLead(leadId: $l, input: {createOpportunity: false}) { company { id domain } } }",
            {"l": lead["id"]},
            admin_token,
        )
    )["convertLead"]
    # then the existing company is reused
    assert done["company"] == {"id": company["id"], "domain": "example.com"}
    count = data(await gql("{ companies { totalCount } }", token=admin_token))["companies"]["totalCount"]
    assert count == 1


@pytest.mark.parametrize("raw", ["https://www.Example.com/", "HTTP://example.COM", "www.example.com"])
async def test_company_writes_store_the_normalised_domain(gql: Gql, admin_token: str, raw: str) -> None:
    created = data(
        await gql(
            'mutation($d: String) { createCompany(input: {name: "A", domain: $d}) { id domain } }',
            {"d": raw},
            admin_token,
        )
    )["createCompany"]
    assert created["domain"] == "example.com"
    updated = data(
        await gql(
            "mutation($id: ID!, $d: String) { updateCompany(id: $id, input: {domain: $d}) { domain } }",
            {"id": created["id"], "d": "https://www.Other.org/"},
            admin_token,
        )
    )["updateCompany"]
    assert updated["domain"] == "other.org"
    upserted = data(
        await gql(
            'mutation($d: String) { upsertCompanies(input: [{externalId: {system: "erp", value: "1"}, name: "B", '
            "domain: $d}]) { results { id } } }",
            {"d": raw},
            admin_token,
        )
    )["upsertCompanies"]["results"][0]
    domain = data(await gql("query($id: ID!) { company(id: $id) { domain } }", {"id": upserted["id"]}, admin_token))
    assert domain["company"]["domain"] == "example.com"


async def test_person_e_mail_is_matched_in_any_case(gql: Gql, admin_token: str) -> None:
    created = data(
        await gql(
            'mutation { createPerson(input: {lastName: "Meyer", email: "Anna.Meyer@Example.COM"}) { id email } }',
            token=admin_token,
        )
    )["createPerson"]
    assert created["email"] == "Anna.Meyer@Example.COM"
    found = data(
        await gql(
            '{ persons(filter: {email: " anna.meyer@example.com "}) { edges { node { id } } } }', token=admin_token
        )
    )
    assert found["persons"]["edges"] == [{"node": {"id": created["id"]}}]
