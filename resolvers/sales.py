"""Resolvers for opportunities, activities and timelines."""

from __future__ import annotations

from typing import cast

import strawberry

from domain import activities, monitor, opportunities, reads
from domain.errors import NotFound
from schema.compiled import selection
from schema.context import Info
from schema.inputs.sales import CreateOpportunityInput, LogActivityInput, OpportunityFilter, UpdateOpportunityInput
from schema.types.common import Connection, plain
from schema.types.sales import Activity, Opportunity


async def opportunity(info: Info, id: strawberry.ID) -> Opportunity | None:
    found = await reads.node(info.context.deps, info.context.who, "Opportunity", id, selection(info))
    return cast(Opportunity | None, found)


async def opportunities_(
    info: Info, first: int | None = 50, after: str | None = None, filter: OpportunityFilter | None = None
) -> Connection[Opportunity]:
    flt = plain(filter) if filter else None
    page = await reads.opportunities(info.context.deps, info.context.who, selection(info), first, after, flt)
    return cast(Connection[Opportunity], page)


async def activity(info: Info, id: strawberry.ID) -> Activity | None:
    return cast(Activity | None, await reads.node(info.context.deps, info.context.who, "Activity", id, selection(info)))


async def _opportunity(info: Info, opportunity_id: str) -> Opportunity:
    found = await opportunity(info, strawberry.ID(opportunity_id))
    if found is None:
        raise NotFound(f"no opportunity {opportunity_id!r}")
    return found


async def create_opportunity(info: Info, input: CreateOpportunityInput) -> Opportunity:
    return await _opportunity(info, await opportunities.create(info.context.deps, info.context.who, plain(input)))


async def update_opportunity(info: Info, id: strawberry.ID, input: UpdateOpportunityInput) -> Opportunity:
    return await _opportunity(info, await opportunities.update(info.context.deps, info.context.who, id, plain(input)))


async def run_opportunity_monitor(info: Info) -> int:
    return await monitor.run_as(info.context.deps, info.context.who)


async def acknowledge_alert(info: Info, alert_id: strawberry.ID) -> Opportunity:
    return await _opportunity(info, await monitor.acknowledge(info.context.deps, info.context.who, alert_id))


async def log_activity(info: Info, input: LogActivityInput) -> Activity:
    activity_id = await activities.log(info.context.deps, info.context.who, plain(input))
    found = await activity(info, strawberry.ID(activity_id))
    if found is None:
        raise NotFound(f"no activity {activity_id!r}")
    return found
