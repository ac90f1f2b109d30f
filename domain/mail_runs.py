"""One run of a mailing, walked in chunks of the segment (ordered by person id), each chunk one Celery task
(`crm.mailings.chunk(runId, afterId)`, late ack, redelivered when its worker dies).

Per recipient, inside the chunk: the e-mail consent for the mailing's purpose is checked at send time (in the same
statement that claims the recipient), the Delivery `runId|personId` (unique) is created as SENDING before the SMTP
call and set SENT (or BOUNCED on a 5xx) after it. A recipient whose delivery exists is skipped, so a chunk done twice
(a redelivered task, two workers) sends nobody a second mail. What SMTP leaves open is one message per connection: a
worker killed after the relay took a message and before its delivery was set SENT leaves that delivery SENDING, and
it is not sent again (README "Mailings": at most once for that one message, never twice).

Chunks are sent over `CRM_MAIL_LANES` SMTP connections at once (each reused for the whole chunk), in rounds: one
write per round marks the previous round's messages and claims one recipient per connection; each connection has
at most one message in that window.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from domain import templates, tracking
from domain.deps import Deps
from domain.events import emit
from domain.mailer import MailSession, MailTransient, Outgoing, SendResult
from domain.mailings import CHUNK_TASK
from domain.segments import member_ids_page
from graph import mailings as q
from graph.db import Row, Tx

log = logging.getLogger("crm.mailings")


def message(deps: Deps, run: Row, person: Row, key: str) -> Outgoing:
    """The mail for one recipient: rendered body, signed click links, open pixel, unsubscribe link and headers."""
    base = deps.settings.public_url
    unsubscribe = f"{base}/mail/unsubscribe/{tracking.unsubscribe_token(deps, key, run['purpose'])}"
    pixel = f"{base}/t/o/{tracking.open_token(deps, key)}"
    body = templates.render(run["bodyTemplate"], templates.person_context(person))
    html, text = templates.finish(
        body, lambda url: f"{base}/t/c/{tracking.click_token(deps, key, url)}", pixel, unsubscribe
    )
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "X-CRM-Delivery": key,
    }
    return Outgoing(run["fromAddress"], person["email"], run["subject"], text, html, headers)


class Rounds:
    """Sends a chunk in rounds: one write marks the previous round's messages and claims the next recipient for
    each SMTP connection, then every connection sends its one message (in parallel threads). So each connection
    has at most one message in the window, and Neo4j sees one round trip per `lanes` messages."""

    def __init__(self, deps: Deps, run_id: str, run: Row, lanes: int) -> None:
        self.deps = deps
        self.run_id = run_id
        self.run = run
        self.lanes = lanes
        if deps.mail is None:
            raise MailTransient("no mail transport configured")
        self.sessions: list[MailSession] = [deps.mail.session() for _ in range(lanes)]  # each connects when used
        self.done: list[dict[str, Any]] = []  # sent, their deliveries not yet marked
        self.pool = ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="smtp")

    async def _round(self, people: list[Row], claim: str) -> set[str]:
        params = {
            "done": self.done,
            "next": [{"personId": p["id"]} for p in people],
            "purpose": self.run["purpose"],
            "runId": self.run_id,
            "mailingId": self.run["mailingId"],
            "campaignId": self.run["campaignId"],
            "claim": claim,
        }
        rows = await self.deps.db.write(q.ROUND, params)
        self.done = []
        return {r["personId"] for r in rows if r["mine"]}

    def _send(self, lane: int, outgoing: Outgoing) -> SendResult:
        return self.sessions[lane].send(outgoing)

    async def send(self, people: list[Row]) -> None:
        loop = asyncio.get_running_loop()
        try:
            for start in range(0, len(people), self.lanes):
                batch, claim = people[start : start + self.lanes], uuid.uuid4().hex
                mine = await self._round(batch, claim)
                ours = [p for p in batch if p["id"] in mine]  # others: consent gone, or another worker has them
                keys = [f"{self.run_id}|{p['id']}" for p in ours]
                results = await asyncio.gather(
                    *(
                        loop.run_in_executor(self.pool, self._send, lane, message(self.deps, self.run, p, key))
                        for lane, (p, key) in enumerate(zip(ours, keys, strict=True))
                    ),
                    return_exceptions=True,
                )
                failure: BaseException | None = None
                for key, result in zip(keys, results, strict=True):
                    if isinstance(result, SendResult):
                        self.done.append({"key": key, "status": result.status, "reason": result.detail})
                    elif isinstance(result, MailTransient) and result.refused:
                        # 4xx: certainly not taken, so the retry of the chunk may send it
                        await self.deps.db.write(q.UNCLAIM, {"key": key, "claim": claim})
                        failure = failure or result
                    else:
                        failure = failure or result  # connection lost: the message stays SENDING (the window)
                if failure is not None:
                    raise failure
        finally:
            if self.done:
                await self._round([], uuid.uuid4().hex)
            for session in self.sessions:
                await loop.run_in_executor(self.pool, session.close)
            self.pool.shutdown(wait=False)


async def chunk(deps: Deps, run_id: str, after: str | None) -> str:
    """Sends one chunk of the run after the person id `after`; queues the next one. Returns what happened:
    `next`, `done`, `paused`, `stale` (the chunk was done before) or `stopped` (the run is not running)."""
    run = await deps.db.read_one(q.RUN, {"runId": run_id})
    if run is None or run["runStatus"] != "RUNNING":
        return "stopped"
    if run["status"] == "PAUSED" or not run["current"]:
        await _finish(deps, q.PAUSE_RUN, run_id, run["mailingId"])
        return "paused"
    if (run["cursor"] or "") != (after or ""):
        return "stale"
    size = deps.settings.mail_chunk_size
    ids = await member_ids_page(deps, run["segmentId"], after, size)
    people = [
        r["person"] for r in await deps.db.read(q.RECIPIENTS, {"ids": ids, "purpose": run["purpose"], "runId": run_id})
    ]
    if people:
        # Two groups of connections take turns: while one group's round is written, the other's messages go out.
        lanes = max(1, min(deps.settings.mail_lanes, len(people)))
        groups = 2 if lanes >= 2 else 1
        results = await asyncio.gather(
            *(
                Rounds(deps, run_id, run, lanes // groups + (1 if g < lanes % groups else 0)).send(people[g::groups])
                for g in range(groups)
            ),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
    if len(ids) < size:
        await _finish(deps, q.FINISH, run_id, run["mailingId"])
        return "done"
    advanced = await deps.db.write(q.ADVANCE, {"runId": run_id, "after": after, "cursor": ids[-1]})
    if not advanced:
        return "stale"
    assert deps.tasks is not None
    deps.tasks.send(CHUNK_TASK, [run_id, ids[-1]])
    return "next"


async def _finish(deps: Deps, statement: str, run_id: str, mailing_id: str) -> None:
    async def work(tx: Tx) -> None:
        if await tx.run(statement, {"runId": run_id}):
            emit(tx, "MAILING", mailing_id, "UPDATED", ["status"])

    await deps.db.transaction(work)


async def fail(deps: Deps, run_id: str, error: str) -> None:
    """The run gave up (the relay stayed unreachable through every retry): run and mailing FAILED."""

    async def work(tx: Tx) -> None:
        for row in await tx.run(q.FAIL, {"runId": run_id, "error": error[:500]}):
            emit(tx, "MAILING", row["mailingId"], "UPDATED", ["status"])

    await deps.db.transaction(work)
