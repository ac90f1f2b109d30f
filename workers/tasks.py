"""Tasks: thin wrappers that take ids, re-fetch what they need and call the domain."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from config.settings import get_settings
from domain import documents, imports, mail_runs, mailings, monitor, shops, sla
from domain.deps import Deps
from domain.mailer import MailTransient
from integrations import speech, storage
from integrations.mail import SmtpTransport
from workers.app import app
from workers.queue import CeleryQueue

T = TypeVar("T")

HEARTBEAT_KEY = "crm:worker:heartbeat"
CHUNK_TASK_NAME = mailings.CHUNK_TASK

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
        settings = get_settings()
        deps = Deps.connect(settings)
        deps.mail = SmtpTransport(settings.smtp_url)
        deps.tasks = CeleryQueue(app)
        deps.storage = storage.from_settings(settings)
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


@functools.cache
def _speech_engine() -> speech.PocketSphinx | None:
    """The engine (its model loaded once per worker process), or None when CRM_SPEECH_ENGINE is none."""
    return speech.from_settings(get_settings())


@app.task(name="crm.documents.transcribe", **IDEMPOTENT)
def transcribe_document(self: Any, document_id: str) -> str:
    """[field] Transcribes a PENDING voice note (idempotent: a document no longer PENDING is left alone)."""
    engine = _speech_engine()
    return _run(lambda deps: documents.transcribe(deps, engine, document_id))


@app.task(name="crm.documents.requeue", **IDEMPOTENT)
def requeue_transcriptions(self: Any) -> int:
    """Backstop: queues the transcription of voice notes still PENDING two minutes after their upload (the API
    could not queue it); a note queued twice is transcribed once (the task only writes a PENDING document)."""
    stale = _run(documents.stale_pending)
    for document_id in stale:
        transcribe_document.delay(document_id)
    return len(stale)


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


@app.task(name="crm.imports.requeue", **IDEMPOTENT)
def requeue_imports(self: Any) -> int:
    """Queues again the import jobs left PENDING or RUNNING without a heartbeat for CRM_IMPORT_STALL_SECONDS (their
    task was lost, e.g. Redis flushed before a worker took it). Idempotent: a job is queued once per period, and a
    job queued twice is run by one runner (the batch commits check the job's offset)."""
    seconds = get_settings().import_stall_seconds
    job_ids = _run(lambda deps: imports.stale_jobs(deps, seconds))
    for job_id in job_ids:
        run_import.delay(job_id)
    return len(job_ids)


async def _due(deps: Deps) -> int:
    started = await mailings.start_due(deps)
    await mailings.resume_stalled(deps, deps.settings.mail_stall_seconds)
    return len(started)


@app.task(name="crm.mailings.due", **IDEMPOTENT)
def start_due_mailings(self: Any) -> int:
    """Starts due mailing runs (each once: MailRun is unique per mailing and scheduled time) and resumes runs whose
    chain of chunks broke; returns how many runs started."""
    return _run(_due)


@app.task(
    name=CHUNK_TASK_NAME,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ServiceUnavailable, SessionExpired, TransientError, redis.exceptions.ConnectionError),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=6,
)
def send_mailing_chunk(self: Any, run_id: str, after: str | None) -> str:
    """Sends pages of a run for a slice of time (well within the visibility timeout), then queues the next chunk
    (idempotent: recipients with a delivery are skipped, claims of a dead worker settled by its journal). The relay
    unreachable: retried with back-off (at most 30 s, below the visibility timeout); after the last retry the run
    and its mailing are FAILED."""

    seconds = min(mail_runs.SLICE_SECONDS, get_settings().task_visibility_timeout / 3)

    async def work(deps: Deps) -> str:
        return await mail_runs.chunk(deps, run_id, after, seconds)

    try:
        return _run(work)
    except MailTransient as exc:
        if self.request.retries >= self.max_retries:
            error = str(exc)

            async def give_up(deps: Deps) -> None:
                await mail_runs.fail(deps, run_id, error)

            _run(give_up)
            return "failed"
        raise self.retry(exc=exc, countdown=min(30, 2 ** (self.request.retries + 1))) from exc


@app.task(name="crm.shops.process", **IDEMPOTENT)
def process_shop_delivery(self: Any, key: str) -> str:
    """Maps a stored shop webhook into orders, customers and products (idempotent; DONE entries are skipped)."""

    async def work(deps: Deps) -> str:
        return await shops.process(deps, key)

    return _run(work)


@app.task(name="crm.shops.sweep", **IDEMPOTENT)
def sweep_shop_deliveries(self: Any) -> int:
    """Hands out again the shop deliveries still waiting after a minute (their task was lost)."""
    keys = _run(shops.stale)
    for key in keys:
        process_shop_delivery.delay(key)
    return len(keys)
