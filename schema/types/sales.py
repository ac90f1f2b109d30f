"""Opportunities and activities (the parts of [sales] the customer history needs)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from graph.compiler import page_key
from schema.compiled import compiled, entry, paged
from schema.context import Info
from schema.enums import ActivityType, AlertKind, LeadStatus, OpportunityStage
from schema.types.common import Connection, GeoPoint, Node, Row, ms
from schema.types.core import Company, Person, User, _list, nested, part
from schema.types.projects import Project
from schema.types.service import Ticket

if TYPE_CHECKING:
    from schema.types.b2b import BuyingCenter
    from schema.types.campaigns import Campaign
    from schema.types.projects import Document


@strawberry.type
class StageChange:
    from_: OpportunityStage | None = strawberry.field(name="from")
    to: OpportunityStage
    at: datetime
    by: User | None

    @classmethod
    def of(cls, row: Row) -> StageChange:
        return cls(
            from_=OpportunityStage(row["from"]) if row.get("from") else None,
            to=OpportunityStage(row["to"]),
            at=ms(row["at"]),
            by=User.maybe(row.get("by")),
        )


@strawberry.type
class OpportunityAlert:
    id: strawberry.ID
    kind: AlertKind
    raised_at: datetime
    message: str

    @classmethod
    def of(cls, row: Row) -> OpportunityAlert:
        return cls(id=row["id"], kind=AlertKind(row["kind"]), raised_at=ms(row["raisedAt"]), message=row["message"])


def _date(value: Any) -> date | None:
    """A date from the graph (read as a string); one outside the years 1..9999 reads as the first or last date."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return date.min if value.startswith("-") or value.startswith("0000") else date.max
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

    @strawberry.field
    @entry
    def company(self, info: Info) -> Company | None:
        return nested(self, info, "Opportunity", "company", Company.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def owner(self, info: Info) -> User | None:
        return nested(self, info, "Opportunity", "owner", User.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def campaign(self, info: Info) -> Annotated[Campaign, strawberry.lazy("schema.types.campaigns")] | None:
        from schema.fields.campaigns import campaign_of

        if (row := compiled(self)) is not None:
            return row["campaign"]  # type: ignore[no-any-return]
        return campaign_of(info, "Opportunity", self.id)  # type: ignore[return-value]

    @strawberry.field
    @entry
    def stage_history(self, info: Info) -> list[StageChange]:
        return nested(self, info, "Opportunity", "stageHistory", _list(StageChange.of))  # type: ignore[no-any-return]

    @strawberry.field(description="Open alerts (acknowledged ones drop out).")
    @entry
    def alerts(self, info: Info) -> list[OpportunityAlert]:
        return nested(self, info, "Opportunity", "alerts", _list(OpportunityAlert.of))  # type: ignore[no-any-return]

    @strawberry.field
    def buying_center(self, info: Info) -> Annotated[BuyingCenter, strawberry.lazy("schema.types.b2b")]:
        from schema.fields.b2b import buying_center_of

        if (row := compiled(self)) is not None:
            return row["buying_center"]  # type: ignore[no-any-return]
        return buying_center_of(info, self.id, self)  # type: ignore[return-value]

    @strawberry.field
    @paged
    def timeline(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Activity]:
        from schema.fields.sales import timeline

        if (row := compiled(self)) is not None:
            return row[page_key("timeline", first, after)]  # type: ignore[no-any-return]
        return timeline(info, "Opportunity", self.id, first, after)  # type: ignore[return-value]


@strawberry.type
class Lead(Node):
    id: strawberry.ID
    first_name: str | None
    last_name: str
    email: str | None
    phone: str | None
    company_name: str | None
    company_domain: str | None
    source: str | None
    status: LeadStatus
    score: int = strawberry.field(
        description="0..100: email 20, phone 15, company name 10, domain 15, source 5, 10 per attempt (3 at most), "
        "qualified 25; 0 once disqualified."
    )
    next_attempt_at: datetime | None
    disqualified_reason: str | None
    created_at: datetime
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Lead:
        return cls(
            id=row["id"],
            first_name=row.get("firstName"),
            last_name=row["lastName"],
            email=row.get("email"),
            phone=row.get("phone"),
            company_name=row.get("companyName"),
            company_domain=row.get("companyDomain"),
            source=row.get("source"),
            status=LeadStatus(row["status"]),
            score=int(row.get("score") or 0),
            next_attempt_at=ms(row.get("nextAttemptAt")),
            disqualified_reason=row.get("disqualifiedReason"),
            created_at=ms(row["createdAt"]),
            row=row,
        )

    @strawberry.field
    @entry
    def owner(self, info: Info) -> User | None:
        return nested(self, info, "Lead", "owner", User.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def campaign(self, info: Info) -> Annotated[Campaign, strawberry.lazy("schema.types.campaigns")] | None:
        from schema.fields.campaigns import campaign_of

        if (row := compiled(self)) is not None:
            return row["campaign"]  # type: ignore[no-any-return]
        return campaign_of(info, "Lead", self.id)  # type: ignore[return-value]

    @strawberry.field(description="Qualification attempts (calls, research, mails), oldest first.")
    @entry
    def attempts(self, info: Info) -> list[Activity]:
        return nested(self, info, "Lead", "attempts", _list(Activity.of))  # type: ignore[no-any-return]

    @strawberry.field(description="Set once converted.")
    @entry
    def converted_person(self, info: Info) -> Person | None:
        if (row := compiled(self)) is not None:
            return row["converted_person"]  # type: ignore[no-any-return]

        async def load() -> Person | None:
            found = part(info, "Lead", self.id, "convertedPerson", self.row, lambda v: v)
            person_id = await found if inspect.isawaitable(found) else found  # prefetched by the lead's query
            if not person_id:
                return None
            return Person.maybe(await info.context.loaders.part("Person", "").load(person_id))

        return load()  # type: ignore[return-value]


ActivitySubject = Annotated[
    Person | Company | Opportunity | Lead | Ticket | Project, strawberry.union("ActivitySubject")
]


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
    location: GeoPoint | None = strawberry.field(
        description="Where it was logged (a visit report's site), when the client sent one."
    )
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
            location=GeoPoint.of(row.get("location")),
            row=row,
        )

    @strawberry.field
    def documents(self, info: Info) -> list[Annotated[Document, strawberry.lazy("schema.types.projects")]]:
        from schema.fields.projects import activity_documents

        if (row := compiled(self)) is not None:
            return row["documents"]  # type: ignore[no-any-return]
        return activity_documents(info, self.id)  # type: ignore[return-value]

    @strawberry.field
    def about(self) -> list[ActivitySubject]:
        if (row := compiled(self)) is not None:
            return row["about"]  # type: ignore[no-any-return]
        makers: dict[str, Callable[[Row], ActivitySubject]] = {
            "Person": Person.of,
            "Company": Company.of,
            "Opportunity": Opportunity.of,
            "Lead": Lead.of,
            "Ticket": Ticket.of,
        }
        return [makers[item["label"]](item["node"]) for item in self.row.get("about") or [] if item["label"] in makers]
