"""An import job whose task was lost (Redis flushed before a worker took it) is queued again by the beat task
crm.imports.requeue once its heartbeat is older than CRM_IMPORT_STALL_SECONDS, and then runs to the end."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data
from tests.servers import celery_worker
from workers.app import app
from workers.tasks import requeue_imports

IMPORT = "mutation($csv: String!) { importContacts(csv: $csv, matchOn: EMAIL) { id status } }"
JOB = "query($id: ID!) { importJob(id: $id) { status processedCount createdCount rejectedCount } }"
CSV = "firstName,lastName,email\nAna,Lima,ana@example.com\nBen,Ross,ben@example.com\n"


async def job(gql: Gql, token: str, job_id: str) -> dict[str, Any]:
    return data(await gql(JOB, {"id": job_id}, token))["importJob"]  # type: ignore[no-any-return]


async def age(deps: Deps, job_id: str, seconds: int) -> None:
    await deps.db.write(
        "MATCH (j:ImportJob {id: $id}) SET j.heartbeatAt = datetime() - duration({seconds: $s})",
        {"id": job_id, "s": seconds},
    )


async def test_a_job_whose_task_was_lost_is_queued_again_once_and_completes(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given three jobs queued while no worker runs, whose messages are then lost (Redis flushed)
    lost, fresh, done = [data(await gql(IMPORT, {"csv": CSV}, admin_token))["importContacts"]["id"] for _ in range(3)]
    await deps.redis.flushdb()
    # the first silent for longer than the setting, the second just queued, the third long over
    await age(deps, lost, 600)
    await deps.db.write("MATCH (j:ImportJob {id: $id}) SET j.status = 'COMPLETED'", {"id": done})
    await age(deps, done, 600)
    # when the beat task runs, and runs again right after
    first = await asyncio.to_thread(lambda: requeue_imports.apply().get())
    second = await asyncio.to_thread(lambda: requeue_imports.apply().get())
    # then only the silent job was queued again, once
    assert (first, second) == (1, 0)
    stamps = await deps.db.read("MATCH (j:ImportJob) RETURN j.id AS id, j.requeues AS requeues ORDER BY id")
    assert {r["id"]: r["requeues"] for r in stamps} == {lost: 1, fresh: None, done: None}
    # and a worker runs it to the end from the queued task; the fresh one still waits
    with celery_worker():
        deadline = time.monotonic() + 60
        while (await job(gql, admin_token, lost))["status"] != "COMPLETED" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    assert await job(gql, admin_token, lost) == {
        "status": "COMPLETED",
        "processedCount": 2,
        "createdCount": 2,
        "rejectedCount": 0,
    }
    assert (await job(gql, admin_token, fresh))["status"] == "PENDING"


def test_the_requeue_task_is_on_the_beat_schedule() -> None:
    entry = app.conf.beat_schedule["import-requeue"]
    assert (entry["task"], entry["schedule"]) == ("crm.imports.requeue", 60.0)
    assert requeue_imports.name == "crm.imports.requeue"
