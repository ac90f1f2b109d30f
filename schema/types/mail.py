"""Types of the [b2c] mail section: consent (and, with campaigns, mailings)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.compiled import compiled
from schema.context import Info
from schema.types.campaigns import Channel
from schema.types.common import Row, ms


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
        from resolvers.mail import consent_history

        if (row := compiled(self)) is not None:
            return row["history"]  # type: ignore[no-any-return]
        return await consent_history(info, self.key)
