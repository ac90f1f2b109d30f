"""[b2c] types for the read compiler: campaigns and their stats, events, segments, materials."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from graph.common import millis
from graph.compiler.core import point, prop
from graph.compiler.decl import TYPES, Many, One, Same, Type, Val, declare, ms
from graph.compiler.sales import OPPORTUNITY  # Lead and Opportunity are declared before they are extended here


def maybe_ms(value: Any) -> Any:
    return None if value is None else ms(value)


def maybe_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def from_cents(value: Any) -> Decimal:
    return (Decimal(value or 0) / 100).quantize(Decimal("0.01"))


def deliveries(condition: str) -> Val:
    """Deliveries of the campaign's mailings (Delivery.campaignId is indexed) that meet `condition` on `{_d}`."""
    return Val("COUNT { MATCH ({_d}:Delivery {campaignId: {v}.id}) WHERE " + condition + " }")


# Scope: v = the campaign. Every figure is computed only when selected.
CAMPAIGN_STATS = Type(
    "CampaignStats",
    {
        "leads": Val("COUNT { ({v})<-[:FROM_CAMPAIGN]-(:Lead) }"),
        "opportunities": Val("COUNT { ({v})<-[:FROM_CAMPAIGN]-(:Opportunity) }"),
        "currency": prop("currency"),
        # Won opportunities in the campaign's currency, summed exactly over integer cents.
        "wonRevenue": Val(
            "reduce({_s} = 0, {_x} IN COLLECT { MATCH ({v})<-[:FROM_CAMPAIGN]-({_o}:Opportunity) "
            "WHERE {_o}.stage = 'CLOSED_WON' AND {_o}.currency = {v}.currency RETURN {_o}.amountCents } "
            "| {_s} + coalesce({_x}, 0))",
            from_cents,
        ),
        "sent": deliveries("{_d}.status IN ['SENT', 'BOUNCED']"),
        "delivered": deliveries("{_d}.status = 'SENT'"),
        "opened": deliveries("{_d}.openedAt IS NOT NULL"),
        "clicked": deliveries("{_d}.clickedAt IS NOT NULL"),
        "bounced": deliveries("{_d}.status = 'BOUNCED'"),
        "unsubscribed": deliveries("{_d}.unsubscribedAt IS NOT NULL"),
        "participants": Val(
            "size(COLLECT { MATCH ({v})<-[:FOR_CAMPAIGN]-(:Event)<-[{_r}:PARTICIPATES]-({_p}:Person) "
            "WHERE {_r}.status IN ['REGISTERED', 'ATTENDED'] RETURN DISTINCT {_p}.id })"
        ),
    },
)

CAMPAIGN = Type(
    "Campaign",
    {
        "id": prop("id"),
        "name": prop("name"),
        "channel": prop("channel"),
        "status": prop("status"),
        "budget": Val("{v}.budget", maybe_decimal),
        "currency": prop("currency"),
        "startsAt": Val(millis("{v}.startsAt"), maybe_ms),
        "endsAt": Val(millis("{v}.endsAt"), maybe_ms),
        "stats": Same("CampaignStats"),
        "events": Many("MATCH ({t}:Event)-[:FOR_CAMPAIGN]->({v})", "Event", "{t}.startsAt, {t}.id"),
    },
)

# Participants are a page with a status argument: answered by their resolver (domain/marketing_events.py).
EVENT = Type(
    "Event",
    {
        "id": prop("id"),
        "name": prop("name"),
        "startsAt": Val(millis("{v}.startsAt"), ms),
        "venue": prop("venue"),
        "location": Val(point("location")),
        "campaign": One("({v})-[:FOR_CAMPAIGN]->({t}:Campaign)", "Campaign"),
        # Registered: signed up and not cancelled (REGISTERED or ATTENDED); attended: ATTENDED.
        "registeredCount": Val("COUNT { ({v})<-[{_r}:PARTICIPATES]-(:Person) WHERE {_r}.status <> 'CANCELLED' }"),
        "attendedCount": Val("COUNT { ({v})<-[{_r}:PARTICIPATES]-(:Person) WHERE {_r}.status = 'ATTENDED' }"),
    },
    fallback=frozenset({"participants"}),
)

# size and members depend on the stored rule (compiled per request, domain/segments.py): their resolvers, which
# find the stored rule (`storedRule`, JSON text) in the segment's row, so a page is one more statement only.
SEGMENT = Type(
    "Segment",
    {"id": prop("id"), "name": prop("name"), "rule": Val("{v}.rule", json.loads)},
    fallback=frozenset({"size", "members"}),
    carry={"storedRule": Val("{v}.rule")},
)

MATERIAL = Type(
    "Material",
    {
        "id": prop("id"),
        "title": prop("title"),
        "url": prop("url"),
        "kind": prop("kind"),
        "industries": Val("coalesce({v}.industries, [])"),
        "products": Val("coalesce({v}.products, [])"),
    },
)

declare(CAMPAIGN_STATS, CAMPAIGN, EVENT, SEGMENT, MATERIAL)

FROM_CAMPAIGN = One("({v})-[:FROM_CAMPAIGN]->({t}:Campaign)", "Campaign")
assert OPPORTUNITY.name in TYPES and "Lead" in TYPES
for _name in ("Lead", "Opportunity"):
    TYPES[_name] = replace(TYPES[_name], fields={**TYPES[_name].fields, "campaign": FROM_CAMPAIGN})
