"""Input objects of the [b2c] campaigns, events and sales materials."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from schema.enums import CampaignStatus, Channel
from schema.inputs.common import GeoPointInput

UNSET = strawberry.UNSET


@strawberry.input
class CreateCampaignInput:
    name: str
    channel: Channel
    budget: Decimal | None = UNSET
    currency: str = "EUR"
    starts_at: datetime | None = UNSET
    ends_at: datetime | None = UNSET


@strawberry.input
class UpdateCampaignInput:
    name: str | None = UNSET
    status: CampaignStatus | None = UNSET
    budget: Decimal | None = UNSET
    starts_at: datetime | None = UNSET
    ends_at: datetime | None = UNSET


@strawberry.input
class CreateEventInput:
    name: str
    starts_at: datetime
    venue: str | None = UNSET
    location: GeoPointInput | None = UNSET
    campaign_id: strawberry.ID | None = UNSET


@strawberry.input(description="A sales material (brochure, case study, video); ADMIN, SALES_MANAGER, MARKETING.")
class CreateMaterialInput:
    title: str
    url: str = strawberry.field(description="http(s) address")
    kind: str = strawberry.field(description="Free text such as BROCHURE, CASE_STUDY, VIDEO")
    industries: list[str] = strawberry.field(default_factory=list)
    products: list[str] = strawberry.field(default_factory=list)
