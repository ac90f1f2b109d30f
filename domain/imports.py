"""Contact imports from CSV: a job per file, run by a Celery worker in resumable batches.

* `create_job` stores the CSV under CRM_IMPORT_DIR (default `.data/imports/`), creates a PENDING
  `ImportJob` and hands it to a worker (task `crm.imports.run`). Entry points: the `importContacts`
  mutation (text up to 10 MB), `POST /imports/contacts` (any size, streamed to disk) and
  `crm import contacts FILE` (which uses the HTTP endpoint).
* `run_slice` is what the task does: it reads the file from the job's committed byte offset, never
  the whole file, and writes batches of `batch_size` rows. Each batch's writes and the job's progress
  (offset, next row number, counts, row errors) commit in ONE transaction, so a worker killed at any
  moment leaves the job at its last committed batch and the next run goes on from there; the end
  state is the one of an uninterrupted run. A slice stops after `SLICE_SECONDS` and the task queues
  the next slice, so no task runs anywhere near the broker's visibility timeout.
* Progress is published on the Redis channel `crm:import:<id>` after every commit (and once more
  when the job ends), so `importProgress` works on any API process.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import csv
import json
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from config.settings import ROOT
from domain import validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from domain.events import emit_many
from domain.ids import label_of, new_id
from domain.normalize import normalize_email
from domain.orders import email_stripe
from graph import imports as q
from graph.db import Row, Tx

TASK = "crm.imports.run"
MAX_TEXT_BYTES = 10 * 1024 * 1024  # importContacts(csv); larger files go through POST /imports/contacts
BATCH_SIZE = int(os.environ.get("CRM_IMPORT_BATCH", "5000"))
SLICE_SECONDS = 20.0
EVENTS = os.environ.get("CRM_IMPORT_EVENTS", "1") != "0"
MATCH_KEYS = ("EMAIL", "EXTERNAL_ID", "NONE")
DEFAULT_SYSTEM = "import"
# Accepted columns (header names are matched ignoring case and surrounding spaces) and their longest value.
COLUMNS = {
    "firstName": 200,
    "lastName": 200,
    "email": 254,
    "phone": 200,
    "city": 200,
    "country": 200,
    "tags": 2000,
    "jobTitle": 200,
    "externalId": 200,
    "externalIdSystem": 100,
}
BY_LOWER = {name.lower(): name for name in COLUMNS}
PERSON_FIELDS = ("firstName", "lastName", "email", "city", "country", "jobTitle")
CHANNEL = "crm:import:"
# Files with more than this many bytes left to read are parsed in a child process (parsing and validating - mostly the
# phone numbers - cost about as much CPU as the writes; in a thread they would hold the GIL the writing path needs);
# smaller ones in a thread (no process to start).
PROCESS_MIN_BYTES = int(os.environ.get("CRM_IMPORT_PROCESS_BYTES", str(4 * 1024 * 1024)))
csv.field_size_limit(1024 * 1024)


def import_dir() -> Path:
    return Path(os.environ.get("CRM_IMPORT_DIR", ROOT / ".data" / "imports"))


def channel(job_id: str) -> str:
    return CHANNEL + job_id


def match_key(value: str | None) -> str:
    key = (value or "EMAIL").strip().upper().replace("-", "_")
    if key not in MATCH_KEYS:
        raise BadInput("match must be one of email, external-id, none", argument="match")
    return key


# ---------------------------------------------------------------- jobs


async def create_job(deps: Deps, who: Principal, match_on: str, write: Any) -> Row:
    """Creates a PENDING job for a file written by `write(path)` (awaitable; returns the bytes written) and
    queues it. The file lands under its final name only when complete."""
    who.require(CRM_WRITERS, "import contacts")
    match_on = match_key(match_on)
    job_id = new_id("ImportJob")
    folder = import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{job_id}.csv"
    part = folder / f"{job_id}.csv.part"
    try:
        size = await write(part)
        part.rename(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    await deps.db.write(
        q.CREATE_JOB,
        {"id": job_id, "matchOn": match_on, "path": str(path), "bytes": size, "userId": who.user_id},
    )
    await enqueue(deps, job_id)
    job = await get(deps, job_id)
    assert job is not None
    return job


async def create_from_text(deps: Deps, who: Principal, text: str, match_on: str) -> Row:
    data = text.encode()
    if len(data) > MAX_TEXT_BYTES:
        raise BadInput(
            f"csv is larger than {MAX_TEXT_BYTES} bytes; upload larger files to POST /imports/contacts", argument="csv"
        )

    async def write(path: Path) -> int:
        await asyncio.to_thread(path.write_bytes, data)
        return len(data)

    return await create_job(deps, who, match_on, write)


async def create_from_stream(deps: Deps, who: Principal, chunks: AsyncIterator[bytes], match_on: str) -> Row:
    """A request body streamed to disk chunk by chunk (any size, never held in memory)."""

    async def write(path: Path) -> int:
        size = 0
        with path.open("wb") as out:
            async for chunk in chunks:
                if chunk:
                    out.write(chunk)
                    size += len(chunk)
        return size

    return await create_job(deps, who, match_on, write)


_celery: Any = None


async def enqueue(deps: Deps, job_id: str) -> None:
    """Queues a slice of the job on the workers' queue (by task name: the domain imports no worker code)."""
    global _celery
    if _celery is None:
        from celery import Celery

        _celery = Celery("crm-client", broker=deps.settings.redis_url)
    await asyncio.to_thread(_celery.send_task, TASK, args=[job_id], queue="crm")


async def stale_jobs(deps: Deps, seconds: float, limit: int = 100) -> list[str]:
    """The PENDING or RUNNING jobs without a heartbeat for `seconds` (their task was lost), stamped so that the
    next call leaves them alone for another `seconds`; the caller queues them again."""
    rows = await deps.db.write(q.STALE_JOBS, {"seconds": seconds, "limit": limit})
    return [str(row["id"]) for row in rows]


async def get(deps: Deps, job_id: str) -> Row | None:
    if label_of(job_id) != "ImportJob":
        return None
    row = await deps.db.read_one(q.JOB, {"id": job_id})
    return row["job"] if row else None


async def errors_page(deps: Deps, job_id: str, first: int, after: int, with_total: bool) -> tuple[list[Row], int]:
    rows = await deps.db.read(q.ERRORS_PAGE, {"id": job_id, "after": after, "limit": first + 1})
    total = 0
    if with_total:
        found = await deps.db.read_one(q.ERRORS_TOTAL, {"id": job_id})
        total = int(found["total"]) if found else 0
    return rows, total


async def follow(deps: Deps, job_id: str) -> AsyncIterator[Row]:
    """The job now and after every change until it ends (COMPLETED or FAILED), from any API process:
    the worker publishes on the job's channel; a quiet channel is checked against the graph every 2 s."""
    if await get(deps, job_id) is None:
        raise NotFound(f"no import job {job_id!r}")
    pubsub: Any = deps.redis.pubsub()
    await pubsub.subscribe(channel(job_id))
    try:
        last: Row | None = None
        while True:
            job = await get(deps, job_id)
            if job is None:
                return
            if job != last:
                yield job
                last = job
            if job["status"] in ("COMPLETED", "FAILED"):
                return
            await pubsub.get_message(ignore_subscribe_messages=True, timeout=2.0)
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()


# ---------------------------------------------------------------- reading the file


class CsvCursor:
    """Records of a CSV file from a byte offset on; `offset` is the position after the last record read."""

    def __init__(self, path: str, offset: int, row: int) -> None:
        self._file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._file.seek(offset)
        self.offset = offset
        self.row = row  # the number of the next record (the header is row 1)
        self._decode = codecs.getincrementaldecoder("utf-8")("replace")
        self._reader = csv.reader(self._lines())

    def _lines(self) -> Iterator[str]:
        for raw in self._file:
            self.offset += len(raw)
            yield self._decode.decode(raw)

    def next(self) -> tuple[int, list[str]] | None:
        """(row number, fields) of the next record, or None at the end of the file."""
        try:
            record = next(self._reader)
        except StopIteration:
            return None
        number = self.row
        self.row += 1
        return number, record

    def close(self) -> None:
        self._file.close()


def count_records(path: str, offset: int) -> int:
    """CSV records from `offset` on. A file without quotes or carriage returns has one record per line (counted
    in bytes, fast); any other is read by the csv module."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as f:
        f.seek(offset)
        while chunk := f.read(1 << 20):
            if b'"' in chunk or b"\r" in chunk:
                return _count_parsed(path, offset)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _count_parsed(path: str, offset: int) -> int:
    cursor = CsvCursor(path, offset, 0)
    try:
        while cursor.next() is not None:
            pass
        return cursor.row
    finally:
        cursor.close()


def read_header(path: str) -> tuple[list[str], int] | str:
    """The columns (canonical names) and the offset after the header, or the job's one error message."""
    cursor = CsvCursor(path, 0, 1)
    try:
        first = cursor.next()
        while first is not None and not [f for f in first[1] if f.strip()]:
            first = cursor.next()
        if first is None:
            return "the file has no header row"
        names = [f.strip().lstrip("\ufeff").strip() for f in first[1]]
        unknown = [n for n in names if n.lower() not in BY_LOWER]
        if unknown:
            return f"unknown columns: {', '.join(unknown)} (accepted: {', '.join(COLUMNS)})"
        columns = [BY_LOWER[n.lower()] for n in names]
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if twice:
            return f"columns given twice: {', '.join(twice)}"
        return columns, cursor.offset
    except csv.Error as exc:
        return f"the header row is not valid CSV: {exc}"
    finally:
        cursor.close()


# ---------------------------------------------------------------- rows


def _clean(value: str, column: str) -> str | None:
    """Trimmed text; None when empty. Raises ValueError with the reason."""
    value = value.strip()
    if not value:
        return None
    if len(value) > COLUMNS[column]:
        raise ValueError(f"{column} is longer than {COLUMNS[column]} characters")
    if "\ufffd" in value:
        raise ValueError(f"{column} is not valid UTF-8")
    if not (value.isascii() and value.isprintable()):
        try:
            return validate.text(value, column, max_len=COLUMNS[column])
        except BadInput as exc:
            raise ValueError(exc.message) from exc
    return value


@dataclass
class Batch:
    rows: list[Row] = field(default_factory=list)
    errors: list[Row] = field(default_factory=list)
    processed: int = 0


def parse_row(number: int, record: list[str], columns: list[str], match_on: str) -> Row:
    """The row to write, or raises ValueError with the reason it is rejected."""
    if len(record) != len(columns):
        raise ValueError(f"has {len(record)} fields, the header has {len(columns)}")
    cells: dict[str, str | None] = {}
    for column, raw in zip(columns, record, strict=True):
        cells[column] = _clean(raw, column)
    props: dict[str, Any] = {}
    for name in PERSON_FIELDS:
        if cells.get(name) is not None:
            props[name] = cells[name]
    email = cells.get("email")
    if email is not None:
        if not validate.EMAIL.match(email):
            raise ValueError("email is not an email address")
        props["emailLower"] = normalize_email(email)
    if cells.get("phone") is not None:
        phones: list[str] = []
        for part in str(cells["phone"]).replace("|", ";").split(";"):
            if part.strip():
                try:
                    e164 = validate.phone(part, "phone")
                except BadInput:
                    raise ValueError("phone is not a phone number") from None
                if e164 not in phones:
                    phones.append(e164)
        if len(phones) > validate.MAX_ITEMS["phones"]:
            raise ValueError(f"phone: at most {validate.MAX_ITEMS['phones']} numbers")
        props["phones"] = phones
    if cells.get("tags") is not None:
        tags: list[str] = []
        for part in str(cells["tags"]).split(";"):
            tag = part.strip()
            if tag and tag not in tags:
                if len(tag) > validate.MAX_TAG_LEN:
                    raise ValueError(f"tags: a tag is longer than {validate.MAX_TAG_LEN} characters")
                tags.append(tag)
        if len(tags) > validate.MAX_ITEMS["tags"]:
            raise ValueError(f"tags: at most {validate.MAX_ITEMS['tags']} tags")
        props["tags"] = tags
    key: str | None = None
    system = cells.get("externalIdSystem") or DEFAULT_SYSTEM
    if match_on == "EMAIL":
        key = props.get("emailLower")
        if key is None:
            raise ValueError("email is required to match on EMAIL")
    elif match_on == "EXTERNAL_ID":
        key = cells.get("externalId")
        if key is None:
            raise ValueError("externalId is required to match on EXTERNAL_ID")
    last = props.get("lastName")
    fallback = last or email or (props.get("phones") or [None])[0] or props.get("firstName") or "(unknown)"
    return {
        "number": number,
        "key": key,
        "system": system,
        "newId": new_id("Person"),
        "props": props,
        "fallbackName": fallback,
        "newProps": names(props, None, fallback),  # if it creates a person (made here, off the writing path)
    }


def read_batch(cursor: CsvCursor, columns: list[str], match_on: str, size: int) -> Batch:
    """Up to `size` records from the cursor: valid rows and the rejected rows' errors. Duplicates of a key
    inside the batch are rejected here; against earlier batches, in the graph."""
    batch = Batch()
    seen: dict[tuple[str, str], int] = {}
    while batch.processed < size:
        try:
            item = cursor.next()
        except csv.Error as exc:
            batch.errors.append({"row": cursor.row, "message": f"malformed CSV: {exc}"})
            batch.processed += 1
            cursor.row += 1
            continue
        if item is None:
            break
        number, record = item
        if not any(f.strip() for f in record):
            continue  # blank line
        batch.processed += 1
        try:
            row = parse_row(number, record, columns, match_on)
        except ValueError as exc:
            batch.errors.append({"row": number, "message": str(exc)})
            continue
        if row["key"] is not None:
            dup = (row["system"] if match_on == "EXTERNAL_ID" else "", row["key"])
            if dup in seen:
                batch.errors.append({"row": number, "message": f"duplicate of row {seen[dup]} in this file"})
                continue
            seen[dup] = number
        batch.rows.append(row)
    return batch


def _read(cursor: CsvCursor, columns: list[str], match_on: str, size: int) -> tuple[Batch, int, int]:
    batch = read_batch(cursor, columns, match_on, size)
    return batch, cursor.offset, cursor.row


def _reader_process(conn: Connection, path: str, offset: int, row: int, args: tuple[list[str], str, int]) -> None:
    """The reading process: a batch for every request, until told to stop or the job's process is gone (EOF)."""
    cursor = CsvCursor(path, offset, row)
    try:
        while conn.recv():
            try:
                conn.send(_read(cursor, *args))
            except Exception as exc:  # noqa: BLE001 - raised again in the job's process
                conn.send(exc)
    except (EOFError, OSError):
        pass
    finally:
        cursor.close()


class BatchReader:
    """Reads a job's file from a byte offset on, one batch ahead of the writer: `start()` begins reading the next
    batch, `next()` waits for it - (batch, offset after it, next row number). One reader reads the file in order: a
    child process (forkserver, modules preloaded; it ends when the job's process dies) for large files, else a
    thread."""

    def __init__(self, path: str, offset: int, row: int, columns: list[str], match_on: str, size: int) -> None:
        self._args = (columns, match_on, size)
        self._cursor: CsvCursor | None = None
        self._pending: Future[tuple[Batch, int, int]] | None = None
        self._conn: Connection | None = None
        self._process: Any = None
        self._waiting = False
        self.in_process = (
            os.path.getsize(path) - offset > PROCESS_MIN_BYTES and not multiprocessing.current_process().daemon
        )
        if self.in_process:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._conn, theirs = context.Pipe()
            self._process = context.Process(
                target=_reader_process, args=(theirs, path, offset, row, self._args), name="import-reader", daemon=True
            )
            self._process.start()
            theirs.close()  # the child holds the only other end: it sees EOF when this process dies
        else:
            self._cursor = CsvCursor(path, offset, row)
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="import-reader")

    def start(self) -> None:
        if self._conn is not None:
            self._conn.send(True)
            self._waiting = True
        else:
            assert self._cursor is not None
            self._pending = self._pool.submit(_read, self._cursor, *self._args)

    async def next(self) -> tuple[Batch, int, int]:
        if self._conn is None:
            assert self._pending is not None
            return await asyncio.wrap_future(self._pending)
        reply = await asyncio.to_thread(self._conn.recv)
        self._waiting = False
        if isinstance(reply, Exception):
            raise reply
        batch, offset, row = reply
        return batch, offset, row

    async def close(self) -> None:
        """Waits for the batch being read (the file closes after it) and ends the reader."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                if self._waiting:
                    await asyncio.to_thread(self._conn.recv)
                self._conn.send(False)
            self._conn.close()
            await asyncio.to_thread(self._process.join, 10)
            if self._process.is_alive():
                self._process.kill()
            return
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._pending)
        self._pool.shutdown()
        assert self._cursor is not None
        self._cursor.close()


# ---------------------------------------------------------------- running a job


async def _publish(deps: Deps, job_id: str, payload: Row) -> None:
    with contextlib.suppress(Exception):  # subscribers also look at the graph every 2 s
        await deps.redis.publish(channel(job_id), json.dumps(payload))


async def _fail(deps: Deps, job: Row, message: str, row: int = 1) -> None:
    await deps.db.write(q.FAIL, {"id": job["id"], "row": row, "message": message})
    await _publish(deps, job["id"], {"status": "FAILED"})
    Path(job["path"]).unlink(missing_ok=True)


async def fail(deps: Deps, job_id: str, message: str) -> None:
    """Ends a job that cannot go on (FAILED, with the message at its next row)."""
    job = await get(deps, job_id)
    if job is not None and job["status"] not in ("COMPLETED", "FAILED"):
        await _fail(deps, job, message, int(job.get("nextRow") or 1))


async def _start(deps: Deps, job: Row) -> Row | None:
    """Header check and row count; the job RUNNING from the row after the header, or FAILED."""
    header = await asyncio.to_thread(read_header, job["path"])
    if isinstance(header, str):
        await _fail(deps, job, header)
        return None
    columns, offset = header
    if job["matchOn"] == "EMAIL" and "email" not in columns:
        await _fail(deps, job, "the column email is required to match on EMAIL")
        return None
    if job["matchOn"] == "EXTERNAL_ID" and "externalId" not in columns:
        await _fail(deps, job, "the column externalId is required to match on EXTERNAL_ID")
        return None
    total = await asyncio.to_thread(count_records, job["path"], offset)
    await deps.db.write(
        q.START, {"id": job["id"], "offset": offset, "nextRow": 2, "totalRows": total, "columns": columns}
    )
    return {**job, "status": "RUNNING", "offset": offset, "nextRow": 2, "columns": columns, "totalRows": total}


def names(props: Row, first: str | None, last: str | None) -> Row:
    """The row's properties with the derived names (stored names fill in what the row leaves out)."""
    first = props.get("firstName", first)
    last = props.get("lastName", last)
    return {
        **props,
        "lastName": last,
        "fullName": " ".join(part for part in (first, last) if part),
        "sortName": validate.sort_key(f"{last} {first or ''}"),
    }


async def _write_batch(tx: Tx, job: Row, rows: list[Row]) -> tuple[list[Row], list[Row], list[Row]]:
    """Creates and updates the persons of valid rows; returns (created, updated, duplicate errors)."""
    job_id, match_on = job["id"], job["matchOn"]
    found: dict[tuple[str, str], Row] = {}
    if match_on != "NONE":
        keys = [{"key": r["key"], "system": r["system"]} for r in rows]
        if match_on == "EMAIL":
            await tx.run(q.LOCK_EMAILS, {"stripes": sorted({email_stripe(r["key"]) for r in rows})})
        else:
            await tx.run(q.LOCK_EXTERNAL_IDS, {"keys": sorted(keys, key=lambda k: (k["system"], k["key"]))})
        lookup = q.FIND_BY_EMAIL if match_on == "EMAIL" else q.FIND_BY_EXTERNAL_ID
        for hit in await tx.run(lookup, {"keys": keys}):
            k = (hit.get("system") or "", hit["key"])
            best = found.get(k)
            if best is None or (hit["createdAt"], hit["id"]) < (best["createdAt"], best["id"]):
                found[k] = hit
    created: list[Row] = []
    updated: list[Row] = []
    duplicates: list[Row] = []
    for row in rows:
        match = found.get((row["system"] if match_on == "EXTERNAL_ID" else "", row["key"]))
        if match is None:
            props = row["newProps"]
            created.append({"id": row["newId"], "number": row["number"], "key": row["key"], "system": row["system"],
                            "props": props})  # fmt: skip
        elif match["jobId"] == job_id:
            duplicates.append({"row": row["number"], "message": f"duplicate of row {match['row']} in this file"})
        else:
            props = names(row["props"], match["firstName"], match["lastName"])
            updated.append({"id": match["id"], "number": row["number"], "props": props})
    params = {"jobId": job_id}
    if created:
        await tx.run(q.CREATE_PERSONS, {**params, "rows": created})
        if match_on == "EXTERNAL_ID":
            await tx.run(q.IDENTIFY, {"rows": created})
    if updated:
        await tx.run(q.UPDATE_PERSONS, {**params, "rows": updated})
        with_phones = [r for r in updated if "phones" in r["props"]]
        if with_phones:
            await tx.run(q.RELINK_PHONES, {"rows": with_phones})
    return created, updated, duplicates


def _emit_changes(tx: Tx, job: Row, created: list[Row], updated: list[Row]) -> None:
    """The batch's change events: one outbox record per operation and set of changed fields (rows of a
    file mostly share their columns), which the outbox relay expands into one stream entry per person."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for op, written in (("CREATED", created), ("UPDATED", updated)):
        for r in written:
            fields = tuple(sorted(k for k in r["props"] if k not in ("emailLower", "sortName")))
            groups.setdefault((op, fields), []).append(r["id"])
    for (op, fields), ids in groups.items():
        emit_many(tx, "PERSON", ids, op, fields, job.get("createdBy"))


class _Publisher:
    """Publishes each batch's change events in the background, in commit order, while the next batch is written
    (the events are safe in the outbox: a worker that dies first leaves them to the relay)."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, events: list[Row]) -> None:
        previous = self._task

        async def publish() -> None:
            if previous is not None:
                await previous
            await self._deps.outbox.committed(events)  # never raises: failures stay for the relay

        self._task = asyncio.create_task(publish())

    async def drain(self) -> None:
        if self._task is not None:
            await self._task


async def _commit(
    deps: Deps, job: Row, batch: Batch, expected: int, offset: int, next_row: int, publish: _Publisher
) -> Row | None:
    """Writes the batch and the job's progress in one transaction; None when another runner went on."""
    job_id = job["id"]

    async def work(tx: Tx) -> Row | None:
        claim = await tx.run(q.CLAIM, {"id": job_id})
        if not claim or claim[0]["status"] != "RUNNING" or claim[0]["offset"] != expected:
            return None
        created, updated, duplicates = await _write_batch(tx, job, batch.rows) if batch.rows else ([], [], [])
        if EVENTS:
            _emit_changes(tx, job, created, updated)
        errors = sorted([*batch.errors, *duplicates], key=lambda e: int(e["row"]))
        counts = {
            "processed": batch.processed,
            "created": len(created),
            "updated": len(updated),
            "rejected": len(errors),
        }
        await tx.run(q.PROGRESS, {"id": job_id, "offset": offset, "nextRow": next_row, "errors": errors, **counts})
        return counts

    return await deps.db.transaction(work, publish)


async def run_slice(deps: Deps, job_id: str, seconds: float = SLICE_SECONDS, batch_size: int = BATCH_SIZE) -> bool:
    """Runs the job for about `seconds`; True when it has ended (or another runner has it), False when a
    next slice must follow."""
    job = await get(deps, job_id)
    if job is None or job["status"] in ("COMPLETED", "FAILED"):
        return True
    if job["status"] == "PENDING":
        started = await _start(deps, job)
        if started is None:
            return True
        job = started
    else:
        full = await deps.db.read_one("MATCH (j:ImportJob {id: $id}) RETURN j.columns AS columns", {"id": job_id})
        job = {**job, "columns": (full or {}).get("columns") or []}
    if not Path(job["path"]).exists():
        await _fail(deps, job, "the uploaded file is gone", int(job["nextRow"]))
        return True
    deadline = time.monotonic() + seconds
    reader = BatchReader(
        job["path"], int(job["offset"]), int(job["nextRow"]), job["columns"], job["matchOn"], batch_size
    )
    committed = int(job["offset"])
    publish = _Publisher(deps)
    reader.start()
    try:
        while True:
            batch, offset, next_row = await reader.next()
            if batch.processed == 0 and offset == committed:
                break
            reader.start()  # the next batch is parsed while this one is written
            counts = await _commit(deps, job, batch, committed, offset, next_row, publish)
            if counts is None:
                return True
            committed = offset
            await _publish(deps, job_id, {"status": "RUNNING", "offset": offset})
            if time.monotonic() > deadline:
                return False
    finally:
        await reader.close()
        await publish.drain()
    await deps.db.write(q.FINISH, {"id": job_id, "offset": committed})
    await _publish(deps, job_id, {"status": "COMPLETED"})
    Path(job["path"]).unlink(missing_ok=True)
    return True
