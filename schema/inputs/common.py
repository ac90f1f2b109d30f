"""Inputs every area uses: points and external ids."""

from __future__ import annotations

import strawberry


@strawberry.input
class GeoPointInput:
    lat: float
    lon: float


@strawberry.input
class ExternalIdInput:
    system: str
    value: str
