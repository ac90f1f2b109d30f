"""Input objects of leads (filter, create, update, qualify, convert)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from schema.enums import ActivityType, LeadStatus

UNSET = strawberry.UNSET


@strawberry.input
class LeadFilter:
    status: LeadStatus | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    campaign_id: strawberry.ID | None = UNSET
    min_score: int | None = UNSET


@strawberry.input
class CreateLeadInput:
    last_name: str
    first_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    company_name: str | None = UNSET
    company_domain: str | None = UNSET
    source: str | None = UNSET
    campaign_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET


@strawberry.input
class UpdateLeadInput:
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    phone: str | None = UNSET
    company_name: str | None = UNSET
    company_domain: str | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    campaign_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The campaign the lead came from; null: from none."
    )


@strawberry.input
class QualificationAttemptInput:
    type: ActivityType
    outcome: str = strawberry.field(description='Free text; one starting with "qualified" qualifies the lead.')
    note: str | None = UNSET
    next_attempt_at: datetime | None = UNSET


@strawberry.input
class ConvertLeadInput:
    create_opportunity: bool = True
    opportunity_name: str | None = UNSET
    amount: Decimal | None = UNSET
