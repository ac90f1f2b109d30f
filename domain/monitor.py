"""Opportunity monitoring: long sales cycles watched automatically (on a schedule and on demand)."""

from __future__ import annotations

from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import NotFound
from domain.events import emit
from graph import monitor as q
from graph.db import Tx

STAGE_ORDER = {"PROSPECTING": 0, "QUALIFICATION": 1, "PROPOSAL": 2, "NEGOTIATION": 3, "CLOSED_WON": 4, "CLOSED_LOST": 4}


async def run(deps: Deps) -> int:
    """Raises the alerts whose rule now holds, resolves those whose rule stopped; returns how many were raised."""
    row = await deps.db.write(q.RUN, {"staleDays": deps.settings.stale_days, "order": STAGE_ORDER})
    return int(row[0]["raised"] or 0) if row else 0


async def run_as(deps: Deps, who: Principal) -> int:
    who.require(CRM_WRITERS, "run the opportunity monitor")
    return await run(deps)


async def acknowledge(deps: Deps, who: Principal, alert_id: str) -> str:
    who.require(CRM_WRITERS, "acknowledge alerts")

    async def work(tx: Tx) -> str:
        rows = await tx.run(q.ACKNOWLEDGE, {"id": alert_id, "userId": who.user_id})
        if not rows:
            raise NotFound(f"no alert {alert_id!r}")
        opportunity_id = str(rows[0]["opportunityId"])
        emit(tx, "OPPORTUNITY", opportunity_id, "UPDATED", ("alerts",), who.user_id)
        return opportunity_id

    return await deps.db.transaction(work)
