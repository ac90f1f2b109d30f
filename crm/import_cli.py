"""`crm import contacts FILE [--match email|external-id|none]`: uploads the file to POST /imports/contacts (streamed,
any size), follows the job with a live progress bar (rows/s, ETA) and prints a summary table at the end.

The API is `--url` (default CRM_API_URL, else http://127.0.0.1:CRM_PORT); the credential is `--token` or
CRM_TOKEN (a login token or an API key). Exit status 0 when the job completed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

import httpx

JOB = """query($id: ID!) { importJob(id: $id) { status totalRows processedCount createdCount updatedCount
  rejectedCount errors(first: 20) { totalCount edges { node { row message } } } } }"""
CHUNK = 1024 * 1024
WIDTH = 30


def parser(sub: Any) -> None:
    imp = sub.add_parser("import", help="import data").add_subparsers(dest="what", required=True)
    contacts = imp.add_parser("contacts", help="import contacts from a CSV file (header row required)")
    contacts.add_argument("file")
    contacts.add_argument("--match", choices=["email", "external-id", "none"], default="email")
    contacts.add_argument(
        "--url", default=os.environ.get("CRM_API_URL", f"http://127.0.0.1:{os.environ.get('CRM_PORT', '8000')}")
    )
    contacts.add_argument("--token", default=os.environ.get("CRM_TOKEN", ""))
    contacts.add_argument("--interval", type=float, default=0.5, help="seconds between progress updates")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--:--"
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def bar(done: int, total: int | None, rate: float, label: str = "rows") -> str:
    """`[#####.....]  45.0%  450,000/1,000,000 rows  23,456 rows/s  ETA 0:00:23`"""
    if total:
        share = min(done / total, 1.0)
        filled = int(share * WIDTH)
        eta = (total - done) / rate if rate > 0 else None
        return (
            f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share * 100:5.1f}%  {done:,}/{total:,} {label}  "
            f"{rate:,.0f} {label}/s  ETA {_clock(eta)}"
        )
    return f"[{'.' * WIDTH}]  {done:,} {label}  {rate:,.0f} {label}/s  ETA {_clock(None)}"


def summary(job: dict[str, Any], seconds: float) -> str:
    rate = job["processedCount"] / seconds if seconds > 0 else 0.0
    rows = [
        ("status", job["status"]),
        ("rows", f"{job['processedCount']:,}"),
        ("created", f"{job['createdCount']:,}"),
        ("updated", f"{job['updatedCount']:,}"),
        ("rejected", f"{job['rejectedCount']:,}"),
        ("time", f"{seconds:.1f} s ({rate:,.0f} rows/s)"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["+" + "-" * (width + 2) + "+" + "-" * 40 + "+"]
    lines += [f"| {k:<{width}} | {v:<38} |" for k, v in rows]
    lines.append(lines[0])
    errors = job["errors"]
    if errors["totalCount"]:
        shown = len(errors["edges"])
        lines.append(f"rejected rows ({shown} of {errors['totalCount']:,} shown):")
        lines += [f"  row {e['node']['row']:>9}: {e['node']['message']}" for e in errors["edges"]]
    return "\n".join(lines)


def _chunks(path: str, out: TextIO, size: int) -> Iterator[bytes]:
    sent = 0
    started = time.monotonic()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sent += len(chunk)
            rate = sent / max(time.monotonic() - started, 1e-6)
            out.write(f"\rupload {bar(sent // 1024, size // 1024 or 1, rate / 1024, 'KiB')}")
            out.flush()
            yield chunk
    out.write("\n")


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    if not args.token:
        print("crm import: a token is required (--token or CRM_TOKEN)", file=err)
        return 2
    headers = {"authorization": f"Bearer {args.token}"}
    try:
        size = os.path.getsize(args.file)
    except OSError as exc:
        print(f"crm import: {exc}", file=err)
        return 2
    started = time.monotonic()
    with httpx.Client(base_url=args.url, timeout=httpx.Timeout(60.0, read=None)) as client:
        response = client.post(
            "/imports/contacts",
            params={"match": args.match},
            content=_chunks(args.file, err, size),
            headers={**headers, "content-type": "text/csv"},
        )
        if response.status_code != 202:
            print(f"crm import: upload refused ({response.status_code}): {response.text}", file=err)
            return 1
        job_id = response.json()["id"]
        print(f"job {job_id}", file=err)
        first_seen: tuple[float, int] | None = None
        while True:
            reply = client.post("/graphql", json={"query": JOB, "variables": {"id": job_id}}, headers=headers).json()
            job = (reply.get("data") or {}).get("importJob")
            if job is None:
                print(f"crm import: cannot read the job: {reply.get('errors')}", file=err)
                return 1
            now = time.monotonic()
            done = int(job["processedCount"])
            if first_seen is None and done > 0:
                first_seen = (now, done)
            rate = (done - first_seen[1]) / (now - first_seen[0]) if first_seen and now > first_seen[0] else 0.0
            err.write(f"\r{job['status']:<9} {bar(done, job['totalRows'], rate)}   ")
            err.flush()
            if job["status"] in ("COMPLETED", "FAILED"):
                err.write("\n")
                break
            time.sleep(args.interval)
    print(summary(job, time.monotonic() - started), file=out)
    return 0 if job["status"] == "COMPLETED" else 1
