"""Webhook delivery tasks (queue `webhooks`, run by `crm webhook-worker`, a thread pool: a slow receiver holds one
thread, never the `crm` queue's workers or other webhooks)."""

from __future__ import annotations

from typing import Any

from domain import webhooks
from domain.deps import Deps
from integrations.webhooks import Sender
from workers.app import app
from workers.tasks import IDEMPOTENT, _run


async def _drain(deps: Deps, webhook_id: str) -> int:
    sender = Sender(deps.settings.webhook_timeout, deps.settings.webhook_allow_private)
    try:
        return await webhooks.drain(deps, webhook_id, sender)
    finally:
        await sender.close()


@app.task(name="crm.webhooks.deliver", **IDEMPOTENT)
def deliver(self: Any, webhook_id: str) -> int:
    """Sends the webhook's waiting deliveries in order (one run per webhook at a time, at most ~20 s plus one
    request's timeout); returns the attempts made. Idempotent: what it sent and recorded is not sent again."""
    return _run(lambda deps: _drain(deps, webhook_id))


async def _prune(deps: Deps) -> int:
    await webhooks.prune(deps)
    return 0


@app.task(name="crm.webhooks.prune", **IDEMPOTENT)
def prune(self: Any) -> int:
    """Drops the records of deliveries that succeeded more than a week ago."""
    return _run(_prune)
