"""Webhook delivery benchmark: events into the change stream, delivered to local receivers.

Appends `--rate` change events a second for `--seconds` to `crm:changes` (as the outbox does after a
commit; `at` is the commit time) for `--webhooks` webhooks on local receivers that answer 200 after 5 ms
(`bench/webhook_receiver.py`: `--receivers` asyncio processes, so the receiving side is not the bottleneck).

* `--mode fanout`: every webhook is subscribed to every event (`entityChanged(types: [COMPANY]) { nodeId op at
  idempotencyKey }`, the bench's events are company changes):
  rate x webhooks deliveries a second;
* `--mode spread`: webhook k has a document of its own (`opportunityChanged(opportunityId: "opp_bench_k")`)
  and event n concerns opportunity n mod webhooks: each event goes to one webhook (rate deliveries a second),
  while every document still sees every event.

With `--outage S`, the first webhook's receiver answers 503 (Retry-After: 1) for its first S seconds. Runs the
real dispatcher (`crm webhooks`) and delivery workers (`crm webhook-worker`, `--worker-processes`) as
subprocesses. Reports the latency from commit to receipt (p50/p95/max) of the healthy webhooks (and of the
one with the outage), deliveries lost (never accepted) and delivery ids accepted twice (the bench computes
each expected X-CRM-Delivery itself), and the CPU each process used (% of one core over the run). Measuring
starts once every webhook has received one warm-up delivery (on a loaded machine the processes take seconds to
start). `--dispatchers N` sets CRM_WEBHOOK_DISPATCHERS (default: cores).
Targets (issue #10): p95 <= 1 s for 1,000 events/s into 20 webhooks, none lost, none twice, the outage
delays no other webhook. Exit code 0 only when they are met at the chosen load.

    NEO4J_URI=bolt://127.0.0.1:7721 REDIS_URL=redis://127.0.0.1:6421/0 \\
      .venv/bin/python bench/webhooks.py --rate 1000 --webhooks 20 --seconds 60 --outage 60 --mode spread

Use services of your own: it creates a user and webhooks (deleted at the end) and appends to the stream.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import orjson

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

FANOUT = "subscription { entityChanged(types: [COMPANY]) { nodeId op at idempotencyKey } }"
SPREAD = 'subscription { opportunityChanged(opportunityId: "opp_bench_%d") { op opportunityId } }'
TICKS = os.sysconf("SC_CLK_TCK")


class Receivers:
    """`count` receiver processes; webhook i is served by receiver i mod count."""

    def __init__(self, count: int, delay: float) -> None:
        script = str(ROOT / "bench" / "webhook_receiver.py")
        self.procs = [
            subprocess.Popen(
                [sys.executable, script, "--delay", str(delay)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
            for _ in range(count)
        ]
        self.ports = [int(proc.stdout.readline()) for proc in self.procs if proc.stdout]

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index % len(self.ports)]}/h{index}"

    def outage(self, index: int, until: float) -> None:
        proc = self.procs[index % len(self.procs)]
        assert proc.stdin is not None
        proc.stdin.write(f"outage /h{index} {until}\n")

    def accepted(self) -> int:
        total = 0
        for proc in self.procs:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("count\n")
            total += int(proc.stdout.readline())
        return total

    def records(self) -> list[tuple[str, str, float, int]]:
        out: list[tuple[str, str, float, int]] = []
        with tempfile.TemporaryDirectory() as folder:
            for n, proc in enumerate(self.procs):
                target = Path(folder) / f"r{n}.jsonl"
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write(f"dump {target}\n")
                proc.stdout.readline()
                out.extend(tuple(orjson.loads(line)) for line in target.read_bytes().splitlines())
        return out

    def close(self) -> None:
        for proc in self.procs:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def process(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(ROOT / ".data" / f"bench-{args[0]}.log", "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        [sys.executable, "-m", "crm.cli", *args], cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log
    )


def cpu_seconds(pid: int, descendants: bool = True) -> float:
    """CPU time (user + system) of a process and (with `descendants`) all its living descendants."""
    if not descendants:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0.0
    for member in tree:
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total


def service_pid(port: int) -> int | None:
    """The process listening on a local TCP port (Neo4j, Redis), for its CPU time."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(opts: argparse.Namespace) -> int:
    settings = get_settings()
    deps = Deps.connect(settings)
    await migrate(deps.db)
    user = await add_user(deps, f"bench-{uuid.uuid4().hex[:8]}@crm.test", "Bench", "INTEGRATION", "bench password 123")
    who = Principal(user, Role.INTEGRATION)
    receivers = Receivers(opts.receivers, opts.delay)
    hook_ids: list[str] = []
    for i in range(opts.webhooks):
        document = FANOUT if opts.mode == "fanout" else SPREAD % i
        row, _ = await webhooks.create(
            deps, who, {"url": receivers.url(i), "subscriptionQuery": document}, lambda _: None, check_url
        )
        hook_ids.append(row["id"])
    env = {
        "CRM_WEBHOOK_RETRY_MAX": "2",
        "CRM_LOG_LEVEL": "WARNING",
        **({"CRM_WEBHOOK_PROCESSES": str(opts.worker_processes)} if opts.worker_processes else {}),
        **({"CRM_WEBHOOK_DISPATCHERS": str(opts.dispatchers)} if opts.dispatchers else {}),
    }
    procs = {"dispatcher": process(["webhooks"], env), "worker": process(["webhook-worker"], env)}
    neo4j_pid = service_pid(int(settings.neo4j_uri.rsplit(":", 1)[1].split("/")[0]))
    redis_pid = service_pid(int(settings.redis_url.rsplit(":", 1)[1].split("/")[0]))
    watched = {name: proc.pid for name, proc in procs.items()}
    watched |= {f"receiver {n}": proc.pid for n, proc in enumerate(receivers.procs)}
    watched |= {"neo4j": neo4j_pid, "redis": redis_pid} if neo4j_pid and redis_pid else {}
    watched["bench (producer)"] = -os.getpid()  # itself only, not its children
    if opts.mode == "fanout":
        warmup = [{"type": "COMPANY", "nodeId": "cmp_bench_warm", "op": "UPDATED", "fields": ["name"]}]
    else:
        warmup = [{"type": "OPPORTUNITY", "nodeId": f"opp_bench_{i}", "op": "DELETED"} for i in range(opts.webhooks)]
    expected: dict[str, tuple[int, float]] = {}  # delivery id -> (webhook index, commit time)
    cpu_before: dict[str, float] = {}
    cpu: dict[str, float] = {}
    elapsed = 0.0
    try:
        await asyncio.sleep(opts.warmup)
        # Ready: every webhook has one warm-up delivery (processes started, documents subscribed, connections open);
        # the latency is measured from then on. A loaded machine takes seconds to start the processes.
        ready_by = time.monotonic() + 120
        warm = [{"id": uuid.uuid4().hex, "at": time.time_ns() // 1000, "actorId": user["id"], **e} for e in warmup]
        await deps.bus.publish(warm)
        while receivers.accepted() < opts.webhooks and time.monotonic() < ready_by:
            await asyncio.sleep(0.2)
        print(f"ready: {receivers.accepted()} warm-up deliveries")
        if opts.outage:
            receivers.outage(0, time.time() + opts.outage)
        cpu_before = {name: cpu_seconds(abs(pid), pid > 0) for name, pid in watched.items()}
        profilers = [
            subprocess.Popen(
                [
                    *(opts.py_spy, "record", "--format", "raw", "--subprocesses", "--nonblocking", "--rate", "50"),
                    *("-d", str(int(opts.seconds)), "-o", f"{opts.profile}/{name}.txt", "--pid", str(proc.pid)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, proc in procs.items()
            if opts.profile
        ]
        started = time.monotonic()
        tick = 0.02
        sent = 0
        while (elapsed := time.monotonic() - started) < opts.seconds:
            due = int(elapsed * opts.rate) + 1
            batch = []
            for n in range(sent, due):
                key = uuid.uuid4().hex
                at = time.time_ns() // 1000
                if opts.mode == "fanout":
                    event = {"type": "COMPANY", "nodeId": f"cmp_bench_{n}", "op": "UPDATED", "fields": ["name"]}
                    targets = range(opts.webhooks)
                else:
                    event = {"type": "OPPORTUNITY", "nodeId": f"opp_bench_{n % opts.webhooks}", "op": "DELETED"}
                    targets = range(n % opts.webhooks, n % opts.webhooks + 1)
                batch.append({"id": key, "at": at, "actorId": user["id"], **event})
                for i in targets:
                    expected[webhooks.delivery_id(hook_ids[i], key, 0)] = (i, at / 1e6)
            if batch:
                await deps.bus.publish(batch)
                sent = due
            await asyncio.sleep(tick)
        published = time.monotonic() - started
        for profiler in profilers:
            profiler.wait()
        print(f"published {sent} events in {published:.1f} s ({len(expected)} deliveries expected)")
        deadline = time.monotonic() + opts.drain
        while time.monotonic() < deadline:
            if receivers.accepted() >= len(expected):  # (asking the receivers costs the services nothing)
                break
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        cpu = {name: cpu_seconds(abs(pid), pid > 0) - cpu_before[name] for name, pid in watched.items()}
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        records = receivers.records()
        receivers.close()
        for hook_id in hook_ids:
            await webhooks.delete(deps, who, hook_id)
        await deps.close()

    accepted = [(path, delivery, received) for path, delivery, received, status in records if status == 200]
    refused = sum(1 for r in records if r[3] != 200)
    per_hook: dict[int, list[float]] = {}
    seen = Counter(delivery for _, delivery, _ in accepted)
    first_receipt: dict[str, float] = {}
    for _, delivery, received in accepted:
        first_receipt[delivery] = min(received, first_receipt.get(delivery, received))
    for delivery, received in first_receipt.items():
        if delivery in expected:
            index, committed = expected[delivery]
            per_hook.setdefault(index, []).append(received - committed)
    lost = {i: 0 for i in range(opts.webhooks)}
    for delivery, (index, _) in expected.items():
        if delivery not in seen:
            lost[index] += 1
    twice = sum(1 for n in seen.values() if n > 1)
    unknown = sum(1 for d in seen if d not in expected)
    healthy = [x for i, values in per_hook.items() if i > 0 or not opts.outage for x in values]
    if opts.outage:
        first = per_hook.get(0, [])
        print(
            f"h0 (503 for {opts.outage:.0f} s): {len(first)} accepted, lost {lost[0]}, "
            f"p50 {pct(first, 50):.3f} s, p95 {pct(first, 95):.3f} s, max {max(first, default=0):.3f} s"
        )
    p95 = pct(healthy, 95)
    print(
        f"healthy webhooks: {len(healthy)} deliveries, p50 {pct(healthy, 50):.3f} s, p95 {p95:.3f} s, "
        f"max {max(healthy, default=0):.3f} s, mean {statistics.fmean(healthy) if healthy else 0:.3f} s; "
        f"lost {sum(lost.values())}, twice {twice}; 503 answers {refused}; {unknown} deliveries of other events "
        "(the bench's own webhook and user changes)"
    )
    print(
        f"CPU over the run ({elapsed:.0f} s; % of one core, and ms per delivery accepted): "
        + ", ".join(
            f"{name} {value / elapsed * 100:.0f} % {value * 1000 / max(1, len(accepted)):.2f}"
            for name, value in cpu.items()
        )
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    ok = sum(lost.values()) == 0 and twice == 0 and p95 <= 1.0
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1000.0, help="events a second")
    parser.add_argument("--webhooks", type=int, default=20)
    parser.add_argument("--mode", choices=("fanout", "spread"), default="fanout")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the first receiver answers 503 (0: none)")
    parser.add_argument("--receivers", type=int, default=2, help="receiver processes")
    parser.add_argument("--delay", type=float, default=0.005, help="seconds a receiver takes to answer 200")
    parser.add_argument("--worker-processes", type=int, default=0, help="CRM_WEBHOOK_PROCESSES (0: its default)")
    parser.add_argument("--dispatchers", type=int, default=0, help="CRM_WEBHOOK_DISPATCHERS (0: its default)")
    parser.add_argument(
        "--profile", help="a folder: py-spy samples of the dispatcher and the workers (collapsed stacks)"
    )
    parser.add_argument("--py-spy", default="py-spy", help="the py-spy executable")
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds to wait before the warm-up deliveries (one per webhook)"
    )
    parser.add_argument("--drain", type=float, default=120.0, help="seconds to wait for the last deliveries")
    sys.exit(asyncio.run(main(parser.parse_args())))
