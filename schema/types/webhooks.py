"""Subscription webhooks and their deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from domain import webhooks as webhook_uc
from domain.pagination import page_args
from schema.context import Info
from schema.selection import wants_total
from schema.types.common import Connection, Node, Row, ms
from schema.types.core import User


@strawberry.enum
class DeliveryStatus(Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"


@strawberry.type
class WebhookDelivery(Node):
    id: strawberry.ID = strawberry.field(description="Also the X-CRM-Delivery header: the same in every attempt.")
    event_id: strawberry.ID = strawberry.field(description="The change event's entry id (the `changes` cursor).")
    attempt: int = strawberry.field(description="Attempts made so far.")
    status: DeliveryStatus
    response_code: int | None = strawberry.field(description="Of the last attempt; null when nothing answered.")
    at: datetime = strawberry.field(description="When it was recorded, then when it was last attempted.")
    next_attempt_at: datetime | None

    @classmethod
    def of(cls, row: Row) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(row["id"]),
            event_id=strawberry.ID(row["eventId"]),
            attempt=int(row["attempt"]),
            status=DeliveryStatus(row["status"]),
            response_code=row.get("responseCode"),
            at=ms(row["at"]),
            next_attempt_at=ms(row.get("nextAttemptAt")),
        )


@strawberry.type
class Webhook(Node):
    id: strawberry.ID
    url: str
    subscription_query: str = strawberry.field(
        description="A GraphQL subscription document; each event it yields is POSTed as the JSON body, signed in "
        "X-CRM-Signature (HMAC-SHA256 over timestamp + '.' + body) with X-CRM-Delivery and X-CRM-Timestamp headers."
    )
    active: bool
    created_by: User = strawberry.field(
        description="Runs with the permissions of the user or API key that created it; stops when that is revoked."
    )
    created_at: datetime

    @classmethod
    def of(cls, row: Row) -> Webhook:
        return cls(
            id=strawberry.ID(row["id"]),
            url=row["url"],
            subscription_query=row["subscriptionQuery"],
            active=bool(row["active"]),
            created_by=User.of(row["createdBy"]),
            created_at=ms(row["createdAt"]),
        )

    @strawberry.field(description="Newest first (in the order of the events).")
    async def deliveries(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[WebhookDelivery]:
        args = page_args(first, after, with_total=wants_total(info), default=20)
        page = await webhook_uc.deliveries(info.context.deps, self.id, args)
        return Connection[WebhookDelivery].of(page, WebhookDelivery.of)


@strawberry.type
class CreateWebhookPayload:
    webhook: Webhook
    secret: str = strawberry.field(description="Shown once.")
