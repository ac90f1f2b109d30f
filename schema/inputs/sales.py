"""Input objects of the [sales] and [b2b] parts built so far."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from schema.enums import ActivityType, AlertKind, OpportunityStage
from schema.inputs.common import GeoPointInput

UNSET = strawberry.UNSET


@strawberry.input
class OpportunityFilter:
    owner_id: strawberry.ID | None = UNSET
    company_id: strawberry.ID | None = UNSET
    stage: OpportunityStage | None = UNSET
    open: bool | None = UNSET
    closing_from: date | None = UNSET
    closing_to: date | None = UNSET
    has_alert: AlertKind | None = UNSET


@strawberry.input
class CreateOpportunityInput:
    name: str
    amount: Decimal
    company_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    currency: str = "EUR"
    stage: OpportunityStage = OpportunityStage.PROSPECTING
    probability: float | None = UNSET
    expected_close_date: date | None = UNSET
    next_step: str | None = UNSET
    next_step_due: date | None = UNSET
    campaign_id: strawberry.ID | None = UNSET


@strawberry.input
class UpdateOpportunityInput:
    name: str | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    amount: Decimal | None = UNSET
    stage: OpportunityStage | None = UNSET
    probability: float | None = UNSET
    expected_close_date: date | None = UNSET
    next_step: str | None = UNSET
    next_step_due: date | None = UNSET


@strawberry.input
class LogActivityInput:
    type: ActivityType
    subject: str
    body: str | None = UNSET
    outcome: str | None = UNSET
    occurred_at: datetime | None = UNSET
    duration_minutes: int | None = UNSET
    person_ids: list[strawberry.ID] | None = UNSET
    company_id: strawberry.ID | None = UNSET
    opportunity_id: strawberry.ID | None = UNSET
    lead_id: strawberry.ID | None = UNSET
    ticket_id: strawberry.ID | None = UNSET
    # [field]
    project_id: strawberry.ID | None = UNSET
    location: GeoPointInput | None = UNSET
    document_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET,
        description="Documents uploaded before (POST /documents) to attach, e.g. photos or a voice note of a visit.",
    )
