"""A real Celery worker, with Redis as broker, runs the tasks."""

from __future__ import annotations

import os
import time

import redis


def test_heartbeat_task_runs_on_a_real_worker(worker: None) -> None:
    from workers.tasks import HEARTBEAT_KEY, heartbeat

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(HEARTBEAT_KEY)
    sent = time.time()
    lag = heartbeat.delay(sent).get(timeout=60)
    assert 0 <= lag < 60
    assert float(client.get(HEARTBEAT_KEY) or 0) >= sent
    assert heartbeat.name == "crm.system.heartbeat"
    assert heartbeat.acks_late is True and heartbeat.reject_on_worker_lost is True
