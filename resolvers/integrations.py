"""Change feed and the entityChanged subscription."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import strawberry

from domain import changes, leads, opportunities, upserts
from domain.errors import Unauthenticated
from domain.events import ChangeEvent as DomainEvent
from schema.context import Info
from schema.enums import ChangeOp, EntityType, OpportunityStage
from schema.inputs.upserts import CompanyUpsertInput, PersonUpsertInput
from schema.types.common import PageInfo, plain
from schema.types.integrations import ChangeEvent, ChangeEventConnection, ChangeEventEdge, OpportunityEvent
from schema.types.sales import Lead, Opportunity
from schema.types.upserts import UpsertResult


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


async def _follow(info: Info, types: set[str] | None, feed_only: bool) -> AsyncGenerator[DomainEvent, None]:
    """Change events of the given types; the subscriber is authorised anew every few seconds, so a
    revoked key or a deactivated user ends the stream."""
    context = info.context
    who = context.who
    if feed_only:
        changes.require_feed_access(who)
    if context.events is not None:  # a webhook: one event at a time from its dispatcher
        async with context.events.subscribe() as fed:
            while True:
                event = await fed.get()
                if types is None or event.type in types:
                    yield event
    checked = time.monotonic()
    async with context.deps.bus.subscribe() as queue:
        while True:
            event = await queue.get()
            if types is not None and event.type not in types:
                continue
            if time.monotonic() - checked >= context.deps.settings.reauth_seconds:
                context.deps.auth.forget()
                principal = await context.deps.auth.authenticate(context.credential)
                if principal is None:
                    raise Unauthenticated("credentials are gone")
                if feed_only:
                    changes.require_feed_access(principal)
                checked = time.monotonic()
            yield event
            await asyncio.sleep(0)


async def entity_changed(info: Info, types: list[EntityType] | None = None) -> AsyncGenerator[ChangeEvent, None]:
    async for event in _follow(info, {t.value for t in types} if types else None, feed_only=True):
        yield ChangeEvent.of(event)


async def opportunity_changed(
    info: Info, opportunity_id: strawberry.ID | None = None, owner_id: strawberry.ID | None = None
) -> AsyncGenerator[OpportunityEvent, None]:
    async for event in _follow(info, {"OPPORTUNITY"}, feed_only=False):
        if opportunity_id and event.node_id != opportunity_id:
            continue
        row = None if event.op == "DELETED" else await opportunities.get(info.context.deps, event.node_id, ("owner",))
        if owner_id and (row is None or (row.get("owner") or {}).get("id") != owner_id):
            continue
        previous = event.extra.get("previousStage")
        yield OpportunityEvent(
            op=ChangeOp(event.op),
            opportunity_id=strawberry.ID(event.node_id),
            opportunity=Opportunity.maybe(row),
            previous_stage=OpportunityStage(previous) if previous else None,
        )


async def lead_created(info: Info, campaign_id: strawberry.ID | None = None) -> AsyncGenerator[Lead, None]:
    async for event in _follow(info, {"LEAD"}, feed_only=False):
        if event.op != "CREATED" or (campaign_id and event.extra.get("campaignId") != campaign_id):
            continue
        row = await leads.get(info.context.deps, event.node_id)
        if row is not None:
            yield Lead.of(row)


async def upsert_companies(info: Info, input: list[CompanyUpsertInput]) -> UpsertResult:
    return UpsertResult.of(await upserts.companies(info.context.deps, info.context.who, [plain(i) for i in input]))


async def upsert_persons(info: Info, input: list[PersonUpsertInput]) -> UpsertResult:
    return UpsertResult.of(await upserts.persons(info.context.deps, info.context.who, [plain(i) for i in input]))
