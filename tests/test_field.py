"""Field sales: radius search over the point indexes, route planning."""

from __future__ import annotations

from typing import Any

from domain.routes import km, plan, tour_length
from tests.conftest import Gql, data, error_code

BERLIN = {"lat": 52.52, "lon": 13.405}


async def _company(gql: Gql, token: str, name: str, lat: float, lon: float) -> str:
    result = await gql(
        "mutation($n: String!, $l: GeoPointInput) { createCompany(input: {name: $n, location: $l}) { id } }",
        {"n": name, "l": {"lat": lat, "lon": lon}},
        token,
    )
    return str(data(result)["createCompany"]["id"])


async def test_nearby_finds_companies_and_people_nearest_first(gql: Gql, admin_token: str) -> None:
    await _company(gql, admin_token, "Berlin GmbH", 52.52, 13.405)
    await _company(gql, admin_token, "Potsdam AG", 52.39, 13.06)
    await _company(gql, admin_token, "Hamburg KG", 53.55, 9.99)
    await gql(
        'mutation { createPerson(input: {lastName: "Mitte", location: {lat: 52.53, lon: 13.38}}) { id } }',
        token=admin_token,
    )
    query = "query($l: GeoPointInput!, $r: Float!, $k: [NearbyKind!]) { nearby(location: $l, radiusKm: $r, kinds: $k) { distanceKm company { name } person { lastName } } }"
    hits = data(await gql(query, {"l": BERLIN, "r": 50}, admin_token))["nearby"]
    assert [(h["company"] or {}).get("name") or h["person"]["lastName"] for h in hits] == [
        "Berlin GmbH",
        "Mitte",
        "Potsdam AG",
    ]
    assert [round(h["distanceKm"]) for h in hits] == [0, 2, 28]
    people = data(await gql(query, {"l": BERLIN, "r": 50, "k": ["PERSON"]}, admin_token))["nearby"]
    assert people == [{"distanceKm": people[0]["distanceKm"], "company": None, "person": {"lastName": "Mitte"}}]
    assert error_code(await gql(query, {"l": BERLIN, "r": 201}, admin_token)) == "BAD_USER_INPUT"
    assert error_code(await gql(query, {"l": {"lat": 95, "lon": 0}, "r": 5}, admin_token)) == "BAD_USER_INPUT"


async def test_plan_route_orders_stops_and_sums_the_legs(gql: Gql, admin_token: str) -> None:
    hamburg = await _company(gql, admin_token, "Hamburg KG", 53.55, 9.99)
    potsdam = await _company(gql, admin_token, "Potsdam AG", 52.39, 13.06)
    berlin = await _company(gql, admin_token, "Berlin GmbH", 52.52, 13.405)
    query = "query($s: GeoPointInput!, $ids: [ID!]!, $b: Boolean!) { planRoute(start: $s, stopIds: $ids, returnToStart: $b) { totalKm stops { position legKm target { ... on Company { name } } location { lat lon } } } }"
    result = data(await gql(query, {"s": BERLIN, "ids": [hamburg, potsdam, berlin], "b": True}, admin_token))[
        "planRoute"
    ]
    assert [(s["position"], s["target"]["name"]) for s in result["stops"]] == [
        (0, "Berlin GmbH"),
        (1, "Potsdam AG"),
        (2, "Hamburg KG"),
    ]
    legs = [
        km((52.52, 13.405), (52.52, 13.405)),
        km((52.52, 13.405), (52.39, 13.06)),
        km((52.39, 13.06), (53.55, 9.99)),
    ]
    assert [s["legKm"] for s in result["stops"]] == [round(leg, 3) for leg in legs]
    assert result["totalKm"] == round(sum(legs) + km((53.55, 9.99), (52.52, 13.405)), 3)
    unknown: dict[str, Any] = {"s": BERLIN, "ids": ["cmp_missing"], "b": False}
    assert error_code(await gql(query, unknown, admin_token)) == "NOT_FOUND"
    nowhere = data(await gql('mutation { createCompany(input: {name: "Nowhere"}) { id } }', token=admin_token))[
        "createCompany"
    ]["id"]
    assert error_code(await gql(query, {"s": BERLIN, "ids": [nowhere], "b": False}, admin_token)) == "BAD_USER_INPUT"
    assert (
        error_code(await gql(query, {"s": BERLIN, "ids": [f"cmp_{i}" for i in range(26)], "b": False}, admin_token))
        == "BAD_USER_INPUT"
    )


def test_local_search_improves_on_nearest_neighbour() -> None:
    # along the equator: nearest neighbour goes 1 -> -1.5 -> 3 (8 degrees of travel); the best tour is -1.5 -> 1 -> 3 (6)
    start = (0.0, 0.0)
    points = [(0.0, 1.0), (0.0, -1.5), (0.0, 3.0)]
    order = plan(start, points, back=False)
    assert order == [1, 0, 2]
    assert tour_length(start, points, order, False) < tour_length(start, points, [0, 1, 2], False)
    # with the way back, any order visiting the line once is as good as another; the plan stays short
    assert round(tour_length(start, points, plan(start, points, back=True), True), 6) == round(
        2 * km(start, (0.0, 3.0)) + 2 * km(start, (0.0, -1.5)), 6
    )
