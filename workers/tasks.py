"""Tasks: thin wrappers that take ids, re-fetch what they need and call the domain."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from config.settings import get_settings
from domain import imports, monitor, sla
from domain.deps import Deps
from workers.app import app

T = TypeVar("T")

HEARTBEAT_KEY = "crm:worker:heartbeat"

# Every task that touches Neo4j is idempotent: acknowledged late, redelivered when its worker dies,
# retried with back-off on transient failures. A retry waits unacknowledged, so its back-off stays
# well below the broker's visibility timeout (CRM_TASK_VISIBILITY_TIMEOUT, 55 s) or it would run twice.
IDEMPOTENT: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (ServiceUnavailable, SessionExpired, TransientError, redis.exceptions.ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 30,
    "max_retries": 5,
}


def _run(work: Callable[[Deps], Awaitable[T]]) -> T:
    """Runs a domain use case with process-wide connections made for this call."""

    async def main() -> T:
        deps = Deps.connect(get_settings())
        try:
            return await work(deps)
        finally:
            await deps.close()

    return asyncio.run(main())


@app.task(name="crm.opportunities.monitor", **IDEMPOTENT)
def monitor_opportunities(self: Any) -> int:
    """Raises and resolves opportunity alerts; idempotent (an open alert is never raised twice)."""
    return _run(monitor.run)


@app.task(name="crm.tickets.sla", **IDEMPOTENT)
def check_ticket_sla(self: Any) -> int:
    """Flags tickets past due (not RESOLVED/CLOSED) once each; idempotent, safe to run in parallel."""
    return _run(sla.run)


async def _relay(deps: Deps) -> int:
    return await deps.outbox.relay()


@app.task(name="crm.outbox.relay", **IDEMPOTENT)
def relay_outbox(self: Any) -> int:
    """Publishes the change events still in the outbox (several relays may run: each event is
    appended once, deduplicated by its id); returns how many."""
    return _run(_relay)


@app.task(
    name="crm.system.heartbeat",
    bind=True,
    autoretry_for=(redis.exceptions.ConnectionError,),
    retry_backoff=True,
    retry_backoff_max=30,  # a retry waits unacknowledged: stay well below the visibility timeout
    max_retries=5,
)
def heartbeat(self: Any, sent_at: float | None = None) -> float:
    """Proves the beat -> broker -> worker chain works; /readyz reports the age of the last beat."""
    now = time.time()
    client = redis.Redis.from_url(get_settings().redis_url)
    try:
        client.set(HEARTBEAT_KEY, now, ex=3600)
    finally:
        client.close()
    return now - (sent_at or now)


@app.task(name="crm.imports.run", **IDEMPOTENT)
def run_import(self: Any, job_id: str) -> bool:
    """Runs a slice of a contact import (well within the visibility timeout) and queues the next slice;
    a slice that dies is run again from the job's last committed batch. True once the job has ended."""
    seconds = min(imports.SLICE_SECONDS, get_settings().task_visibility_timeout / 3)

    async def work(deps: Deps) -> bool:
        return await imports.run_slice(deps, job_id, seconds)

    try:
        done = _run(work)
    except IDEMPOTENT["autoretry_for"]:
        raise  # retried: the slice goes on from the last committed batch
    except Exception:
        _run(lambda deps: imports.fail(deps, job_id, "the import stopped on an internal error; see the worker log"))
        raise
    if not done:
        run_import.apply_async((job_id,))
    return done
