"""Contact import benchmark: a generated CSV through the whole job (HTTP upload + Celery worker) against a raw
`UNWIND $rows MERGE` of the same rows through the driver
(the same persons: key, labels, properties; measured first, then wiped); peak RSS of the worker and the API.

    NEO4J_URI=bolt://127.0.0.1:7699 REDIS_URL=redis://127.0.0.1:6392/0 .venv/bin/python bench/imports.py --rows 200000

Targets: >= 20,000 rows/s end to end, >= 0.5x the raw MERGE, <= 1 GB peak RSS per process. Imported persons
have e-mails @bench-import.example and are deleted before and after each run (the raw run's too).
Use services of your own: tests wipe the databases they use.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.run import ADMIN_EMAIL, ADMIN_PASSWORD, ensure_admin, free_port, start_server, stop_server, wait_ready  # noqa: E402
from config.settings import get_settings  # noqa: E402
from domain import imports  # noqa: E402
from domain.deps import Deps  # noqa: E402
from graph import imports as q  # noqa: E402
from graph.migrations import migrate  # noqa: E402

DOMAIN = "bench-import.example"
COLUMNS = ["firstName", "lastName", "email", "phone", "city", "country", "tags", "externalId"]
FIRST = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hans", "Ida", "Jonas", "Lena", "Max"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"]
CITIES = [("Berlin", "DE"), ("München", "DE"), ("Wien", "AT"), ("Zürich", "CH"), ("Köln", "DE"), ("Hamburg", "DE")]
TAGS = ["newsletter", "vip", "shop", "event", "b2c"]
# The bench's persons and their phone numbers (numbers only bench rows have), so every run starts alike.
WIPE = """
MATCH (p:Person) WHERE p.emailLower ENDS WITH $domain
CALL (p) { OPTIONAL MATCH (p)-[:HAS_PHONE]->(ph:Phone) DETACH DELETE p, ph } IN TRANSACTIONS OF 10000 ROWS
"""


def generate(path: Path, rows: int) -> None:
    """N contacts, 8 columns, deterministic; every e-mail distinct."""
    rnd = random.Random(42)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for i in range(rows):
            city, country = CITIES[i % len(CITIES)]
            out.writerow(
                [
                    FIRST[i % len(FIRST)],
                    LAST[rnd.randrange(len(LAST))],
                    f"contact{i}@{DOMAIN}",
                    f"+49 30 {10_000_000 + i}",
                    city,
                    country,
                    ";".join(rnd.sample(TAGS, 2)),
                    f"B{i:08d}",
                ]
            )


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    """The process's children, their children, ... (the worker's reading process is a child of its forkserver)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, of in parents.items() if of == parent]
        found += children
        todo += children
    return found


def sample_children(pid: int, peaks: dict[int, float]) -> None:
    """Records the peak RSS of each descendant of `pid` seen so far (they end before the job does)."""
    for child in descendants(pid):
        try:
            peaks[child] = max(peaks.get(child, 0.0), peak_rss_mb(child))
        except OSError:
            continue


def start_worker(batch: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CRM_IMPORT_BATCH": str(batch)}
    cmd = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "crm", "--pool", "solo"]
    return subprocess.Popen(
        [*cmd, "--loglevel", "WARNING"], cwd=ROOT, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT
    )


async def raw_merge(deps: Deps, path: Path, batch: int) -> tuple[float, int]:
    """The same rows as the job's (parsed as the job parses them, not timed) MERGEd raw through the driver on the
    same key (emailLower) with the same labels and properties, `batch` rows a transaction; only the writes timed."""
    cursor = imports.CsvCursor(str(path), 0, 1)
    cursor.next()
    written = 0
    spent = 0.0
    try:
        while True:
            parsed = imports.read_batch(cursor, COLUMNS, "EMAIL", batch).rows
            if not parsed:
                break
            rows = [{"key": r["key"], "id": r["newId"], "props": r["newProps"]} for r in parsed]
            started = time.perf_counter()
            await deps.db.write(q.RAW_MERGE, {"rows": rows})
            spent += time.perf_counter() - started
            written += len(rows)
    finally:
        cursor.close()
    return spent, written


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    deps = Deps.connect(settings)
    data_dir = ROOT / ".data" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"contacts-{args.rows}.csv"
    if not path.exists():
        print(f"generating {args.rows:,} rows -> {path}")
        generate(path, args.rows)
    await migrate(deps.db)
    await ensure_admin(deps)
    print("wiping earlier bench rows")
    await deps.db.autocommit(WIPE, {"domain": "@" + DOMAIN})
    load_before = os.getloadavg()[0]
    print(f"raw UNWIND $rows MERGE of the same rows (batches of {args.batch:,}) ...", flush=True)
    raw_seconds, raw_rows = await raw_merge(deps, path, args.batch)
    raw_rate = raw_rows / raw_seconds
    await deps.db.autocommit(WIPE, {"domain": "@" + DOMAIN})
    print("the import job ...", flush=True)
    port = free_port()
    api = start_server(port, data_dir / "imports-api.log")
    worker = start_worker(args.batch, data_dir / "imports-worker.log")
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, api)
        await asyncio.sleep(3)  # the worker connects to the broker
        async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(60.0, read=None)) as client:
            login = await client.post(
                "/graphql",
                json={
                    "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                    "variables": {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
                },
            )
            token = login.json()["data"]["login"]["token"]
            headers = {"authorization": f"Bearer {token}"}

            async def body() -> Any:
                with path.open("rb") as f:
                    while chunk := f.read(1024 * 1024):
                        yield chunk

            started = time.perf_counter()
            response = await client.post(
                "/imports/contacts",
                params={"match": "email"},
                content=body(),
                headers={**headers, "content-type": "text/csv"},
            )
            uploaded = time.perf_counter() - started
            job_id = response.json()["id"]
            children: dict[int, float] = {}
            query = "query($id: ID!) { importJob(id: $id) { status processedCount createdCount rejectedCount } }"
            while True:
                reply = await client.post(
                    "/graphql", json={"query": query, "variables": {"id": job_id}}, headers=headers
                )
                job = reply.json()["data"]["importJob"]
                sample_children(worker.pid, children)
                if job["status"] in ("COMPLETED", "FAILED"):
                    break
                await asyncio.sleep(0.25)
            elapsed = time.perf_counter() - started
        api_rss, worker_rss = peak_rss_mb(api.pid), peak_rss_mb(worker.pid)
    finally:
        stop_server(api)
        worker.terminate()
        worker.wait(30)
    rate = job["processedCount"] / elapsed
    load_after = os.getloadavg()[0]
    await deps.db.autocommit(WIPE, {"domain": "@" + DOMAIN})
    await deps.close()
    ratio = rate / raw_rate
    reader_rss = f"{len(children)}, the largest {max(children.values(), default=0):,.0f} MB"
    lines = [
        f"| rows | {args.rows:,} (batch {args.batch:,}) |",
        f"| job | {job['status']}: {job['createdCount']:,} created, {job['rejectedCount']:,} rejected |",
        f"| upload | {uploaded:.1f} s |",
        f"| end to end (upload + worker) | {elapsed:.1f} s = {rate:,.0f} rows/s (target >= 20,000) |",
        f"| raw UNWIND MERGE | {raw_seconds:.1f} s = {raw_rate:,.0f} rows/s |",
        f"| ratio | {ratio:.2f}x (target >= 0.5x) |",
        f"| peak RSS | worker {worker_rss:,.0f} MB (its processes: {reader_rss}), API {api_rss:,.0f} MB (target <= 1,024 MB) |",
        f"| load average (1 min) | {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} cores) |",
    ]
    print("\n".join(["| measure | value |", "|---|---|", *lines]))
    peak = max(api_rss, worker_rss, *children.values())
    ok = job["status"] == "COMPLETED" and rate >= 20_000 and ratio >= 0.5 and peak <= 1024
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=imports.BATCH_SIZE)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
