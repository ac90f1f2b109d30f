"""[b2c] Fields of types read outside the compiler: the campaign of a lead or opportunity, event participants."""

from __future__ import annotations

from typing import cast

from domain import b2c_reads, campaigns, marketing_events, reads
from schema.compiled import selection
from schema.context import Info
from schema.types.campaigns import Campaign, ParticipationStatus
from schema.types.common import Connection
from schema.types.core import Person


async def campaign_of(info: Info, label: str, node_id: str) -> Campaign | None:
    """The campaign of a lead or opportunity that was not read by the compiler (e.g. a subscription's lead)."""
    campaign_id = await campaigns.id_of(info.context.deps, label, node_id)
    if campaign_id is None:
        return None
    found = await reads.node(info.context.deps, info.context.who, "Campaign", campaign_id, selection(info))
    return cast(Campaign | None, found)


async def participants(
    info: Info, event_id: str, status: ParticipationStatus | None, first: int | None, after: str | None
) -> Connection[Person]:
    deps, who = info.context.deps, info.context.who
    c = reads.compiler(deps, who)
    c.params.update(eventId=event_id, status=status.value if status else None)
    page = await b2c_reads.person_page(deps, c, marketing_events.PARTICIPANTS, selection(info), first, after)
    return cast(Connection[Person], page)
