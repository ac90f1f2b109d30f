"""Field sales on phones: nearby customers, planned routes."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from schema.types.common import GeoPoint, Row
from schema.types.core import Company, Person


@strawberry.enum
class NearbyKind(Enum):
    COMPANY = "COMPANY"
    PERSON = "PERSON"


@strawberry.type
class NearbyHit:
    distance_km: float
    company: Company | None
    person: Person | None

    @classmethod
    def of(cls, row: Row) -> NearbyHit:
        is_company = row["label"] == "Company"
        return cls(
            distance_km=row["distanceKm"],
            company=Company.of(row["node"]) if is_company else None,
            person=None if is_company else Person.of(row["node"]),
        )


RouteTarget = Annotated[Company | Person, strawberry.union("RouteTarget")]


@strawberry.type
class RouteStop:
    position: int = strawberry.field(description="0-based position in the planned order")
    target: RouteTarget
    location: GeoPoint
    leg_km: float = strawberry.field(description="distance from the previous stop (or the start)")


@strawberry.type
class RoutePlan:
    stops: list[RouteStop]
    total_km: float = strawberry.field(description="including the way back when returnToStart")

    @classmethod
    def of(cls, row: Row) -> RoutePlan:
        stops = []
        for s in row["stops"]:
            target: Company | Person = Company.of(s["node"]) if s["label"] == "Company" else Person.of(s["node"])
            location = GeoPoint.of(s["node"]["location"])
            assert location is not None
            stops.append(RouteStop(position=s["position"], target=target, location=location, leg_km=s["legKm"]))
        return cls(stops=stops, total_km=row["totalKm"])
