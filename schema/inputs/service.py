"""Input objects of the [service] section: skills, slots, tickets."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.enums import Priority, TicketStatus
from schema.inputs.common import GeoPointInput

UNSET = strawberry.UNSET


@strawberry.input
class UserSkillInput:
    skill_name: str
    level: int


@strawberry.input
class TimeSlotInput:
    start: datetime
    end: datetime


@strawberry.input
class SkillRequirementInput:
    skill_name: str
    min_level: int


@strawberry.input
class TicketFilter:
    status: TicketStatus | None = UNSET
    assignee_id: strawberry.ID | None = UNSET
    company_id: strawberry.ID | None = UNSET
    unassigned: bool | None = UNSET


@strawberry.input
class CreateTicketInput:
    subject: str
    description: str | None = UNSET
    priority: Priority = Priority.NORMAL
    company_id: strawberry.ID | None = UNSET
    person_id: strawberry.ID | None = UNSET
    site: GeoPointInput | None = UNSET
    required_skills: list[SkillRequirementInput] | None = UNSET
    estimated_minutes: int = 60
    due_at: datetime | None = UNSET
    project_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The project the ticket belongs to ([field]); the company defaults to the project's."
    )


@strawberry.input
class UpdateTicketInput:
    subject: str | None = UNSET
    description: str | None = UNSET
    priority: Priority | None = UNSET
    site: GeoPointInput | None = UNSET
    required_skills: list[SkillRequirementInput] | None = UNSET
    estimated_minutes: int | None = UNSET
    due_at: datetime | None = UNSET
