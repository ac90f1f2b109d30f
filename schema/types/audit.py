"""The audit trail of exports and imports (ADMIN only; beyond the contract)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry


@strawberry.type(description="One export or import: who, when, what and with which filters.")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    actor_id: strawberry.ID
    action: str = strawberry.field(description="e.g. export.persons.xlsx, export.person.vcf, import.vcard")
    target: str = strawberry.field(description="The list (persons, companies, search) or the record's id")
    params: str = strawberry.field(description="The filters and counts as a JSON object")
    cursor: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> AuditEntry:
        return cls(
            id=row["id"],
            at=datetime.fromtimestamp(row["at"] / 1000, UTC),
            actor_id=row["actorId"],
            action=row["action"],
            target=row["target"],
            params=row["params"],
            cursor=row["cursor"],
        )
