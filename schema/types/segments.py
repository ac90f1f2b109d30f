"""[b2c] Segments: rules over persons (compiled into one Cypher predicate, domain/segments.py) and bulk updates."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.compiled import compiled
from schema.context import Info
from schema.types.campaigns import Channel
from schema.types.common import Connection, Node
from schema.types.core import Person

UNSET = strawberry.UNSET


@strawberry.enum(description="Which operators each field accepts: README, Segments.")
class FilterOp(Enum):
    EQ = "EQ"
    NEQ = "NEQ"
    IN = "IN"
    CONTAINS = "CONTAINS"
    GT = "GT"
    GTE = "GTE"
    LT = "LT"
    LTE = "LTE"
    EXISTS = "EXISTS"
    WITHIN_DAYS = "WITHIN_DAYS"


@strawberry.enum
class SegmentField(Enum):
    CITY = "CITY"
    COUNTRY = "COUNTRY"
    TAGS = "TAGS"
    SOURCE = "SOURCE"
    CREATED_AT = "CREATED_AT"
    ORDER_COUNT = "ORDER_COUNT"
    TOTAL_SPENT = "TOTAL_SPENT"
    LAST_ORDER_AT = "LAST_ORDER_AT"
    EMAIL_DOMAIN = "EMAIL_DOMAIN"


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


@strawberry.type
class BulkUpdateResult:
    matched_count: int
    updated_count: int = strawberry.field(description="Persons whose data changed (a tag they had already: none).")


@strawberry.type
class Segment(Node):
    id: strawberry.ID
    name: str
    rule: JSON = strawberry.field(description="The rule as given.")

    @strawberry.field(description="Persons the rule matches now (never cached).")
    async def size(self, info: Info) -> int:
        from resolvers.segments import segment_size

        return await segment_size(info, _id(self), _stored(self))

    @strawberry.field(description="Current members in id order (keyset cursors).")
    async def members(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Person]:
        from resolvers.segments import members

        return await members(info, _id(self), first, after, _stored(self))


def _id(obj: Any) -> str:
    row = compiled(obj)
    return str(row["id"] if row is not None else obj.id)


def _stored(obj: Any) -> str | None:
    """The stored rule's JSON text the compiled row carries for size and members (None: read it)."""
    row = compiled(obj)
    return None if row is None else row.get("storedRule")
