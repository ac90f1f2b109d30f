"""[b2c] Fields of Segment: size and members (compiled per request from the stored rule)."""

from __future__ import annotations

from typing import cast

from domain import b2c_reads, reads, segments
from schema.compiled import selection
from schema.context import Info
from schema.types.common import Connection
from schema.types.core import Person


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
