"""Input objects of the [b2c] mail section (mailings)."""

from __future__ import annotations

from datetime import datetime

import strawberry

UNSET = strawberry.UNSET


@strawberry.input
class CreateMailingInput:
    campaign_id: strawberry.ID
    segment_id: strawberry.ID
    subject: str
    body_template: str = strawberry.field(
        description="Jinja2 template rendered in a sandbox; {{ person.firstName }} etc. An unsubscribe link is always "
        "appended."
    )
    from_address: str = strawberry.field(description="Must be one of the server's configured sender addresses.")
    consent_purpose: str
    send_at: datetime | None = UNSET
    recurrence: str | None = UNSET
    timezone: str = "Europe/Berlin"


@strawberry.input
class UpdateMailingInput:
    subject: str | None = UNSET
    body_template: str | None = UNSET
    from_address: str | None = UNSET
    send_at: datetime | None = UNSET
    recurrence: str | None = UNSET
    timezone: str | None = UNSET
