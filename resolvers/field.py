"""Resolvers for field sales."""

from __future__ import annotations

import strawberry

from domain import routes
from schema.context import Info
from schema.inputs.common import GeoPointInput
from schema.types.common import plain
from schema.types.field import NearbyHit, NearbyKind, RoutePlan


async def nearby(
    info: Info, location: GeoPointInput, radius_km: float, kinds: list[NearbyKind] | None = None, first: int | None = 50
) -> list[NearbyHit]:
    rows = await routes.nearby(
        info.context.deps, plain(location), radius_km, [k.value for k in kinds] if kinds else None, first
    )
    return [NearbyHit.of(r) for r in rows]


async def plan_route(
    info: Info, start: GeoPointInput, stop_ids: list[strawberry.ID], return_to_start: bool = True
) -> RoutePlan:
    return RoutePlan.of(await routes.route(info.context.deps, plain(start), list(stop_ids), return_to_start))
