"""Types of the [b2c] mail section: consent (and, with campaigns, mailings)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.compiled import compiled
from schema.context import Info
from schema.enums import Channel
from schema.types.common import Node, Row, ms

if TYPE_CHECKING:
    from schema.types.campaigns import Campaign
    from schema.types.segments import Segment


@strawberry.enum
class ConsentStatus(Enum):
    PENDING = "PENDING"
    GRANTED = "GRANTED"
    REVOKED = "REVOKED"


def _at(value: int | None) -> datetime | None:
    return None if value is None else ms(value)


@strawberry.type(description="One change of a consent, kept as evidence (never deleted).")
class ConsentRecord:
    at: datetime
    status: ConsentStatus
    source: str | None
    evidence: str | None

    @classmethod
    def of(cls, row: Row) -> ConsentRecord:
        return cls(
            at=ms(row["at"]),
            status=ConsentStatus(row["status"]),
            source=row.get("source"),
            evidence=row.get("evidence"),
        )


@strawberry.type
class Consent:
    channel: Channel
    purpose: str
    status: ConsentStatus
    source: str | None
    granted_at: datetime | None
    confirmed_at: datetime | None
    revoked_at: datetime | None
    key: strawberry.Private[str]

    @classmethod
    def of(cls, row: Row) -> Consent:
        return cls(
            channel=Channel(row["channel"]),
            purpose=row["purpose"],
            status=ConsentStatus(row["status"]),
            source=row.get("source"),
            granted_at=_at(row.get("grantedAt")),
            confirmed_at=_at(row.get("confirmedAt")),
            revoked_at=_at(row.get("revokedAt")),
            key=row["key"],
        )

    @strawberry.field(description="Every change of this consent, oldest first: the evidence.")
    async def history(self, info: Info) -> list[ConsentRecord]:
        from schema.fields.mail import consent_history

        if (row := compiled(self)) is not None:
            return row["history"]  # type: ignore[no-any-return]
        return await consent_history(info, self.key)


@strawberry.enum
class MailingStatus(Enum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    SENDING = "SENDING"
    SENT = "SENT"
    PAUSED = "PAUSED"
    FAILED = "FAILED"


@strawberry.type
class Mailing(Node):
    id: strawberry.ID
    subject: str
    body_template: str
    from_address: str
    consent_purpose: str = strawberry.field(
        description="Only persons with GRANTED email consent for this purpose receive it."
    )
    campaign: Annotated[Campaign, strawberry.lazy("schema.types.campaigns")]
    segment: Annotated[Segment, strawberry.lazy("schema.types.segments")]
    status: MailingStatus
    recurrence: str | None = strawberry.field(description="cron expression for recurring mailings, null for one-off")
    timezone: str = strawberry.field(description="IANA zone the recurrence is read in")
    send_at: datetime | None
    sent_count: int = strawberry.field(description="Mails handed to the relay (deliveries SENT or BOUNCED), all runs.")
    last_run_at: datetime | None
    next_run_at: datetime | None = strawberry.field(description="When the next run starts (null: none planned).")
