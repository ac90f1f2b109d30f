"""Resolvers of [b2c] campaigns, events, materials and references (reads compiled from the selection)."""

from __future__ import annotations

from typing import Any, cast

import strawberry

from domain import b2c_reads, campaigns, marketing_events, materials, reads
from domain.errors import NotFound
from schema.compiled import selection
from schema.context import Info
from schema.enums import CampaignStatus
from schema.inputs.campaigns import CreateCampaignInput, CreateEventInput, CreateMaterialInput, UpdateCampaignInput
from schema.types.campaigns import Campaign, Event, Material, ParticipationStatus
from schema.types.common import Connection, plain
from schema.types.core import Company


async def _node(info: Info, type_name: str, node_id: str) -> Any:
    return await reads.node(info.context.deps, info.context.who, type_name, node_id, selection(info))


async def _written(info: Info, type_name: str, node_id: str) -> Any:
    found = await _node(info, type_name, node_id)
    if found is None:
        raise NotFound(f"no {type_name.lower()} {node_id!r}")
    return found


# ---- campaigns


async def campaign(info: Info, id: strawberry.ID) -> Campaign | None:
    return cast(Campaign | None, await _node(info, "Campaign", id))


async def campaigns_(
    info: Info, first: int | None = 50, after: str | None = None, status: CampaignStatus | None = None
) -> Connection[Campaign]:
    deps, who = info.context.deps, info.context.who
    page = await b2c_reads.campaigns(deps, who, selection(info), first, after, status.value if status else None)
    return cast(Connection[Campaign], page)


async def create_campaign(info: Info, input: CreateCampaignInput) -> Campaign:
    campaign_id = await campaigns.create(info.context.deps, info.context.who, plain(input))
    return cast(Campaign, await _written(info, "Campaign", campaign_id))


async def update_campaign(info: Info, id: strawberry.ID, input: UpdateCampaignInput) -> Campaign:
    campaign_id = await campaigns.update(info.context.deps, info.context.who, id, plain(input))
    return cast(Campaign, await _written(info, "Campaign", campaign_id))


# ---- events


async def event(info: Info, id: strawberry.ID) -> Event | None:
    return cast(Event | None, await _node(info, "Event", id))


async def events_(
    info: Info, first: int | None = 50, after: str | None = None, campaign_id: strawberry.ID | None = None
) -> Connection[Event]:
    page = await b2c_reads.events(info.context.deps, info.context.who, selection(info), first, after, campaign_id)
    return cast(Connection[Event], page)


async def create_event(info: Info, input: CreateEventInput) -> Event:
    event_id = await marketing_events.create(info.context.deps, info.context.who, plain(input))
    return cast(Event, await _written(info, "Event", event_id))


async def register_participant(
    info: Info, event_id: strawberry.ID, person_id: strawberry.ID, status: ParticipationStatus
) -> Event:
    await marketing_events.register(info.context.deps, info.context.who, event_id, person_id, status.value)
    return cast(Event, await _written(info, "Event", event_id))


# ---- materials and references


async def materials_(info: Info, industry: str | None = None, product: str | None = None) -> list[Material]:
    found = await b2c_reads.materials(info.context.deps, info.context.who, selection(info), industry, product)
    return cast(list[Material], found)


async def references(info: Info, industry: str | None = None) -> list[Company]:
    found = await b2c_reads.references(info.context.deps, info.context.who, selection(info), industry)
    return cast(list[Company], found)


async def create_material(info: Info, input: CreateMaterialInput) -> Material:
    material_id = await materials.create(info.context.deps, info.context.who, plain(input))
    return cast(Material, await _written(info, "Material", material_id))


async def delete_material(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await materials.delete(info.context.deps, info.context.who, id))
