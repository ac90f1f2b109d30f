"""Tasks for tests only: loaded into a test worker with `--include tests.celery_tasks`, never in production."""

from __future__ import annotations

import time

import redis

from config.settings import get_settings
from workers.app import app


@app.task(name="tests.slow_once", acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def slow_once(key: str, seconds: float) -> int:
    """Counts its runs in Redis; the first run then takes `seconds`, later ones finish at once."""
    client = redis.Redis.from_url(get_settings().redis_url)
    try:
        run = int(client.incr(f"{key}:started"))
        if run == 1:
            time.sleep(seconds)
        client.incr(f"{key}:finished")
        return run
    finally:
        client.close()
