"""Input objects of the [b2c] segments: rules over persons and bulk updates."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from schema.enums import Channel, FilterOp, SegmentField

UNSET = strawberry.UNSET


@strawberry.input
class ConsentConditionInput:
    channel: Channel
    purpose: str | None = UNSET


@strawberry.input
class SegmentCondition:
    field: SegmentField
    op: FilterOp
    value: JSON | None = UNSET


@strawberry.input
class PurchaseCondition:
    product_sku: str | None = UNSET
    within_days: int | None = UNSET
    min_count: int | None = 1


@strawberry.input(
    one_of=True,
    description="Exactly one field set; nesting deeper than 5 levels or a segment that includes itself is "
    "BAD_USER_INPUT.",
)
class SegmentRule:
    all: list[SegmentRule] | None = UNSET
    any: list[SegmentRule] | None = UNSET
    not_: SegmentRule | None = strawberry.field(default=UNSET, name="not")
    condition: SegmentCondition | None = UNSET
    purchased: PurchaseCondition | None = UNSET
    attended_event_id: strawberry.ID | None = UNSET
    in_segment_id: strawberry.ID | None = UNSET
    has_consent: ConsentConditionInput | None = UNSET


@strawberry.input
class BulkPersonPatch:
    add_tags: list[str] | None = UNSET
    remove_tags: list[str] | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    source: str | None = UNSET
