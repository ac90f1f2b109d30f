"""XLSX export of many persons: peak memory of the API process and rows per second.

    NEO4J_URI=bolt://127.0.0.1:7715 REDIS_URL=redis://127.0.0.1:6415/0 .venv/bin/python bench/exports.py [--persons 1000000]

Seeds `--persons` persons (ids `per_xbench…`, skipped when already there; batches of 10k with `UNWIND`, every
tenth at one of 1,000 companies), starts a real uvicorn (one worker) and downloads GET /exports/persons.xlsx
while sampling the API process's resident memory every 20 ms (and reading its kernel high-water mark,
VmHWM). Reports peak RSS (target <= 300 MB), the RSS before the export, rows/s and the file size, checks with
openpyxl (read-only) that the workbook has one row per person (`--no-verify` skips that), and writes
bench/results/exports.md. Exit code 0 only when the peak is within the target and the row count is right.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.run import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    RESULTS,
    ensure_admin,
    free_port,
    start_server,
    stop_server,
    wait_ready,
)
from config.settings import Settings  # noqa: E402
from domain.deps import Deps  # noqa: E402
from graph.migrations import migrate  # noqa: E402

TARGET_MB = 300
BATCH = 10_000
COMPANIES = """
UNWIND range(0, 999) AS n
MERGE (c:Company:Entity {id: 'cmp_xbench' + right('0000' + toString(n), 4)})
ON CREATE SET c.name = 'Export Co ' + toString(n), c.sortName = 'export co ' + toString(n), c.createdAt = datetime(),
  c.updatedAt = datetime()
"""
PERSONS = """
UNWIND range($from, $to - 1) AS n
WITH n, 'per_xbench' + right('00000000' + toString(n), 8) AS id
WHERE NOT EXISTS { MATCH (:Person {id: id}) }
CREATE (p:Person:Entity {id: id, firstName: 'First' + toString(n % 997), lastName: 'Last ' + toString(n),
  fullName: 'First' + toString(n % 997) + ' Last ' + toString(n), sortName: 'last ' + toString(n) + ' first' + toString(n % 997),
  email: 'person' + toString(n) + '@bench.test', emailLower: 'person' + toString(n) + '@bench.test',
  phones: ['+4930' + right('0000000' + toString(n), 7)], jobTitle: 'Engineer', city: 'Berlin', country: 'DE',
  tags: ['bench', 'tag' + toString(n % 10)], source: 'bench', createdAt: datetime(), updatedAt: datetime()})
WITH p, n WHERE n % 10 = 0
MATCH (c:Company {id: 'cmp_xbench' + right('0000' + toString((n / 10) % 1000), 4)})
CREATE (p)-[:WORKS_AT {since: datetime()}]->(c)
"""
COUNT = "MATCH (p:Person) WHERE p.id STARTS WITH 'per_xbench' RETURN count(p) AS n"
ALL = "MATCH (p:Person) RETURN count(p) AS n"


async def seed(deps: Deps, persons: int) -> int:
    await migrate(deps.db)
    await ensure_admin(deps)
    have = (await deps.db.read(COUNT))[0]["n"]
    if have < persons:
        await deps.db.write(COMPANIES)
        started = time.perf_counter()
        for start in range(0, persons, BATCH):
            await deps.db.write(PERSONS, {"from": start, "to": min(start + BATCH, persons)})
            if (start // BATCH) % 10 == 9:
                print(f"  seeded {start + BATCH:,} persons ({time.perf_counter() - started:.0f} s)", flush=True)
    # the data migrations (phone links, e-mail keys) over the seeded persons now, not when the API starts
    started = time.perf_counter()
    await migrate(deps.db)
    print(f"  migrations after the seed: {time.perf_counter() - started:.0f} s", flush=True)
    return int((await deps.db.read(ALL))[0]["n"])


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)


def count_rows(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return sum(max(0, (sheet.max_row or 0) - 1) for sheet in book.worksheets)


async def measure(args: argparse.Namespace) -> int:
    deps = Deps.connect(Settings())
    try:
        expected = await seed(deps, args.persons)
    finally:
        await deps.close()
    print(f"persons in the database: {expected:,}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    os.environ["CRM_MIGRATE_ON_START"] = "0"  # migrated above: the API starts at once, whatever the data size
    port = free_port()
    proc = start_server(port, RESULTS / "exports-uvicorn.log")
    out = RESULTS / "exports-bench.xlsx"
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_ready(base, proc)
        async with httpx.AsyncClient(base_url=base, timeout=None) as http:
            login = await http.post(
                "/graphql",
                json={
                    "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                    "variables": {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
                },
            )
            token = login.json()["data"]["login"]["token"]
            before = rss_kb(proc.pid)
            sampler = Sampler(proc.pid)
            sampler.start()
            started = time.perf_counter()
            first_byte = None
            size = 0
            async with http.stream("GET", "/exports/persons.xlsx", headers={"authorization": f"Bearer {token}"}) as r:
                r.raise_for_status()
                with out.open("wb") as handle:
                    async for chunk in r.aiter_bytes(1 << 20):
                        if first_byte is None:
                            first_byte = time.perf_counter() - started
                        handle.write(chunk)
                        size += len(chunk)
            elapsed = time.perf_counter() - started
            sampler.stop.set()
            sampler.join()
            hwm = rss_kb(proc.pid, "VmHWM")
    finally:
        stop_server(proc)
    peak_mb = max(sampler.peak, hwm) / 1024
    rows = count_rows(out) if args.verify else None
    out.unlink(missing_ok=True)
    lines = [
        "# XLSX export benchmark",
        "",
        f"GET /exports/persons.xlsx of {expected:,} persons (one uvicorn worker, 16 columns).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| RSS of the API before | {before / 1024:.0f} MB |",
        f"| peak RSS of the API (sampled / VmHWM) | {sampler.peak / 1024:.0f} MB / {hwm / 1024:.0f} MB (target <= {TARGET_MB} MB) |",
        f"| time | {elapsed:.1f} s (first byte after {first_byte or 0:.1f} s) |",
        f"| rows/s | {expected / elapsed:,.0f} |",
        f"| file | {size / 1e6:.1f} MB |",
        f"| rows in the workbook (openpyxl) | {'not checked' if rows is None else f'{rows:,}'} |",
    ]
    report = "\n".join(lines)
    print(report)
    (RESULTS / "exports.md").write_text(report + "\n")
    ok = peak_mb <= TARGET_MB and (rows is None or rows == expected)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--verify", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    os.environ.setdefault("CRM_SECRET", "bench-secret-not-for-production-0123456789")
    return asyncio.run(measure(args))


if __name__ == "__main__":
    sys.exit(main())
