"""Resolvers for pipeline, forecast and targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from domain import forecast, users
from schema.context import Info
from schema.types.core import User
from schema.types.forecast import ForecastRow, Granularity, PipelineStage, TargetStatus


async def pipeline(info: Info, owner_id: strawberry.ID | None = None, currency: str = "EUR") -> list[PipelineStage]:
    rows = await forecast.pipeline(info.context.deps, owner_id, currency)
    return [PipelineStage.of(r, currency.strip().upper()) for r in rows]


async def forecast_(
    info: Info,
    from_: Annotated[date, strawberry.argument(name="from")],
    to: date,
    granularity: Granularity = Granularity.MONTH,
    owner_id: strawberry.ID | None = None,
    currency: str = "EUR",
) -> list[ForecastRow]:
    rows = await forecast.forecast(info.context.deps, from_, to, granularity.value, owner_id, currency)
    owner = User.maybe(await users.get(info.context.deps, owner_id)) if owner_id else None
    return [
        ForecastRow(
            period=r["period"],
            owner=owner,
            currency=r["currency"],
            open_amount=r["openAmount"],
            weighted_amount=r["weightedAmount"],
            won_amount=r["wonAmount"],
            target=r["target"],
            attainment=r["attainment"],
        )
        for r in rows
    ]


async def target_status(
    info: Info, period: str, user_id: strawberry.ID | None = None, currency: str = "EUR"
) -> list[TargetStatus]:
    return [TargetStatus.of(r) for r in await forecast.target_status(info.context.deps, period, user_id, currency)]


async def set_target(
    info: Info, user_id: strawberry.ID, period: str, amount: Decimal, currency: str = "EUR"
) -> TargetStatus:
    rows = await forecast.set_target(info.context.deps, info.context.who, user_id, period, amount, currency)
    return TargetStatus.of(rows[0])
