"""Change feed and the entityChanged subscription."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

from domain import changes, upserts
from domain.errors import Unauthenticated
from schema.context import Info
from schema.enums import EntityType
from schema.types.common import PageInfo, plain
from schema.types.integrations import ChangeEvent, ChangeEventConnection, ChangeEventEdge
from schema.types.upserts import CompanyUpsertInput, PersonUpsertInput, UpsertResult


async def changes_(
    info: Info, after: str | None = None, first: int | None = 100, types: list[EntityType] | None = None
) -> ChangeEventConnection:
    wanted = {t.value for t in types} if types else None
    events, has_next = await changes.feed(info.context.deps, info.context.who, after, first, wanted)
    edges = [ChangeEventEdge(cursor=e.event_id, node=ChangeEvent.of(e)) for e in events]
    return ChangeEventConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else after,
        ),
    )


async def entity_changed(info: Info, types: list[EntityType] | None = None) -> AsyncGenerator[ChangeEvent, None]:
    context = info.context
    changes.require_feed_access(context.who)
    wanted = {t.value for t in types} if types else None
    checked = time.monotonic()
    async with context.deps.bus.subscribe() as queue:
        while True:
            event = await queue.get()
            if wanted is not None and event.type not in wanted:
                continue
            if time.monotonic() - checked >= context.deps.settings.reauth_seconds:
                # Each event is authorised anew: a revoked key or a deactivated user stops the stream.
                context.deps.auth.forget()
                principal = await context.deps.auth.authenticate(context.credential)
                if principal is None:
                    raise Unauthenticated("credentials are gone")
                changes.require_feed_access(principal)
                checked = time.monotonic()
            yield ChangeEvent.of(event)
            await asyncio.sleep(0)


async def upsert_companies(info: Info, input: list[CompanyUpsertInput]) -> UpsertResult:
    return UpsertResult.of(await upserts.companies(info.context.deps, info.context.who, [plain(i) for i in input]))


async def upsert_persons(info: Info, input: list[PersonUpsertInput]) -> UpsertResult:
    return UpsertResult.of(await upserts.persons(info.context.deps, info.context.who, [plain(i) for i in input]))
