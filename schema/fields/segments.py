"""[b2c] Fields of Segment: size and members (compiled per request from the stored rule)."""

from __future__ import annotations

from typing import cast

from domain import b2c_reads, reads, segments
from schema.compiled import selection
from schema.context import Info
from schema.types.common import Connection
from schema.types.core import Person


async def segment_size(info: Info, segment_id: str) -> int:
    return await segments.segment_size(info.context.deps, segment_id)


async def members(info: Info, segment_id: str, first: int | None, after: str | None) -> Connection[Person]:
    deps = info.context.deps
    match, params = await segments.members_match(deps, segment_id)
    c = reads.compiler(deps, info.context.who)
    c.params.update(params)
    return cast(Connection[Person], await b2c_reads.person_page(deps, c, match, selection(info), first, after))
