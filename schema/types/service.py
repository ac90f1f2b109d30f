"""Types of the [service] section: skills, slots, tickets, candidates."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from schema.compiled import compiled, entry
from schema.context import Info
from schema.enums import ChangeOp, Priority, TicketStatus
from schema.types.common import GeoPoint, Node, Row, ms
from schema.types.core import Company, Person, User, part

if TYPE_CHECKING:
    from schema.types.sales import Activity, Opportunity


@strawberry.type
class Skill(Node):
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, row: Row) -> Skill:
        return cls(id=row["id"], name=row["name"])


@strawberry.type
class UserSkill:
    skill: Skill
    level: int = strawberry.field(description="1..5")

    @classmethod
    def of(cls, row: Row) -> UserSkill:
        return cls(skill=Skill.of(row["skill"]), level=int(row["level"]))


@strawberry.type
class TimeSlot:
    start: datetime
    end: datetime

    @classmethod
    def of(cls, row: Row) -> TimeSlot:
        return cls(start=ms(row["start"]), end=ms(row["end"]))


@strawberry.type
class SkillRequirement:
    skill: Skill
    min_level: int

    @classmethod
    def of(cls, row: Row) -> SkillRequirement:
        return cls(skill=Skill.of(row["skill"]), min_level=int(row["minLevel"]))


@strawberry.type
class Ticket(Node):
    id: strawberry.ID
    subject: str
    description: str | None
    priority: Priority
    status: TicketStatus
    site: GeoPoint | None
    required_skills: list[SkillRequirement]
    estimated_minutes: int
    scheduled: TimeSlot | None
    due_at: datetime | None
    sla_breached: bool
    created_at: datetime
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Ticket:
        scheduled = row.get("scheduledStart")
        return cls(
            id=row["id"],
            subject=row["subject"],
            description=row.get("description"),
            priority=Priority(row["priority"]),
            status=TicketStatus(row["status"]),
            site=GeoPoint.of(row.get("site")),
            required_skills=[SkillRequirement.of(r) for r in row.get("requiredSkills") or []],
            estimated_minutes=int(row["estimatedMinutes"]),
            scheduled=TimeSlot(start=ms(scheduled), end=ms(row["scheduledEnd"])) if scheduled is not None else None,
            due_at=ms(row.get("dueAt")),
            sla_breached=bool(row.get("slaBreached")),
            created_at=ms(row["createdAt"]),
            row=row,
        )

    @classmethod
    def maybe(cls, row: Row | None) -> Ticket | None:
        return cls.of(row) if row else None

    @strawberry.field
    @entry
    def company(self, info: Info) -> Company | None:
        if (row := compiled(self)) is not None:
            return row["company"]  # type: ignore[no-any-return]
        return part(info, "Ticket", self.id, "company", self.row, Company.maybe)  # type: ignore[no-any-return]

    @strawberry.field(description="The consumer (or contact) the ticket is for.")
    @entry
    def person(self, info: Info) -> Person | None:
        if (row := compiled(self)) is not None:
            return row["person"]  # type: ignore[no-any-return]
        return part(info, "Ticket", self.id, "person", self.row, Person.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def assignee(self, info: Info) -> User | None:
        if (row := compiled(self)) is not None:
            return row["assignee"]  # type: ignore[no-any-return]
        return part(info, "Ticket", self.id, "assignee", self.row, User.maybe)  # type: ignore[no-any-return]


@strawberry.type
class TechnicianCandidate:
    user: User
    score: float = strawberry.field(description="higher is better; candidates come sorted by it")
    distance_km: float | None = strawberry.field(description="null when the site or the technician's base is unknown")
    available_from: datetime = strawberry.field(
        description="Earliest start inside the requested window at which the technician is free for the ticket's "
        "estimated duration."
    )
    served_customer_before: bool
    reasons: list[str]

    @classmethod
    def of(cls, row: Row) -> TechnicianCandidate:
        """A shaped dict (keys are the Python field names): the lean executor completes it without resolvers."""
        shaped = {
            "user": User.of(row["user"]),
            "score": round(float(row["score"]), 3),
            "distance_km": round(float(row["distanceKm"]), 3) if row.get("distanceKm") is not None else None,
            "available_from": ms(row["availableFrom"]),
            "served_customer_before": row.get("servedAt") is not None,
            "reasons": list(row["reasons"]),
        }
        return cast(TechnicianCandidate, shaped)


@strawberry.type
class TicketEvent:
    op: ChangeOp
    ticket_id: strawberry.ID
    ticket: Ticket | None = strawberry.field(description="null after a delete")


@strawberry.type
class CallerMatch:
    person: Person | None
    company: Company | None
    open_opportunities: list[Annotated[Opportunity, strawberry.lazy("schema.types.sales")]]
    open_tickets: list[Ticket]
    last_activity: Annotated[Activity, strawberry.lazy("schema.types.sales")] | None

    @classmethod
    def of(cls, row: Row) -> CallerMatch:
        from schema.types.sales import Activity, Opportunity

        last = row.get("lastActivity")
        return cls(
            person=Person.maybe(row.get("person")),
            company=Company.maybe(row.get("company")),
            open_opportunities=[Opportunity.of(o) for o in row.get("openOpportunities") or []],
            open_tickets=[Ticket.of(t) for t in row.get("openTickets") or []],
            last_activity=Activity.of(last) if last else None,
        )
