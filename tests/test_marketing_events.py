"""[b2c] Events and participants; sales materials and reference customers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.b2c_helpers import create_campaign, create_person, feed
from tests.conftest import Gql, data, error_code

MakeUser = Callable[..., Awaitable[tuple[str, str]]]
CREATE = "mutation($i: CreateEventInput!) { createEvent(input: $i) { id name startsAt venue location { lat lon } campaign { name } registeredCount attendedCount } }"
REGISTER = """mutation($e: ID!, $p: ID!, $s: ParticipationStatus!) {
  registerParticipant(eventId: $e, personId: $p, status: $s) { registeredCount attendedCount } }"""
PARTICIPANTS = """query($e: ID!, $s: ParticipationStatus, $a: String) { event(id: $e) {
  participants(status: $s, first: 2, after: $a) { totalCount edges { node { id fullName } } pageInfo { hasNextPage endCursor } } } }"""


async def test_an_event_is_created_for_a_campaign(gql: Gql, admin_token: str) -> None:
    campaign_id = await create_campaign(gql, admin_token, name="Fairs")
    made = data(
        await gql(
            CREATE,
            {"i": {"name": "Expo", "startsAt": "2030-05-01T10:00:00+02:00", "venue": "Hall 3",
                   "location": {"lat": 52.5, "lon": 13.4}, "campaignId": campaign_id}},
            admin_token,
        )
    )["createEvent"]  # fmt: skip
    assert made["id"].startswith("evt_")
    assert {k: v for k, v in made.items() if k != "id"} == {
        "name": "Expo", "startsAt": "2030-05-01T08:00:00+00:00", "venue": "Hall 3", "location": {"lat": 52.5, "lon": 13.4},
        "campaign": {"name": "Fairs"}, "registeredCount": 0, "attendedCount": 0,
    }  # fmt: skip
    found = data(await gql("query($c: ID!) { campaign(id: $c) { events { name } } }", {"c": campaign_id}, admin_token))
    assert found == {"campaign": {"events": [{"name": "Expo"}]}}
    node = await gql(
        "query($id: ID!) { node(id: $id) { ... on Event { name campaign { id } } } }", {"id": made["id"]}, admin_token
    )
    assert data(node) == {"node": {"name": "Expo", "campaign": {"id": campaign_id}}}
    missing = await gql(
        CREATE, {"i": {"name": "X", "startsAt": "2030-05-01T10:00:00Z", "campaignId": "cpg_no"}}, admin_token
    )
    assert error_code(missing) == "NOT_FOUND" and missing["errors"][0]["extensions"]["field"] == "campaignId"
    assert await feed(gql, admin_token, "EVENT") == [("EVENT", made["id"], "CREATED")]


async def test_registration_is_idempotent_and_moves_along_the_flow(gql: Gql, admin_token: str) -> None:
    # given
    event_id = data(await gql(CREATE, {"i": {"name": "Dinner", "startsAt": "2030-05-01T19:00:00Z"}}, admin_token))[
        "createEvent"
    ]["id"]
    people = [await create_person(gql, admin_token, name) for name in ["Adams", "Brown", "Clark", "Davis"]]
    # when
    for person in people:
        data(await gql(REGISTER, {"e": event_id, "p": person, "s": "REGISTERED"}, admin_token))
    twice = data(await gql(REGISTER, {"e": event_id, "p": people[0], "s": "REGISTERED"}, admin_token))
    data(await gql(REGISTER, {"e": event_id, "p": people[0], "s": "ATTENDED"}, admin_token))
    data(await gql(REGISTER, {"e": event_id, "p": people[1], "s": "ATTENDED"}, admin_token))
    last = data(await gql(REGISTER, {"e": event_id, "p": people[2], "s": "CANCELLED"}, admin_token))
    # then
    assert twice == {"registerParticipant": {"registeredCount": 4, "attendedCount": 0}}
    assert last == {"registerParticipant": {"registeredCount": 3, "attendedCount": 2}}
    back = await gql(REGISTER, {"e": event_id, "p": people[0], "s": "REGISTERED"}, admin_token)
    assert error_code(back) == "CONFLICT"
    assert back["errors"][0]["message"] == "a participant cannot go from ATTENDED to REGISTERED"
    newcomer = await create_person(gql, admin_token, "Evans")
    never = await gql(REGISTER, {"e": event_id, "p": newcomer, "s": "CANCELLED"}, admin_token)
    assert error_code(never) == "CONFLICT"
    assert (
        error_code(await gql(REGISTER, {"e": event_id, "p": "per_no", "s": "REGISTERED"}, admin_token)) == "NOT_FOUND"
    )
    assert (
        error_code(await gql(REGISTER, {"e": "evt_no", "p": newcomer, "s": "REGISTERED"}, admin_token)) == "NOT_FOUND"
    )
    # a participant changes once per change: 4 registrations + 3 moves (the repeat is no change)
    assert len(await feed(gql, admin_token, "EVENT")) == 1 + 7
    # pages of participants, by status
    attended = data(await gql(PARTICIPANTS, {"e": event_id, "s": "ATTENDED"}, admin_token))["event"]["participants"]
    assert (
        sorted(e["node"]["fullName"] for e in attended["edges"]) == ["Adams", "Brown"] and attended["totalCount"] == 2
    )
    everyone = data(await gql(PARTICIPANTS, {"e": event_id}, admin_token))["event"]["participants"]
    rest = data(await gql(PARTICIPANTS, {"e": event_id, "a": everyone["pageInfo"]["endCursor"]}, admin_token))["event"][
        "participants"
    ]
    ids = [e["node"]["id"] for e in everyone["edges"] + rest["edges"]]
    assert ids == sorted(people) and everyone["totalCount"] == 4 and rest["pageInfo"]["hasNextPage"] is False


async def test_events_page_in_time_order_per_campaign(gql: Gql, admin_token: str) -> None:
    campaign_id = await create_campaign(gql, admin_token)
    for name, day, campaign in [("B", "03", campaign_id), ("A", "01", None), ("C", "02", campaign_id)]:
        data(
            await gql(
                CREATE,
                {"i": {"name": name, "startsAt": f"2030-05-{day}T10:00:00Z", "campaignId": campaign}},
                admin_token,
            )
        )
    query = "query($c: ID, $a: String) { events(first: 2, after: $a, campaignId: $c) { totalCount edges { node { name } } pageInfo { endCursor } } }"
    first = data(await gql(query, {}, admin_token))["events"]
    second = data(await gql(query, {"a": first["pageInfo"]["endCursor"]}, admin_token))["events"]
    assert [e["node"]["name"] for e in first["edges"] + second["edges"]] == ["A", "C", "B"] and first["totalCount"] == 3
    of_campaign = data(await gql(query, {"c": campaign_id}, admin_token))["events"]
    assert [e["node"]["name"] for e in of_campaign["edges"]] == ["C", "B"] and of_campaign["totalCount"] == 2


async def test_materials_by_industry_and_product(gql: Gql, admin_token: str, make_user: MakeUser) -> None:
    # given
    create = (
        "mutation($i: CreateMaterialInput!) { createMaterial(input: $i) { id title url kind industries products } }"
    )
    made = []
    for title, industries, products in [
        ("Case study", ["Automotive", "Energy"], ["Pumps"]), ("Brochure", ["Energy"], ["Valves", "Pumps"]),
        ("Video", [], ["Valves"]),
    ]:  # fmt: skip
        payload = {
            "title": title,
            "url": "https://cdn.example.com/x.pdf",
            "kind": "PDF",
            "industries": industries,
            "products": products,
        }
        made.append(data(await gql(create, {"i": payload}, admin_token))["createMaterial"])
    query = "query($i: String, $p: String) { materials(industry: $i, product: $p) { title } }"
    # when / then
    assert data(await gql(query, {}, admin_token))["materials"] == [
        {"title": "Brochure"},
        {"title": "Case study"},
        {"title": "Video"},
    ]
    assert data(await gql(query, {"i": "energy"}, admin_token))["materials"] == [
        {"title": "Brochure"},
        {"title": "Case study"},
    ]
    assert data(await gql(query, {"i": "ENERGY", "p": "valves"}, admin_token))["materials"] == [{"title": "Brochure"}]
    assert made[0]["industries"] == ["Automotive", "Energy"] and made[0]["id"].startswith("mat_")
    bad = await gql(create, {"i": {"title": "x", "url": "javascript:alert(1)", "kind": "PDF"}}, admin_token)
    assert error_code(bad) == "BAD_USER_INPUT" and bad["errors"][0]["extensions"]["field"] == "url"
    _, rep = await make_user("SALES_REP")
    assert error_code(await gql(create, {"i": {"title": "x", "url": "https://a.b", "kind": "PDF"}}, rep)) == "FORBIDDEN"
    assert data(await gql(query, {"p": "pumps"}, rep))["materials"] == [{"title": "Brochure"}, {"title": "Case study"}]
    delete = "mutation($id: ID!) { deleteMaterial(id: $id) }"
    assert data(await gql(delete, {"id": made[2]["id"]}, admin_token)) == {"deleteMaterial": made[2]["id"]}
    assert error_code(await gql(delete, {"id": made[2]["id"]}, admin_token)) == "NOT_FOUND"
    node = data(
        await gql("query($id: ID!) { node(id: $id) { ... on Material { title } } }", {"id": made[0]["id"]}, admin_token)
    )
    assert node == {"node": {"title": "Case study"}}


async def test_references_are_reference_companies_of_an_industry(gql: Gql, admin_token: str) -> None:
    create = "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }"
    for name, industry, reference in [
        ("Beta AG", "Energy", True), ("Alpha GmbH", "energy", True), ("Gamma", "Energy", False), ("Delta", "Retail", True),
    ]:  # fmt: skip
        data(await gql(create, {"i": {"name": name, "industry": industry, "isReference": reference}}, admin_token))
    query = "query($i: String) { references(industry: $i) { name industry } }"
    assert data(await gql(query, {"i": "Energy"}, admin_token))["references"] == [
        {"name": "Alpha GmbH", "industry": "energy"}, {"name": "Beta AG", "industry": "Energy"},
    ]  # fmt: skip
    assert [c["name"] for c in data(await gql(query, {}, admin_token))["references"]] == [
        "Alpha GmbH",
        "Beta AG",
        "Delta",
    ]
