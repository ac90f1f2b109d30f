"""Opportunities and activities (the parts of [sales] the customer history needs)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from schema.context import Info
from schema.types.common import Connection, Node, Row, ms
from schema.types.core import Company, Person, User

if TYPE_CHECKING:
    from schema.types.b2b import BuyingCenter


@strawberry.enum
class OpportunityStage(Enum):
    PROSPECTING = "PROSPECTING"
    QUALIFICATION = "QUALIFICATION"
    PROPOSAL = "PROPOSAL"
    NEGOTIATION = "NEGOTIATION"
    CLOSED_WON = "CLOSED_WON"
    CLOSED_LOST = "CLOSED_LOST"


@strawberry.enum
class AlertKind(Enum):
    STALE = "STALE"
    CLOSE_DATE_PASSED = "CLOSE_DATE_PASSED"
    NEXT_STEP_OVERDUE = "NEXT_STEP_OVERDUE"
    NO_DECISION_MAKER = "NO_DECISION_MAKER"
    SINGLE_THREADED = "SINGLE_THREADED"
    STAGE_REGRESSION = "STAGE_REGRESSION"


@strawberry.enum
class ActivityType(Enum):
    CALL = "CALL"
    MEETING = "MEETING"
    VISIT = "VISIT"
    EMAIL = "EMAIL"
    NOTE = "NOTE"
    RESEARCH = "RESEARCH"
    TASK = "TASK"


@strawberry.type
class StageChange:
    from_: OpportunityStage | None = strawberry.field(name="from")
    to: OpportunityStage
    at: datetime
    by: User | None


@strawberry.type
class OpportunityAlert:
    id: strawberry.ID
    kind: AlertKind
    raised_at: datetime
    message: str


def _date(value: Any) -> date | None:
    if isinstance(value, str):
        return date.fromisoformat(value)
    return cast(date | None, value.to_native() if hasattr(value, "to_native") else value)


@strawberry.type
class Opportunity(Node):
    id: strawberry.ID
    name: str
    amount: Decimal
    currency: str
    stage: OpportunityStage
    probability: float = strawberry.field(description="0..1; defaults by stage, may be overridden.")
    expected_close_date: date | None
    next_step: str | None
    next_step_due: date | None
    last_activity_at: datetime | None
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Opportunity:
        return cls(
            id=row["id"],
            name=row["name"],
            amount=Decimal(row["amount"]),
            currency=row["currency"],
            stage=OpportunityStage(row["stage"]),
            probability=float(row["probability"]),
            expected_close_date=_date(row.get("expectedCloseDate")),
            next_step=row.get("nextStep"),
            next_step_due=_date(row.get("nextStepDue")),
            last_activity_at=ms(row.get("lastActivityAt")),
            created_at=ms(row["createdAt"]),
            updated_at=ms(row["updatedAt"]),
            row=row,
        )

    @classmethod
    def maybe(cls, row: Row | None) -> Opportunity | None:
        return cls.of(row) if row else None

    async def _part(self, info: Info, name: str) -> Any:
        if name in self.row:
            return self.row[name]
        loaded = await info.context.loaders.part("Opportunity", name).load(self.id)
        return loaded.get(name) if loaded else None

    @strawberry.field
    async def company(self, info: Info) -> Company | None:
        return Company.maybe(await self._part(info, "company"))

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return User.maybe(await self._part(info, "owner"))

    @strawberry.field
    async def stage_history(self, info: Info) -> list[StageChange]:
        return [
            StageChange(
                from_=OpportunityStage(s["from"]) if s.get("from") else None,
                to=OpportunityStage(s["to"]),
                at=ms(s["at"]),
                by=User.maybe(s.get("by")),
            )
            for s in await self._part(info, "stageHistory") or []
        ]

    @strawberry.field(description="Open alerts (acknowledged ones drop out).")
    def alerts(self) -> list[OpportunityAlert]:
        return []

    @strawberry.field
    async def buying_center(self, info: Info) -> Annotated[BuyingCenter, strawberry.lazy("schema.types.b2b")]:
        from resolvers.b2b import buying_center_of

        return await buying_center_of(info, self.id, self)

    @strawberry.field
    async def timeline(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Activity]:
        from resolvers.sales import timeline

        return await timeline(info, "Opportunity", self.id, first, after)


ActivitySubject = Annotated[Person | Company | Opportunity, strawberry.union("ActivitySubject")]


@strawberry.type
class Activity(Node):
    id: strawberry.ID
    type: ActivityType
    subject: str
    body: str | None
    outcome: str | None
    occurred_at: datetime
    duration_minutes: int | None
    by: User | None
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Activity:
        return cls(
            id=row["id"],
            type=ActivityType(row["type"]),
            subject=row["subject"],
            body=row.get("body"),
            outcome=row.get("outcome"),
            occurred_at=ms(row["occurredAt"]),
            duration_minutes=row.get("durationMinutes"),
            by=User.maybe(row.get("by")),
            row=row,
        )

    @strawberry.field
    def about(self) -> list[ActivitySubject]:
        makers: dict[str, Callable[[Row], ActivitySubject]] = {
            "Person": Person.of,
            "Company": Company.of,
            "Opportunity": Opportunity.of,
        }
        return [makers[item["label"]](item["node"]) for item in self.row.get("about") or [] if item["label"] in makers]
