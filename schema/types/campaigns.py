"""[b2c] Campaigns, events (with their participants) and sales materials.

Read through the compiler (graph/compiler/b2c.py): objects of these types are plain dicts that the
default resolver reads by key; fields with arguments outside the statement have resolvers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.compiled import compiled
from schema.context import Info
from schema.enums import CampaignStatus, Channel
from schema.types.common import Connection, GeoPoint, Node
from schema.types.core import Person

if TYPE_CHECKING:
    from schema.types.mail import Mailing


@strawberry.enum
class ParticipationStatus(Enum):
    REGISTERED = "REGISTERED"
    ATTENDED = "ATTENDED"
    CANCELLED = "CANCELLED"


@strawberry.type(description="Computed when selected, each figure exactly.")
class CampaignStats:
    leads: int
    opportunities: int
    currency: str
    won_revenue: Decimal = strawberry.field(description="Won opportunities in the campaign's currency.")
    sent: int = strawberry.field(description="Deliveries SENT or BOUNCED.")
    delivered: int
    opened: int
    clicked: int
    bounced: int
    unsubscribed: int
    participants: int = strawberry.field(
        description="Distinct persons REGISTERED or ATTENDED at the campaign's events."
    )


@strawberry.type
class Campaign(Node):
    id: strawberry.ID
    name: str
    channel: Channel
    status: CampaignStatus
    budget: Decimal | None
    currency: str
    starts_at: datetime | None
    ends_at: datetime | None
    stats: CampaignStats
    events: list[Event]
    mailings: list[Annotated[Mailing, strawberry.lazy("schema.types.mail")]]  # [b2c:mail] oldest first


@strawberry.type
class Event(Node):
    id: strawberry.ID
    name: str
    starts_at: datetime
    venue: str | None
    location: GeoPoint | None
    campaign: Campaign | None
    registered_count: int = strawberry.field(description="Signed up and not cancelled (REGISTERED or ATTENDED).")
    attended_count: int

    @strawberry.field(description="Persons by name; all statuses when status is absent.")
    async def participants(
        self, info: Info, status: ParticipationStatus | None = None, first: int | None = 50, after: str | None = None
    ) -> Connection[Person]:
        from schema.fields.campaigns import participants

        return await participants(info, _id(self), status, first, after)


@strawberry.type
class Material(Node):
    id: strawberry.ID
    title: str
    url: str
    kind: str
    industries: list[str]
    products: list[str]


def _id(obj: Any) -> str:
    row = compiled(obj)
    return str(row["id"] if row is not None else obj.id)
