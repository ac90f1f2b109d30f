"""Mailing throughput: a mailing to N consenting recipients (default 100,000) sent by the real pipeline against a
plain smtplib loop sending the same messages to the same SMTP sink, the ratio measured in the same run.

The pipeline: `sendMailing`'s domain call queues the run's first chunk in Redis; a real Celery worker (its own
process, `--pool solo`) walks the segment in pages, claims each page in Neo4j (consent checked at send time), sends
over `CRM_MAIL_LANES` persistent SMTP connections with each lane's pointer in Redis, settles each page in Neo4j and
queues the next chunk task after each time slice. The rate is N / (from the sendMailing call to the mailing seen
SENT), so queueing, Celery, Neo4j, rendering, signing and SMTP are all inside it.

The plain loop: the very bytes the pipeline produced for each recipient (same composer, same run id length, so the
same size and headers; built before the clock starts) sent with `smtplib.SMTP.sendmail` over one persistent
connection (smtplib never pipelines). Plain loops and mailings alternate (`--rounds` mailings, one plain loop before,
between and after them) and the ratio is taken between the medians (a shared machine's load changes from minute to
minute).

The sink, in a process of its own, accepts and discards and offers PIPELINING: bench/smtp_sink.py (default; plain
asyncio, a few tens of microseconds per message) or `--sink aiosmtpd` (several hundred: with it the sink's own
latency limits the plain loop). `--sink-check` also measures what the sink takes from 4 plain loops in 4 processes
at once.

    NEO4J_URI=bolt://127.0.0.1:7723 REDIS_URL=redis://127.0.0.1:6423/0 \\
      .venv/bin/python bench/mailing.py --recipients 10000 --rounds 3

Writes N persons, their consents, a campaign, a segment and deliveries into that database (it deletes the bench
persons beyond N and the deliveries of earlier runs first): use services of your own.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import smtplib
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config.settings import get_settings  # noqa: E402
from domain import campaigns, mailings, segments  # noqa: E402
from domain.auth import Principal, Role  # noqa: E402
from domain.deps import Deps  # noqa: E402
from domain.mime import Composer  # noqa: E402
from graph.migrations import migrate  # noqa: E402
from tests.servers import celery_worker, free_port  # noqa: E402
from workers.app import app  # noqa: E402
from workers.queue import CeleryQueue  # noqa: E402

BATCH = 5_000
BENCH = Principal(user={"id": "usr_bench", "role": "ADMIN"}, role=Role.ADMIN)
SEED = """
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
ON CREATE SET p:Entity, p.firstName = row.first, p.lastName = 'Bench', p.fullName = row.first + ' Bench',
  p.sortName = 'bench ' + toLower(row.first), p.email = row.email, p.emailLower = row.email, p.city = 'Benchtown',
  p.tags = ['bench'], p.phones = [], p.createdAt = datetime(), p.updatedAt = datetime()
MERGE (c:Consent {key: row.id + '|EMAIL|bench'})
ON CREATE SET c.personId = row.id, c.channel = 'EMAIL', c.purpose = 'bench', c.status = 'GRANTED',
  c.source = 'bench', c.grantedAt = datetime()
MERGE (p)-[:HAS_CONSENT]->(c)
"""
BENCH_COUNT = "MATCH (p:Person) WHERE p.id STARTS WITH 'per_bench' RETURN count(p) AS n"
BEYOND = """
MATCH (p:Person) WHERE p.id STARTS WITH 'per_bench' AND p.id >= $first
CALL (p) { OPTIONAL MATCH (p)-[:HAS_CONSENT]->(c:Consent) DETACH DELETE p, c } IN TRANSACTIONS OF 5000 ROWS
"""
OLD_DELIVERIES = "MATCH (d:Delivery) CALL (d) { DELETE d } IN TRANSACTIONS OF 10000 ROWS"
BODY = (
    "<h1>Hello {{ person.firstName }}</h1><p>Our spring sale starts now in {{ person.city }}.</p>"
    '<p><a href="https://shop.example/sale">Shop the sale</a> or <a href="https://shop.example/new">see what is new'
    "</a>.</p>"
)


def _sink(port: int, ready: Any, kind: str) -> None:
    """An SMTP server that accepts everything and keeps nothing, in a process of its own: bench/smtp_sink.py (lean)
    or aiosmtpd."""
    if kind == "lean":
        from bench import smtp_sink

        smtp_sink.run(port, ready)
        return
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: Any) -> Any:
            # aiosmtpd reads pipelined commands one line after another (it just does not say so): as relays do
            session.host_name = hostname
            return [responses[0], "250-PIPELINING", *responses[1:]]

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def person(i: int) -> dict[str, str]:
    first = f"P{i:08}"
    return {
        "id": f"per_bench{i:08}",
        "firstName": first,
        "lastName": "Bench",
        "fullName": f"{first} Bench",
        "email": f"p{i:08}@bench.example",
        "city": "Benchtown",
        "country": "",
    }


async def seed(deps: Deps, n: int) -> tuple[str, str]:
    await migrate(deps.db)
    await deps.db.autocommit(OLD_DELIVERIES)
    await deps.db.autocommit(BEYOND, {"first": f"per_bench{n:08}"})
    have = (await deps.db.read_one(BENCH_COUNT) or {"n": 0})["n"]
    for start in range(have if have <= n else 0, n, BATCH):
        rows = [
            {"id": p["id"], "first": p["firstName"], "email": p["email"]}
            for p in map(person, range(start, min(n, start + BATCH)))
        ]
        await deps.db.write(SEED, {"rows": rows})
    campaign_id = await campaigns.create(deps, BENCH, {"name": "Bench", "channel": "EMAIL", "currency": "EUR"})
    rule = {"condition": {"field": "TAGS", "op": "CONTAINS", "value": "bench"}}
    segment_id = await segments.create(deps, BENCH, "Bench", rule)
    return campaign_id, segment_id


async def run_mailing(deps: Deps, campaign_id: str, segment_id: str) -> tuple[str, str, int, float]:
    """(mailing id, run id, deliveries SENT, seconds from sendMailing to the mailing SENT)."""
    mailing_id = await mailings.create(
        deps,
        BENCH,
        {
            "campaignId": campaign_id,
            "segmentId": segment_id,
            "subject": "Spring sale",
            "bodyTemplate": BODY,
            "fromAddress": deps.settings.mail_senders[0],
            "consentPurpose": "bench",
        },
    )
    started = time.perf_counter()
    await mailings.send(deps, BENCH, mailing_id)  # queues the first chunk for the worker
    while True:
        current = await mailings.get(deps, mailing_id)
        assert current is not None
        if current["status"] != "SENDING":
            break
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    assert current["status"] == "SENT", current
    sent = await deps.db.read_one(
        "MATCH (d:Delivery {mailingId: $id}) WHERE d.status = 'SENT' RETURN count(d) AS n", {"id": mailing_id}
    )
    return mailing_id, str(current["currentRunId"]), int((sent or {})["n"]), elapsed


def plain_loop(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for sender, to, raw in messages:
        smtp.sendmail(sender, [to], raw)
    smtp.quit()
    return time.perf_counter() - started


def building_loop(port: int, composer: Composer, people: list[dict[str, str]], run_id: str) -> float:
    """The plain loop that also builds each message as it goes (what a script without bookkeeping would do)."""
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for p in people:
        smtp.sendmail(composer.sender, [p["email"]], composer.build(p, f"{run_id}|{p['id']}"))
    smtp.quit()
    return time.perf_counter() - started


def _plain_process(port: int, messages: list[tuple[str, str, bytes]], out: Any) -> None:
    out.put(plain_loop(port, messages))


def sink_capacity(port: int, messages: list[tuple[str, str, bytes]], processes: int = 4) -> float:
    """Messages per second the sink takes from `processes` plain loops at once."""
    share = messages[: min(len(messages), 5_000)]
    out: Any = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_plain_process, args=(port, share, out)) for _ in range(processes)]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return processes * len(share) / (time.perf_counter() - started)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--sink", choices=["lean", "aiosmtpd"], default="lean", help="the SMTP sink (default lean)")
    parser.add_argument("--sink-check", action="store_true", help="also measure the sink with 4 plain loops at once")
    parser.add_argument("--rounds", type=int, default=3, help="mailings, each followed by a plain loop (default 3)")
    parser.add_argument("--lanes", type=int, help="CRM_MAIL_LANES of the worker (default: the environment's)")
    parser.add_argument("--chunk", type=int, help="CRM_MAIL_CHUNK of the worker (default: the environment's)")
    args = parser.parse_args()
    n = args.recipients
    port = free_port()
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, ready, args.sink), daemon=True)
    sink.start()
    ready.wait(10)
    settings = get_settings()
    deps = Deps.connect(settings)
    deps.tasks = CeleryQueue(app)
    env = {"CRM_SMTP_URL": f"smtp://127.0.0.1:{port}"}  # Neo4j and Redis: this process's environment
    lanes, chunk = args.lanes or settings.mail_lanes, args.chunk or settings.mail_chunk_size
    env |= {"CRM_MAIL_LANES": str(lanes), "CRM_MAIL_CHUNK": str(chunk)}
    try:
        t0 = time.perf_counter()
        campaign_id, segment_id = await seed(deps, n)
        print(f"seeded {n} recipients in {time.perf_counter() - t0:.1f} s", flush=True)
        run = {"purpose": "bench", "bodyTemplate": BODY, "subject": "Spring sale"}
        run |= {"fromAddress": settings.mail_senders[0]}
        composer = Composer(settings.secret, settings.public_url, run)
        like_run = f"run_{uuid.uuid4().hex}"  # as long as the run's id: the same bytes but for the id's digits
        messages = [
            (composer.sender, p["email"], composer.build(p, f"{like_run}|{p['id']}")) for p in map(person, range(n))
        ]
        plain_rates: list[float] = []
        mailing_rates: list[float] = []
        with celery_worker(env=env):
            app.send_task("crm.system.heartbeat").get(timeout=120)  # the worker is up
            plain_rates.append(n / plain_loop(port, messages))
            print(f"plain loop 1: {plain_rates[-1]:.0f}/s  (load {_load()})", flush=True)
            for round_ in range(1, args.rounds + 1):
                _, run_id, sent, mailing_s = await run_mailing(deps, campaign_id, segment_id)
                assert sent == n, f"sent {sent} of {n}"
                assert len(run_id) == len(like_run), run_id
                mailing_rates.append(n / mailing_s)
                print(f"mailing {round_}: {mailing_rates[-1]:.0f}/s ({mailing_s:.1f} s)  (load {_load()})", flush=True)
                plain_rates.append(n / plain_loop(port, messages))
                print(f"plain loop {round_ + 1}: {plain_rates[-1]:.0f}/s  (load {_load()})", flush=True)
        building_n = min(n, 20_000)  # a rate for context: 20,000 messages are enough
        building_s = building_loop(port, composer, list(map(person, range(building_n))), like_run)
        capacity = sink_capacity(port, messages) if args.sink_check else None
    finally:
        await deps.close()
        sink.kill()
    mailing_rate, plain_rate = statistics.median(mailing_rates), statistics.median(plain_rates)
    ratio = mailing_rate / plain_rate
    size = sum(len(m[2]) for m in messages) / n
    # each mailing against the two plain loops around it
    pairs = [m / ((a + b) / 2) for m, a, b in zip(mailing_rates, plain_rates, plain_rates[1:], strict=False)]
    print(
        f"mailing (Celery worker, lanes {lanes}, pages of {chunk}), {n} mails, {args.rounds} runs: "
        f"{_rates(mailing_rates)}, median {mailing_rate:.0f}/s"
    )
    print(
        f"plain smtplib loop, one connection, sendmail per message, same {size:.0f}-byte messages built before its "
        f"clock starts, {len(plain_rates)} runs interleaved: {_rates(plain_rates)}, median {plain_rate:.0f}/s"
    )
    print(
        f"each mailing against the mean of the plain loops before and after it: {', '.join(f'{r:.2f}' for r in pairs)}"
    )
    print(
        f"plain smtplib loop building each message as it sends (context, {building_n}): {building_n / building_s:.0f}/s"
    )
    if capacity is not None:
        print(f"sink ({args.sink}) capacity, 4 plain loops in 4 processes at once: {capacity:.0f}/s")
    print(f"ratio of the medians {ratio:.2f} (target >= 0.8): {'MET' if ratio >= 0.8 else 'MISSED'}; load {_load()}")
    return 0 if ratio >= 0.8 else 1


def _rates(rates: list[float]) -> str:
    return ", ".join(f"{r:.0f}/s" for r in rates)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
