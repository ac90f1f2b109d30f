"""A worker killed with kill -9 mid-import: the next worker resumes from the last committed batch and the end state
equals the one of an uninterrupted run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from domain.deps import Deps
from tests.conftest import Gql, data
from tests.servers import celery_worker
from tests.test_imports import IMPORT, JOB, summary, wait_job

# Short visibility timeout: the killed worker's task is handed out again within seconds (slices of 2 s); the file is
# parsed in a child process (the path of large files), which dies with the worker.
FAST = {"CRM_TASK_VISIBILITY_TIMEOUT": "6", "CRM_IMPORT_BATCH": "300", "CRM_IMPORT_PROCESS_BYTES": "0"}
ROWS = 6_000


def contacts() -> str:
    lines = ["firstName,lastName,email,phone,city,tags"]
    for i in range(ROWS):
        if i % 1000 == 7:
            lines.append(f"Bad,Row{i},not-an-address,,,")
        elif i % 1000 == 9:
            lines.append(f"Dup,Row{i},P{i - 1}@Example.com,,,")  # a duplicate of the row before
        else:
            lines.append(f"F{i},L{i},p{i}@example.com,+49 30 {1000000 + i},City {i % 7},t{i % 3};all")
    return "\n".join(lines) + "\n"


async def state(deps: Deps) -> dict[str, Any]:
    persons = await deps.db.read(
        "MATCH (p:Person) RETURN p.emailLower AS email, p.firstName AS first, p.lastName AS last, p.fullName AS full, "
        "p.phones AS phones, p.city AS city, p.tags AS tags, p.importRow AS row, "
        "[(p)-[:HAS_PHONE]->(ph) | ph.e164] AS linked ORDER BY email"
    )
    counts = await deps.db.read(
        "RETURN COUNT { (:Person) } AS persons, COUNT { (:Phone) } AS phones, COUNT { ()-[:HAS_PHONE]->() } AS links, "
        "COUNT { (:ImportRowError) } AS errors"
    )
    return {"persons": persons, "counts": counts[0]}


async def run_job(gql: Gql, token: str, text: str) -> str:
    return str(data(await gql(IMPORT, {"csv": text, "m": "EMAIL"}, token))["importContacts"]["id"])


async def test_a_worker_killed_mid_import_is_resumed_to_the_same_end_state(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    text = contacts()
    # given a job taken by a worker that is killed with SIGKILL once some batches are committed
    job_id = await run_job(gql, admin_token, text)
    with celery_worker(FAST) as first:
        deadline = time.monotonic() + 120
        while True:
            job = data(await gql(JOB, {"id": job_id}, admin_token))["importJob"]
            if job["processedCount"] >= 600 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        first.kill()  # kill -9
        first.wait()
    killed_at = data(await gql(JOB, {"id": job_id}, admin_token))["importJob"]
    assert killed_at["status"] == "RUNNING"
    assert 0 < killed_at["processedCount"] < ROWS
    # when another worker starts
    with celery_worker(FAST):
        resumed = await wait_job(gql, admin_token, job_id, timeout=300)
    interrupted = summary(resumed)
    interrupted_state = await state(deps)
    # and the same file runs again without interruption on a clean database
    await deps.db.write("MATCH (n) WHERE NOT n:User DETACH DELETE n")
    clean_id = await run_job(gql, admin_token, text)
    with celery_worker(FAST):
        clean = summary(await wait_job(gql, admin_token, clean_id, timeout=300))
    # then counts, errors and every person are the same
    assert interrupted == clean
    assert (clean["status"], clean["processed"], clean["created"], clean["rejected"]) == ("COMPLETED", ROWS, 5_988, 12)
    assert interrupted_state == await state(deps)
    assert interrupted_state["counts"] == {"persons": 5_988, "phones": 5_988, "links": 5_988, "errors": 12}
