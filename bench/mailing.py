"""Mailing throughput: a mailing to N consenting recipients (default 100,000) through the whole engine (segment
pages, consent checked at send time, a Delivery claimed SENDING before and set SENT after each SMTP call, rendered
template, signed links and headers, `CRM_MAIL_LANES` reused SMTP connections) into a local SMTP sink that discards
(aiosmtpd in a process of its own), against a plain smtplib loop sending the same messages over one connection to
the same sink. Target: the mailing reaches at least 0.8x the plain loop's messages per second.

    NEO4J_URI=bolt://127.0.0.1:7712 REDIS_URL=redis://127.0.0.1:6412/0 .venv/bin/python bench/mailing.py --recipients 10000

Writes N persons, their consents, a campaign, a segment and deliveries into that database: use services of your own.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import smtplib
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config.settings import get_settings  # noqa: E402
from domain import campaigns, mail_runs, mailings, segments  # noqa: E402
from domain.auth import Principal, Role  # noqa: E402
from domain.deps import Deps  # noqa: E402
from graph.migrations import migrate  # noqa: E402
from integrations.mail import SmtpTransport  # noqa: E402
from tests.servers import free_port  # noqa: E402

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
BODY = (
    "<h1>Hello {{ person.firstName }}</h1><p>Our spring sale starts now in {{ person.city }}.</p>"
    '<p><a href="https://shop.example/sale">Shop the sale</a> or <a href="https://shop.example/new">see what is new'
    "</a>.</p>"
)


def _sink(port: int, ready: Any) -> None:
    """An SMTP server that accepts everything and keeps nothing (its own process, so it costs the sender no CPU)."""
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


async def seed(deps: Deps, n: int) -> tuple[str, str]:
    await migrate(deps.db)
    for start in range(0, n, BATCH):
        rows = [
            {"id": f"per_bench{i:08}", "first": f"P{i:08}", "email": f"p{i:08}@bench.example"}
            for i in range(start, min(n, start + BATCH))
        ]
        await deps.db.write(SEED, {"rows": rows})
    campaign_id = await campaigns.create(deps, BENCH, {"name": "Bench", "channel": "EMAIL", "currency": "EUR"})
    rule = {"condition": {"field": "TAGS", "op": "CONTAINS", "value": "bench"}}
    segment_id = await segments.create(deps, BENCH, "Bench", rule)
    return campaign_id, segment_id


async def run_mailing(deps: Deps, campaign_id: str, segment_id: str) -> tuple[int, float]:
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
    await deps.db.write(
        "MATCH (m:Mailing {id: $id}) SET m.status = 'SCHEDULED', m.nextRunAt = datetime()", {"id": mailing_id}
    )
    started = time.perf_counter()
    (run_id,) = await mailings.start_due(deps)
    after = None
    while await mail_runs.chunk(deps, run_id, after) == "next":
        after = (await deps.db.read_one("MATCH (r:MailRun {id: $id}) RETURN r.cursor AS c", {"id": run_id}) or {})["c"]
    elapsed = time.perf_counter() - started
    sent = await deps.db.read_one(
        "MATCH (d:Delivery {mailingId: $id}) WHERE d.status = 'SENT' RETURN count(d) AS n", {"id": mailing_id}
    )
    return int((sent or {})["n"]), elapsed


def plain_loop(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for sender, to, raw in messages:
        smtp.sendmail(sender, [to], raw)
    smtp.quit()
    return time.perf_counter() - started


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    args = parser.parse_args()
    n = args.recipients
    port = free_port()
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, ready), daemon=True)
    sink.start()
    ready.wait(10)
    settings = get_settings()
    deps = Deps.connect(settings)
    deps.mail = SmtpTransport(f"smtp://127.0.0.1:{port}")

    class NoQueue:
        def send(self, name: str, args: list[object]) -> None:  # the bench runs the chunks itself
            pass

    deps.tasks = NoQueue()
    try:
        t0 = time.perf_counter()
        campaign_id, segment_id = await seed(deps, n)
        print(f"seeded {n} recipients in {time.perf_counter() - t0:.1f} s")
        sent, mailing_s = await run_mailing(deps, campaign_id, segment_id)
        assert sent == n, f"sent {sent} of {n}"
        run = {"mailingId": "mlg_bench", "purpose": "bench", "bodyTemplate": BODY, "subject": "Spring sale"}
        run |= {"fromAddress": settings.mail_senders[0], "campaignId": campaign_id}
        messages = []
        for i in range(n):
            person = {"id": f"per_bench{i:08}", "firstName": f"P{i:08}", "email": f"p{i:08}@bench.example"}
            person |= {"lastName": "Bench", "fullName": f"P{i:08} Bench", "city": "Benchtown", "country": ""}
            outgoing = mail_runs.message(deps, run, person, f"run_bench|{person['id']}")
            messages.append((outgoing.sender, outgoing.to, outgoing.message().as_bytes()))
        plain_s = plain_loop(port, messages)
    finally:
        await deps.close()
        sink.kill()
    mailing_rate, plain_rate = n / mailing_s, n / plain_s
    ratio = mailing_rate / plain_rate
    print(
        f"mailing: {n} mails in {mailing_s:.1f} s = {mailing_rate:.0f}/s (lanes {settings.mail_lanes}, chunk {settings.mail_chunk_size})"
    )
    print(f"plain smtplib loop: {n} mails in {plain_s:.1f} s = {plain_rate:.0f}/s")
    print(f"ratio {ratio:.2f} (target >= 0.8): {'MET' if ratio >= 0.8 else 'MISSED'}")
    return 0 if ratio >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
