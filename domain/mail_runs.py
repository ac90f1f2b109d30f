"""One run of a mailing, walked in chunks of the segment (ordered by person id), each chunk one Celery task
(`crm.mailings.chunk(runId, afterId)`, late ack, redelivered when its worker dies).

Per recipient, inside the chunk: the e-mail consent for the mailing's purpose is checked at send time (in the same
statement that claims the recipient), the Delivery `runId|personId` (unique) is created as SENDING before the SMTP
call and set SENT (or BOUNCED on a 5xx) after it. A recipient whose delivery exists is skipped, so a chunk done twice
(a redelivered task, two workers) sends nobody a second mail. What SMTP leaves open is one message per connection: a
worker killed after the relay took a message and before its delivery was set SENT leaves that delivery SENDING, and
it is not sent again (README "Mailings": at most once for that one message, never twice).

Chunks are sent over `CRM_MAIL_LANES` SMTP connections at once (each lane its own connection, reused for the
chunk); each lane has at most one message in that window.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
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


class Lane:
    """One SMTP connection working through its share of a chunk, one message in flight."""

    def __init__(self, deps: Deps, run_id: str, run: Row) -> None:
        self.deps = deps
        self.run_id = run_id
        self.run = run
        self.session: MailSession | None = None
        self.pending: tuple[str, SendResult] | None = None  # sent, its delivery not yet marked

    async def step(self, key: str | None, person_id: str | None, claim: str) -> bool:
        """Marks the pending delivery and claims the next recipient (None: only mark); True when ours to send."""
        prev_key, prev = self.pending if self.pending else (None, SendResult("SENT"))
        params: dict[str, Any] = {
            "prevKey": prev_key,
            "prevStatus": prev.status,
            "prevReason": prev.detail,
            "key": key,
            "consentKey": f"{person_id}|EMAIL|{self.run['purpose']}",
            "claim": claim,
            "runId": self.run_id,
            "mailingId": self.run["mailingId"],
            "campaignId": self.run["campaignId"],
            "personId": person_id,
        }
        rows = await self.deps.db.write(q.STEP, params)
        self.pending = None
        return bool(rows and rows[0]["mine"])

    async def send(self, people: list[Row]) -> None:
        transport = self.deps.mail
        if transport is None:
            raise MailTransient("no mail transport configured")
        try:
            for person in people:
                key, claim = f"{self.run_id}|{person['id']}", uuid.uuid4().hex
                if not await self.step(key, person["id"], claim):
                    continue  # consent gone meanwhile, or another worker has this recipient
                outgoing = message(self.deps, self.run, person, key)
                if self.session is None:
                    self.session = transport.session()
                try:
                    result = await asyncio.to_thread(self.session.send, outgoing)
                except MailTransient as exc:
                    if exc.refused:  # 4xx: certainly not taken, so the retry may send it
                        await self.deps.db.write(q.UNCLAIM, {"key": key, "claim": claim})
                    raise
                self.pending = (key, result)
        finally:
            if self.pending is not None:
                await self.step(None, None, "")
            if self.session is not None:
                await asyncio.to_thread(self.session.close)


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
    lanes = max(1, min(deps.settings.mail_lanes, len(people)))
    results = await asyncio.gather(
        *(Lane(deps, run_id, run).send(people[i::lanes]) for i in range(lanes)), return_exceptions=True
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
