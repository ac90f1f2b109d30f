"""Field sales: radius search and route planning (pure geometry here, data from the graph)."""

from __future__ import annotations

import math
from typing import Any

from domain import validate
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from graph import field as q
from graph.db import Row

EARTH_KM = 6371.0088
MAX_RADIUS_KM = 200.0
MAX_STOPS = 25
Point = tuple[float, float]


def km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine), in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def tour_length(start: Point, points: list[Point], order: list[int], back: bool) -> float:
    path = [start, *(points[i] for i in order)]
    total = sum(km(path[i], path[i + 1]) for i in range(len(path) - 1))
    return total + (km(path[-1], start) if back and order else 0.0)


def _moves(order: list[int]) -> list[list[int]]:
    """Neighbouring tours: every segment reversed (2-opt) and every stop moved elsewhere (or-opt)."""
    out = []
    for i in range(len(order) - 1):
        for j in range(i + 1, len(order)):
            out.append(order[:i] + order[i : j + 1][::-1] + order[j + 1 :])
    for i in range(len(order)):
        rest = order[:i] + order[i + 1 :]
        for j in range(len(order)):
            if j != i:
                out.append([*rest[:j], order[i], *rest[j:]])
    return out


def plan(start: Point, points: list[Point], back: bool) -> list[int]:
    """Nearest neighbour from the start, then 2-opt and or-opt moves until none shortens the tour."""
    left = list(range(len(points)))
    order: list[int] = []
    here = start
    while left:
        nearest = min(left, key=lambda i: (km(here, points[i]), i))
        order.append(nearest)
        left.remove(nearest)
        here = points[nearest]
    best = tour_length(start, points, order, back)
    improved = True
    while improved:
        improved = False
        for candidate in _moves(order):
            length = tour_length(start, points, candidate, back)
            if length < best - 1e-9:
                order, best, improved = candidate, length, True
                break
    return order


async def nearby(
    deps: Deps, location: dict[str, Any], radius_km: float, kinds: list[str] | None, first: int | None
) -> list[Row]:
    here = validate.geo(location, "location")
    assert here is not None
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise BadInput(f"radiusKm must be above 0 and at most {MAX_RADIUS_KM:g}", argument="radiusKm")
    size = 50 if first is None else first
    if not 0 <= size <= 100:
        raise BadInput("first must be between 0 and 100", argument="first")
    wanted = set(kinds or ("COMPANY", "PERSON"))
    rows = await deps.db.read(
        q.NEARBY,
        {
            "lat": here["lat"],
            "lon": here["lon"],
            "meters": radius_km * 1000,
            "first": size,
            "companies": "COMPANY" in wanted,
            "persons": "PERSON" in wanted,
        },
    )
    return [{"label": r["label"], "node": r["hit"], "distanceKm": round(r["meters"] / 1000, 3)} for r in rows]


async def route(deps: Deps, start: dict[str, Any], stop_ids: list[str], back: bool) -> Row:
    origin = validate.geo(start, "start")
    assert origin is not None
    if len(stop_ids) > MAX_STOPS:
        raise BadInput(f"at most {MAX_STOPS} stops", argument="stopIds")
    if len(set(stop_ids)) != len(stop_ids):
        raise BadInput("a stop is listed twice", argument="stopIds")
    rows = await deps.db.read(q.STOPS, {"ids": stop_ids}) if stop_ids else []
    for r in rows:
        if r["node"] is None:
            raise NotFound(f"stopIds: no company or person {r['id']!r}", argument="stopIds")
        if r["node"].get("location") is None:
            raise BadInput(f"stop {r['id']!r} has no location", argument="stopIds")
    points = [(r["node"]["location"]["lat"], r["node"]["location"]["lon"]) for r in rows]
    home = (origin["lat"], origin["lon"])
    order = plan(home, points, back)
    stops, here, total = [], home, 0.0
    for position, i in enumerate(order):
        leg = km(here, points[i])
        total += leg
        stops.append({"position": position, "label": rows[i]["label"], "node": rows[i]["node"], "legKm": round(leg, 3)})
        here = points[i]
    if back and order:
        total += km(here, home)
    return {"stops": stops, "totalKm": round(total, 3)}
