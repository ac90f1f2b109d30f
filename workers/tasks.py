"""Tasks: thin wrappers that take ids, re-fetch what they need and call the domain."""

from __future__ import annotations

import time
from typing import Any

import redis

from config.settings import get_settings
from workers.app import app

HEARTBEAT_KEY = "crm:worker:heartbeat"


@app.task(
    name="crm.system.heartbeat",
    bind=True,
    autoretry_for=(redis.exceptions.ConnectionError,),
    retry_backoff=True,
    retry_backoff_max=60,
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
