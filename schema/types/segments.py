"""[b2c] Segments: rules over persons (compiled into one Cypher predicate, domain/segments.py) and bulk updates."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from schema.compiled import compiled
from schema.context import Info
from schema.types.common import Connection, Node
from schema.types.core import Person

UNSET = strawberry.UNSET


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
        from schema.fields.segments import segment_size

        return await segment_size(info, _id(self), _stored(self))

    @strawberry.field(description="Current members in id order (keyset cursors).")
    async def members(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Person]:
        from schema.fields.segments import members

        return await members(info, _id(self), first, after, _stored(self))


def _id(obj: Any) -> str:
    row = compiled(obj)
    return str(row["id"] if row is not None else obj.id)


def _stored(obj: Any) -> str | None:
    """The stored rule's JSON text the compiled row carries for size and members (None: read it)."""
    row = compiled(obj)
    return None if row is None else row.get("storedRule")
