"""Pipeline, forecast and targets."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from schema.enums import OpportunityStage
from schema.types.common import Row
from schema.types.core import User


@strawberry.enum
class Granularity(Enum):
    MONTH = "MONTH"
    QUARTER = "QUARTER"


@strawberry.type
class PipelineStage:
    stage: OpportunityStage
    currency: str
    count: int
    amount: Decimal
    weighted_amount: Decimal

    @classmethod
    def of(cls, row: Row, currency: str) -> PipelineStage:
        return cls(
            stage=OpportunityStage(row["stage"]),
            currency=currency,
            count=row["count"],
            amount=row["amount"],
            weighted_amount=row["weightedAmount"],
        )


@strawberry.type
class ForecastRow:
    period: str = strawberry.field(description="2027-03 or 2027-Q1")
    owner: User | None
    currency: str
    open_amount: Decimal
    weighted_amount: Decimal
    won_amount: Decimal
    target: Decimal | None
    attainment: float | None = strawberry.field(description="wonAmount / target; null without a positive target")


@strawberry.type
class TargetStatus:
    user: User
    period: str
    currency: str
    target: Decimal
    won_amount: Decimal
    weighted_amount: Decimal
    attainment: float | None = strawberry.field(description="null when the target is 0")

    @classmethod
    def of(cls, row: Row) -> TargetStatus:
        return cls(
            user=User.of(row["user"]),
            period=row["period"],
            currency=row["currency"],
            target=row["target"],
            won_amount=row["wonAmount"],
            weighted_amount=row["weightedAmount"],
            attainment=row["attainment"],
        )
