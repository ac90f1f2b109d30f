"""Input objects of the [field] section: projects."""

from __future__ import annotations

from datetime import date

import strawberry

from schema.enums import ProjectStatus

UNSET = strawberry.UNSET


@strawberry.input
class CreateProjectInput:
    name: str
    company_id: strawberry.ID
    contact_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET
    opportunity_id: strawberry.ID | None = UNSET


@strawberry.input
class UpdateProjectInput:
    name: str | None = UNSET
    status: ProjectStatus | None = UNSET
    contact_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET
