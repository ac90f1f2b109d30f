"""Exports for Outlook and Office: CSV and XLSX of person and company lists and search results, vCards,
iCalendar of activities; authorised like the GraphQL queries and filed in the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import httpx
import openpyxl
from icalendar import Calendar

from domain import audit
from domain.deps import Deps
from domain.exports import PAGE_SIZE
from integrations.office import vcard
from tests.conftest import Gql, data

PERSON = "mutation($i: CreatePersonInput!) { createPerson(input: $i) { id } }"
COMPANY = 'mutation($n: String!) { createCompany(input: {name: $n, city: "Berlin", industry: "Pumps"}) { id } }'
UPSERT = "mutation($rows: [PersonUpsertInput!]!) { upsertPersons(input: $rows) { createdCount } }"
LOG = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def person(gql: Gql, token: str, **fields: Any) -> str:
    return str(data(await gql(PERSON, {"i": fields}, token))["createPerson"]["id"])


async def company(gql: Gql, token: str, name: str) -> str:
    return str(data(await gql(COMPANY, {"n": name}, token))["createCompany"]["id"])


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_persons_csv_follows_the_filter_in_name_order_and_is_audited(
    gql: Gql, deps: Deps, admin: tuple[str, str], client: httpx.AsyncClient
) -> None:
    admin_id, token = admin
    acme = await company(gql, token, "Acme")
    ada = await person(
        gql, token, firstName="Ada", lastName="Lovelace", email="ada@acme.test", companyId=acme,
        phones=["+49 30 1234567"], tags=["vip", "berlin"], jobTitle="=HYPERLINK(\"http://evil\")",
    )  # fmt: skip
    bob = await person(gql, token, firstName="Bob", lastName="Babbage", companyId=acme)
    await person(gql, token, firstName="Cleo", lastName="Consumer")  # no company: not in Acme's list
    # when Acme's contacts are exported as CSV
    response = await client.get("/exports/persons.csv", params={"companyId": acme}, headers=bearer(token))
    # then they come in name order with every column, a formula neutralised
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="persons.csv"'
    rows = csv_rows(response)
    assert [(r["id"], r["fullName"], r["company"], r["companyId"]) for r in rows] == [
        (bob, "Bob Babbage", "Acme", acme),
        (ada, "Ada Lovelace", "Acme", acme),
    ]
    assert rows[1]["phones"] == "+49301234567" and rows[1]["tags"] == "vip; berlin"
    assert rows[1]["jobTitle"] == '\'=HYPERLINK("http://evil")'
    assert rows[1]["createdAt"].endswith("Z")
    # and the export is on record
    entries = await audit.entries(deps, await deps.auth.authenticate(token) or _fail(), 10)
    assert [(e["actorId"], e["action"], e["target"], e["params"]) for e in entries] == [
        (admin_id, "export.persons.csv", "persons", f'{{"companyId":"{acme}"}}')
    ]


def _fail() -> Any:
    raise AssertionError("no principal")


async def test_persons_xlsx_of_more_than_a_page_opens_with_openpyxl_one_row_each(
    gql: Gql, admin_token: str, client: httpx.AsyncClient
) -> None:
    # given more persons than one page holds
    count = PAGE_SIZE + 500
    for start in range(0, count, 1000):
        rows = [
            {"externalId": {"system": "erp", "value": str(n)}, "lastName": f"Person {n:05d}", "email": f"p{n}@x.test"}
            for n in range(start, min(start + 1000, count))
        ]
        data(await gql(UPSERT, {"rows": rows}, admin_token))
    await person(gql, admin_token, lastName="=1+1", firstName="@Formula")
    # when they are exported as XLSX
    response = await client.get("/exports/persons.xlsx", headers=bearer(admin_token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = book["Export"]
    table = list(sheet.iter_rows(values_only=True))
    # then the header and one row per person, in name order, formulas kept as text
    assert table[0][:5] == ("id", "firstName", "lastName", "fullName", "email")
    assert len(table) == count + 2
    assert table[1][2:5] == ("=1+1", "@Formula =1+1", None)
    assert [row[2] for row in table[2:]] == [f"Person {n:05d}" for n in range(count)]
    assert isinstance(table[2][14], datetime)
    assert book.sheetnames == ["Export"]


async def test_companies_and_search_exports(gql: Gql, admin_token: str, client: httpx.AsyncClient) -> None:
    acme = await company(gql, admin_token, "Acme Pumps")
    beta = await company(gql, admin_token, "Beta Valves")
    ada = await person(gql, admin_token, firstName="Ada", lastName="Lovelace", email="ada@acme.test")
    await person(gql, admin_token, firstName="Bob", lastName="Babbage")
    companies = csv_rows(await client.get("/exports/companies.csv", headers=bearer(admin_token)))
    assert [(r["id"], r["name"], r["city"], r["industry"], r["contacts"]) for r in companies] == [
        (acme, "Acme Pumps", "Berlin", "Pumps", "0"),
        (beta, "Beta Valves", "Berlin", "Pumps", "0"),
    ]
    filtered = await client.get("/exports/companies.csv", params={"nameContains": "beta"}, headers=bearer(admin_token))
    assert [r["id"] for r in csv_rows(filtered)] == [beta]
    # search: persons by default, companies on request; a vCard of the hits
    found = await client.get("/exports/search.csv", params={"text": "lovelace"}, headers=bearer(admin_token))
    assert [r["id"] for r in csv_rows(found)] == [ada]
    hits = await client.get(
        "/exports/search.csv", params={"text": "valves", "type": "Company"}, headers=bearer(admin_token)
    )
    assert [r["id"] for r in csv_rows(hits)] == [beta]
    cards = await client.get("/exports/search.vcf", params={"text": "ada"}, headers=bearer(admin_token))
    assert cards.headers["content-type"] == "text/vcard; charset=utf-8"
    assert [c.full_name for c in vcard.parse(cards.text)] == ["Ada Lovelace"]


async def test_exports_are_authorised_and_checked(
    gql: Gql, admin_token: str, client: httpx.AsyncClient, make_user: Any
) -> None:
    _, tech = await make_user("TECHNICIAN")
    assert (await client.get("/exports/persons.csv")).status_code == 401
    bad = await client.get("/exports/persons.csv", headers=bearer("forged"))
    assert bad.status_code == 401 and bad.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # persons(filter) is open to every signed-in role, so is its export
    assert (await client.get("/exports/persons.csv", headers=bearer(tech))).status_code == 200
    unknown = await client.get("/exports/persons.pdf", headers=bearer(admin_token))
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    flag = await client.get("/exports/persons.csv", params={"consumer": "maybe"}, headers=bearer(admin_token))
    assert flag.status_code == 400 and flag.json()["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "argument": "consumer",
    }
    long = await client.get("/exports/persons.csv", params={"city": "x" * 201}, headers=bearer(admin_token))
    assert long.status_code == 400
    empty = await client.get("/exports/search.csv", params={"text": "  "}, headers=bearer(admin_token))
    assert empty.status_code == 400
    missing = await client.get("/persons/per_nope.vcf", headers=bearer(admin_token))
    assert missing.status_code == 404


async def test_activities_and_visits_as_icalendar(gql: Gql, admin: tuple[str, str], client: httpx.AsyncClient) -> None:
    _, token = admin
    acme = await company(gql, token, "Acme")
    ada = await person(gql, token, firstName="Ada", lastName="Lovelace", email="ada@acme.test", companyId=acme)
    visit = {"type": "VISIT", "subject": "Site visit", "body": "Pumps\nhall 3", "personIds": [ada],
             "occurredAt": "2030-03-04T09:00:00Z", "durationMinutes": 90}  # fmt: skip
    call = {"type": "CALL", "subject": "Follow-up", "companyId": acme, "occurredAt": "2030-03-05T14:00:00Z"}
    visit_id = data(await gql(LOG, {"i": visit}, token))["logActivity"]["id"]
    call_id = data(await gql(LOG, {"i": call}, token))["logActivity"]["id"]

    async def events(**params: str) -> list[Any]:
        response = await client.get("/exports/activities.ics", params=params, headers=bearer(token))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        return list(Calendar.from_ical(response.content).walk("VEVENT"))

    # the company's history, newest first
    company_events = await events(companyId=acme)
    assert [str(e["uid"]) for e in company_events] == [f"{call_id}@graph-crm", f"{visit_id}@graph-crm"]
    visit_event = company_events[1]
    assert visit_event.decoded("dtstart") == datetime(2030, 3, 4, 9, tzinfo=UTC)
    assert visit_event.decoded("dtend") == datetime(2030, 3, 4, 10, 30, tzinfo=UTC)
    assert str(visit_event["summary"]) == "Site visit" and str(visit_event["description"]) == "Pumps\nhall 3"
    assert str(visit_event["attendee"]) == "mailto:ada@acme.test"
    assert str(visit_event["organizer"]) == "mailto:admin@crm.test"
    # visits only; a person's; the caller's own
    assert [str(e["uid"]) for e in await events(companyId=acme, type="VISIT")] == [f"{visit_id}@graph-crm"]
    assert [str(e["uid"]) for e in await events(personId=ada)] == [f"{visit_id}@graph-crm"]
    assert len(await events(mine="1")) == 2
    unknown = await client.get("/exports/activities.ics", params={"personId": "per_x"}, headers=bearer(token))
    assert unknown.status_code == 404
    both = await client.get("/exports/activities.ics", params={"personId": ada, "mine": "1"}, headers=bearer(token))
    assert both.status_code == 400


AUDIT = (
    "query($a: String, $u: ID) { auditTrail(first: 1, after: $a, actorId: $u) { actorId action target params cursor } }"
)


async def test_the_audit_trail_lists_exports_newest_first_for_admins_only(
    gql: Gql, admin: tuple[str, str], client: httpx.AsyncClient, make_user: Any
) -> None:
    admin_id, token = admin
    rep_id, rep = await make_user("SALES_REP")
    assert (await client.get("/exports/companies.csv", headers=bearer(token))).status_code == 200
    assert (await client.get("/exports/persons.xlsx", params={"tag": "vip"}, headers=bearer(rep))).status_code == 200
    first = data(await gql(AUDIT, {}, token))["auditTrail"]
    assert [(e["actorId"], e["action"], e["target"], e["params"]) for e in first] == [
        (rep_id, "export.persons.xlsx", "persons", '{"tag":"vip"}')
    ]
    second = data(await gql(AUDIT, {"a": first[0]["cursor"]}, token))["auditTrail"]
    assert [(e["actorId"], e["action"]) for e in second] == [(admin_id, "export.companies.csv")]
    assert data(await gql(AUDIT, {"a": second[0]["cursor"]}, token))["auditTrail"] == []
    mine = data(await gql(AUDIT, {"u": admin_id}, token))["auditTrail"]
    assert [e["action"] for e in mine] == ["export.companies.csv"]
    refused = await gql(AUDIT, {}, rep)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    forged = await gql(AUDIT, {"a": "bm90LWEtY3Vyc29y"}, token)
    assert forged["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


SEGMENT = "mutation($n: String!, $r: SegmentRule!) { createSegment(name: $n, rule: $r) { id size } }"


async def test_the_xlsx_of_a_segment_opens_with_openpyxl_with_one_row_per_member(
    gql: Gql, deps: Deps, admin_token: str, client: httpx.AsyncClient
) -> None:
    token = admin_token
    # given more Berliners than one page holds, and a few Munich people
    berliners = PAGE_SIZE + 50
    rows = [
        {"externalId": {"system": "erp", "value": f"b{n}"}, "lastName": f"Berliner {n:05d}", "city": "Berlin"}
        for n in range(berliners)
    ] + [
        {"externalId": {"system": "erp", "value": f"m{n}"}, "lastName": f"Munich {n}", "city": "Munich"}
        for n in range(20)
    ]
    for start in range(0, len(rows), 1000):
        data(await gql(UPSERT, {"rows": rows[start : start + 1000]}, token))
    rule = {"condition": {"field": "CITY", "op": "EQ", "value": "Berlin"}}
    segment = data(await gql(SEGMENT, {"n": "Berlin", "r": rule}, token))["createSegment"]
    assert segment["size"] == berliners
    # when the segment is exported as XLSX
    response = await client.get(f"/exports/segments/{segment['id']}.xlsx", headers=bearer(token))
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{segment["id"]}.xlsx"'
    table = list(
        openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)["Export"].iter_rows(values_only=True)
    )
    # then one row per member, each a Berliner, none twice
    assert table[0][:3] == ("id", "firstName", "lastName")
    members = table[1:]
    assert len(members) == berliners
    assert {row[2] for row in members} == {f"Berliner {n:05d}" for n in range(berliners)}
    assert [row[0] for row in members] == sorted(row[0] for row in members)  # id order, as member_ids_page
    assert {row[9] for row in members} == {"Berlin"}
    # the same members as CSV and as vCards; an unknown segment is NOT_FOUND; each export is on record
    as_csv = csv_rows(await client.get(f"/exports/segments/{segment['id']}.csv", headers=bearer(token)))
    assert [r["id"] for r in as_csv] == [row[0] for row in members]
    cards = vcard.parse((await client.get(f"/exports/segments/{segment['id']}.vcf", headers=bearer(token))).text)
    assert len(cards) == berliners and {c.city for c in cards} == {"Berlin"}
    missing = await client.get("/exports/segments/seg_nope.xlsx", headers=bearer(token))
    assert missing.status_code == 404 and missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    principal = await deps.auth.authenticate(token) or _fail()
    assert [(e["action"], e["target"]) for e in await audit.entries(deps, principal, 10)] == [
        ("export.segment.vcf", segment["id"]),
        ("export.segment.csv", segment["id"]),
        ("export.segment.xlsx", segment["id"]),
    ]
