"""The SLA check (Celery beat, task crm.tickets.sla): flags tickets past due, once per ticket."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from domain.deps import Deps
from domain.events import emit
from graph import sla as q
from graph.db import Row, Tx

BATCH = 500


async def run(deps: Deps, now: datetime | None = None) -> int:
    """Flags every ticket past `dueAt` that is not RESOLVED or CLOSED and not flagged yet, files a TASK
    activity for its assignee (or the dispatchers) and publishes ticketChanged; returns how many.
    Idempotent: a second run, or one running at the same time, flags nothing twice."""
    moment = (now or datetime.now(UTC)).isoformat()
    total = 0
    while True:
        run_id = uuid.uuid4().hex

        async def work(tx: Tx, run_id: str = run_id) -> list[Row]:
            rows = await tx.run(q.FLAG, {"now": moment, "limit": BATCH, "run": run_id})
            for row in rows:
                emit(tx, "TICKET", row["ticketId"], "UPDATED", ["slaBreached"], None, {"reason": "SLA"})
                emit(tx, "ACTIVITY", row["activityId"], "CREATED", ["type", "subject", "body"], None)
            return rows

        flagged = await deps.db.transaction(work)
        total += len(flagged)
        if len(flagged) < BATCH:
            return total
