"""The audit trail of exports and imports."""

from __future__ import annotations

import strawberry

from domain import audit
from schema.context import Info
from schema.types.audit import AuditEntry


async def audit_trail(
    info: Info, first: int | None = 50, after: str | None = None, actor_id: strawberry.ID | None = None
) -> list[AuditEntry]:
    rows = await audit.entries(info.context.deps, info.context.who, first, after, actor_id)
    return [AuditEntry.of(row) for row in rows]
