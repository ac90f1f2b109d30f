"""Resolvers of [b2c] segments and bulk updates of persons."""

from __future__ import annotations

from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.types.base import has_object_definition
from strawberry.utils.str_converters import to_camel_case

from domain import b2c_reads, bulk, reads, segments
from domain.errors import NotFound
from schema.compiled import selection
from schema.context import Info
from schema.types.common import Connection, plain
from schema.types.core import Person
from schema.types.segments import BulkPersonPatch, BulkUpdateResult, Segment, SegmentRule


def rule_dict(value: Any) -> Any:
    """A SegmentRule as the plain JSON the client sent (GraphQL names, only the fields set)."""
    if has_object_definition(value):
        out: dict[str, Any] = {}
        for f in value.__strawberry_definition__.fields:
            item = getattr(value, f.python_name)
            if item is not strawberry.UNSET and item is not None:
                out[f.graphql_name or to_camel_case(f.python_name)] = rule_dict(item)
        return out
    if isinstance(value, list):
        return [rule_dict(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


async def segment(info: Info, id: strawberry.ID) -> Segment | None:
    found = await reads.node(info.context.deps, info.context.who, "Segment", id, selection(info))
    return cast(Segment | None, found)


async def _written(info: Info, segment_id: str) -> Segment:
    found = await segment(info, strawberry.ID(segment_id))
    if found is None:
        raise NotFound(f"no segment {segment_id!r}")
    return found


async def segments_(info: Info, first: int | None = 50, after: str | None = None) -> Connection[Segment]:
    page = await b2c_reads.segments(info.context.deps, info.context.who, selection(info), first, after)
    return cast(Connection[Segment], page)


async def segment_size_of_rule(info: Info, rule: SegmentRule) -> int:
    return await segments.size(info.context.deps, rule_dict(rule))


async def create_segment(info: Info, name: str, rule: SegmentRule) -> Segment:
    segment_id = await segments.create(info.context.deps, info.context.who, name, rule_dict(rule))
    return await _written(info, segment_id)


async def update_segment(
    info: Info, id: strawberry.ID, name: str | None = None, rule: SegmentRule | None = None
) -> Segment:
    deps, who = info.context.deps, info.context.who
    segment_id = await segments.update(deps, who, id, name, None if rule is None else rule_dict(rule))
    return await _written(info, segment_id)


async def delete_segment(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await segments.delete(info.context.deps, info.context.who, id))


async def segment_size(info: Info, segment_id: str, stored: str | None = None) -> int:
    return await segments.segment_size(info.context.deps, segment_id, stored)


async def members(
    info: Info, segment_id: str, first: int | None, after: str | None, stored: str | None = None
) -> Connection[Person]:
    """`stored`: the rule's JSON text when the segment's row carried it (graph/compiler/b2c.py), saving a round trip."""
    deps = info.context.deps
    match, params = await segments.members_match(deps, segment_id, stored)
    c = reads.compiler(deps, info.context.who)
    c.params.update(params)
    return cast(Connection[Person], await b2c_reads.person_page(deps, c, match, selection(info), first, after))


async def bulk_update_persons(
    info: Info, rule: SegmentRule, patch: BulkPersonPatch, expected_count: int
) -> BulkUpdateResult:
    done = await bulk.update_persons(info.context.deps, info.context.who, rule_dict(rule), plain(patch), expected_count)
    return BulkUpdateResult(matched_count=done["matched"], updated_count=done["updated"])
