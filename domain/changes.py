"""The change feed: who may read it and how it pages."""

from __future__ import annotations

from domain.auth import FEED_ROLES, Principal
from domain.deps import Deps
from domain.errors import BadInput
from domain.events import ChangeEvent


def require_feed_access(who: Principal) -> None:
    who.require(FEED_ROLES, "follow every change")


async def feed(
    deps: Deps, who: Principal, after: str | None, first: int | None, types: set[str] | None
) -> tuple[list[ChangeEvent], bool]:
    """Events after the cursor, oldest first, filtered by type: reads `first + 1` entries at most
    (of each type's stream when filtered), never scans the stream."""
    require_feed_access(who)
    size = 100 if first is None else first
    if not 0 <= size <= 1000:
        raise BadInput("first must be between 0 and 1000", argument="first")
    if after is not None and not _is_stream_id(after):
        raise BadInput("invalid cursor", argument="after")
    out = await deps.bus.read(after, size + 1, types)
    return out[:size], len(out) > size


MAX_U64 = 2**64 - 1


def _is_stream_id(value: str) -> bool:
    """A Redis stream id "ms-seq" that can start a range: both parts decimal and within 64 bits unsigned."""
    ms, _, seq = value.partition("-")
    if not (0 < len(ms) <= 20 and 0 < len(seq) <= 20 and (ms + seq).isascii() and (ms + seq).isdigit()):
        return False
    # The largest id has no successor: nothing can follow it, and Redis refuses it as an exclusive start.
    return int(ms) <= MAX_U64 and int(seq) <= MAX_U64 and (int(ms), int(seq)) != (MAX_U64, MAX_U64)
