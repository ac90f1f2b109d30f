"""Input objects of subscription webhooks."""

from __future__ import annotations

import strawberry

UNSET = strawberry.UNSET


@strawberry.input
class CreateWebhookInput:
    url: str
    subscription_query: str
    secret: str | None = strawberry.field(default=strawberry.UNSET, description="generated when absent")
