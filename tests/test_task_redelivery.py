"""A task whose worker is killed mid-task runs again on another worker within a minute."""

from __future__ import annotations

import os
import signal
import time

import redis

from tests.servers import celery_worker

VISIBILITY = {"CRM_TASK_VISIBILITY_TIMEOUT": "5"}


def _wait(check: object, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if callable(check) and check():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def test_a_task_of_a_killed_worker_is_redelivered() -> None:
    from workers.app import app

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = "test:redelivery"
    # given a worker running a long task (visibility timeout shortened to 5 s for the test)
    with celery_worker(VISIBILITY, include="tests.celery_tasks") as first:
        app.send_task("tests.slow_once", args=[key, 300])
        _wait(lambda: client.get(f"{key}:started") == b"1", 60)
        # when the worker is killed with SIGKILL mid-task
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    killed = time.monotonic()
    # then another worker runs the task again and finishes it within a minute
    with celery_worker(VISIBILITY, include="tests.celery_tasks"):
        _wait(lambda: client.get(f"{key}:finished") == b"1", 60)
    assert time.monotonic() - killed < 60
    assert client.get(f"{key}:started") == b"2"
