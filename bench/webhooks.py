"""Webhook delivery benchmark: events into the change stream, delivered to local receivers.

Appends `--rate` change events a second for `--seconds` to `crm:changes` (as the outbox does after a
commit; `at` is the commit time), with `--webhooks` webhooks subscribed to every event
(`entityChanged { nodeId op at idempotencyKey }`), each on a local receiver that answers 200 after 5 ms.
With `--outage S`, the first webhook's receiver answers 503 for its first S seconds. Runs the real
dispatcher (`crm webhooks`) and delivery worker (`crm webhook-worker`) as subprocesses.

Reports the latency from commit to receipt (p50/p95/max) of the healthy webhooks (and of the one with the
outage), events lost (never accepted) and deliveries received twice under one X-CRM-Delivery id.
Targets (issue #10): p95 <= 1 s for 1,000 events/s into 20 webhooks, none lost, none twice, the outage
delays no other webhook. Exit code 0 only when they are met at the chosen load.

    NEO4J_URI=bolt://127.0.0.1:7714 REDIS_URL=redis://127.0.0.1:6414/0 \\
      .venv/bin/python bench/webhooks.py --rate 1000 --webhooks 20 --seconds 60 --outage 60

Use services of your own: it creates a user and webhooks (deleted at the end) and appends to the stream.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CRM_WEBHOOK_ALLOW_PRIVATE", "1")

from config.settings import get_settings  # noqa: E402
from domain import webhooks  # noqa: E402
from domain.auth import Principal, Role  # noqa: E402
from domain.deps import Deps  # noqa: E402
from domain.seed import add_user  # noqa: E402
from graph.migrations import migrate  # noqa: E402
from integrations.webhooks import check_url  # noqa: E402

DOCUMENT = "subscription { entityChanged { nodeId op at idempotencyKey } }"


class Sink:
    def __init__(self, outage_path: str, outage_seconds: float) -> None:
        self.lock = threading.Lock()
        self.accepted: dict[str, list[tuple[str, str, float, float]]] = {}  # path -> (delivery, key, at, received)
        self.refused = 0
        self.outage_path = outage_path
        self.outage_until = 0.0
        self.outage_seconds = outage_seconds

    def start_outage(self) -> None:
        self.outage_until = time.time() + self.outage_seconds


def serve(sink: Sink) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # the http.server API
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            received = time.time()
            if self.path == sink.outage_path and received < sink.outage_until:
                with sink.lock:
                    sink.refused += 1
                self.send_response(503)
                self.send_header("retry-after", "1")
                self.send_header("content-length", "0")
                self.end_headers()
                return
            time.sleep(0.005)
            change = json.loads(body)["data"]["entityChanged"]
            at = datetime.fromisoformat(change["at"]).timestamp()
            with sink.lock:
                sink.accepted.setdefault(self.path, []).append(
                    (self.headers["x-crm-delivery"], change["idempotencyKey"], at, received)
                )
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def process(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(ROOT / ".data" / f"bench-{args[0]}.log", "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [sys.executable, "-m", "crm.cli", *args], cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log
    )


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(opts: argparse.Namespace) -> int:
    deps = Deps.connect(get_settings())
    await migrate(deps.db)
    user = await add_user(deps, f"bench-{uuid.uuid4().hex[:8]}@crm.test", "Bench", "INTEGRATION", "bench password 123")
    who = Principal(user, Role.INTEGRATION)
    sink = Sink("/h0" if opts.outage else "", opts.outage)
    server, base = serve(sink)
    hook_ids = []
    for i in range(opts.webhooks):
        row, _ = await webhooks.create(
            deps, who, {"url": f"{base}/h{i}", "subscriptionQuery": DOCUMENT}, lambda _: None, check_url
        )
        hook_ids.append(row["id"])
    env = {
        "CRM_WEBHOOK_CONCURRENCY": str(opts.webhooks + 4),
        "CRM_WEBHOOK_RETRY_MAX": "2",
        "CRM_LOG_LEVEL": "WARNING",
    }
    procs = [process(["webhooks"], env), process(["webhook-worker"], env)]
    keys: list[str] = []
    try:
        await asyncio.sleep(opts.warmup)
        sink.start_outage()
        started = time.monotonic()
        tick = 0.02
        sent = 0
        while (elapsed := time.monotonic() - started) < opts.seconds:
            due = int(elapsed * opts.rate) + 1
            batch = []
            for _ in range(due - sent):
                key = uuid.uuid4().hex
                keys.append(key)
                batch.append(
                    {
                        "id": key,
                        "type": "COMPANY",
                        "nodeId": f"cmp_bench_{len(keys)}",
                        "op": "UPDATED",
                        "at": time.time_ns() // 1000,
                        "fields": ["name"],
                        "actorId": user["id"],
                    }
                )
            if batch:
                await deps.bus.publish(batch)
                sent = due
            await asyncio.sleep(tick)
        print(f"published {len(keys)} events in {time.monotonic() - started:.1f} s")
        deadline = time.monotonic() + opts.drain
        while time.monotonic() < deadline:
            with sink.lock:
                done = sum(len({k for _, k, _, _ in v}) for v in sink.accepted.values())
            if done >= len(keys) * opts.webhooks:
                break
            await asyncio.sleep(0.5)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for hook_id in hook_ids:
            await webhooks.delete(deps, who, hook_id)
        server.shutdown()
        await deps.close()

    wanted = set(keys)
    ok = True
    healthy: list[float] = []
    for i in range(opts.webhooks):
        got = sink.accepted.get(f"/h{i}", [])
        latencies = [received - at for _, _, at, received in got]
        lost = len(wanted - {k for _, k, _, _ in got})
        twice = sum(1 for n in Counter(d for d, _, _, _ in got).values() if n > 1)
        if i > 0 or not opts.outage:
            healthy.extend(latencies)
        label = "outage " if i == 0 and opts.outage else "healthy"
        if i == 0 or lost or twice:
            print(
                f"h{i} ({label}): {len(got)} accepted, lost {lost}, twice {twice}, "
                f"p50 {pct(latencies, 50):.3f} s, p95 {pct(latencies, 95):.3f} s, max {max(latencies, default=0):.3f} s"
            )
        ok = ok and lost == 0 and twice == 0
    p95 = pct(healthy, 95)
    print(
        f"healthy webhooks: {len(healthy)} deliveries, p50 {pct(healthy, 50):.3f} s, p95 {p95:.3f} s, "
        f"max {max(healthy, default=0):.3f} s, mean {statistics.fmean(healthy) if healthy else 0:.3f} s; "
        f"503 answers {sink.refused}"
    )
    ok = ok and p95 <= 1.0
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1000.0, help="events a second")
    parser.add_argument("--webhooks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the first receiver answers 503 (0: none)")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds for the processes to start")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for the last deliveries")
    sys.exit(asyncio.run(main(parser.parse_args())))
