"""Change events for integrations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.events import ChangeEvent as DomainEvent
from schema.enums import ChangeOp, EntityType, OpportunityStage
from schema.types.common import PageInfo
from schema.types.sales import Opportunity


@strawberry.type
class ChangeEvent:
    event_id: strawberry.ID = strawberry.field(description="Unique per event; also the cursor of the `changes` feed")
    type: EntityType
    node_id: strawberry.ID
    op: ChangeOp
    at: datetime
    fields: list[str] = strawberry.field(description="names of the fields that changed")
    idempotency_key: strawberry.ID = strawberry.field(
        description="The same in every delivery of this change (delivery is at least once): deduplicate on it"
    )

    @classmethod
    def of(cls, event: DomainEvent) -> ChangeEvent:
        return cls(
            event_id=strawberry.ID(event.event_id),
            type=EntityType(event.type),
            node_id=strawberry.ID(event.node_id),
            op=ChangeOp(event.op),
            at=event.at,
            fields=list(event.fields),
            idempotency_key=strawberry.ID(event.key),
        )


@strawberry.type
class ChangeEventEdge:
    cursor: str
    node: ChangeEvent


@strawberry.type
class ChangeEventConnection:
    edges: list[ChangeEventEdge]
    page_info: PageInfo


@strawberry.type
class OpportunityEvent:
    op: ChangeOp
    opportunity_id: strawberry.ID
    opportunity: Opportunity | None = strawberry.field(description="null after a delete")
    previous_stage: OpportunityStage | None
