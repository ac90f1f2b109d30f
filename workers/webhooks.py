"""Webhook delivery tasks (queue `webhooks`, run by `crm webhook-worker`, a thread pool: a slow receiver holds one
thread, never the `crm` queue's workers or other webhooks).

The sends of all tasks of a worker process run on one event loop (uvloop) in a thread of its own, with one set of
connections (Neo4j, Redis) and one pool of keep-alive HTTP connections per receiver, kept for the life of the
process: a task thread hands its webhook's drain to that loop and waits for it. So a task costs no connection
set-up, and the process's work is asynchronous I/O on one loop rather than threads contending for the GIL.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import uvloop

from config.settings import get_settings
from domain import webhooks
from domain.deps import Deps
from integrations.webhooks import Sender
from workers.app import app
from workers.tasks import IDEMPOTENT, _run


@dataclass
class _Runtime:
    loop: asyncio.AbstractEventLoop
    deps: Deps
    sender: Sender


_lock = threading.Lock()
_runtime: _Runtime | None = None


def runtime() -> _Runtime:
    """The process's delivery loop and its connections, started on first use (after any fork)."""
    global _runtime
    with _lock:
        if _runtime is None or _runtime.loop.is_closed() or not _runtime.loop.is_running():
            loop = uvloop.new_event_loop()
            threading.Thread(target=loop.run_forever, name="webhook-loop", daemon=True).start()

            async def connect() -> tuple[Deps, Sender]:
                settings = get_settings()
                return Deps.connect(settings), Sender(settings.webhook_timeout, settings.webhook_allow_private)

            deps, sender = asyncio.run_coroutine_threadsafe(connect(), loop).result()
            _runtime = _Runtime(loop, deps, sender)
        return _runtime


@app.task(name="crm.webhooks.deliver", **IDEMPOTENT)
def deliver(self: Any, webhook_id: str) -> int:
    """Sends the webhook's waiting deliveries in order (one run per webhook at a time, at most ~20 s plus one
    request's timeout); returns the attempts made. Idempotent: what it sent and recorded is not sent again."""
    shared = runtime()
    return asyncio.run_coroutine_threadsafe(
        webhooks.drain(shared.deps, webhook_id, shared.sender), shared.loop
    ).result()


async def _prune(deps: Deps) -> int:
    await webhooks.prune(deps)
    return 0


@app.task(name="crm.webhooks.prune", **IDEMPOTENT)
def prune(self: Any) -> int:
    """Drops the records of deliveries that succeeded more than a week ago."""
    return _run(_prune)
