"""One run of a mailing, walked in pages of the segment (ordered by person id). A chunk task
(`crm.mailings.chunk(runId, afterId)`, late ack, redelivered when its worker dies) sends pages for up to a slice of
time and then queues the next chunk task.

A page costs Neo4j two writes, whatever its size: one claims its recipients (the e-mail consent for the mailing's
purpose is checked in that statement, at send time; each recipient gets a Delivery `runId|personId`, unique, SENDING,
with the claim id, an SMTP connection = lane and a place in that lane's order) and one settles them (SENT, or BOUNCED
on a 5xx). In between the lanes send in parallel threads, each over one connection reused for the whole slice, and
before each message its lane's pointer moves in Redis (domain/mail_journal.py). A recipient whose delivery exists is
skipped and only the claim's creator sends, so a page done twice (a redelivered task, two workers) sends nobody a
second mail.

A worker that dies mid-page leaves its claim SENDING; whoever takes the page next (the redelivered task, a resumed
run) waits until the claim's lease has expired and settles it by the journal: what went out is SENT, what certainly
did not go out is sent now, and the one message per lane that was between the end of DATA and the relay's answer
(the window SMTP leaves) stays SENDING and is not sent again: at most once for that message, never twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import redis

from domain.deps import Deps
from domain.events import emit
from domain.mail_journal import Journal, bounce_field, fate
from domain.mailer import MailSession, MailTransient
from domain.mailings import CHUNK_TASK
from domain.mime import Composer
from domain.segments import member_ids_page
from graph import mailings as q
from graph.db import Row, Tx

log = logging.getLogger("crm.mailings")
SLICE_SECONDS = 20.0  # a chunk task sends pages for this long, then queues the next one


class LeaseLost(MailTransient):
    """The claim's lease expired while its lanes were sending (a stalled worker): what is left of the page goes to
    whoever takes the page next."""

    def __init__(self) -> None:
        super().__init__("the claim of this page expired while it was being sent", refused=True)


@dataclass
class LaneOutcome:
    done: list[dict[str, Any]] = field(default_factory=list)  # {key, status, reason}
    doubt: str | None = None  # the delivery key of a message that may have been taken
    error: BaseException | None = None


def journal_of(deps: Deps) -> Journal:
    client = redis.Redis.from_url(deps.settings.redis_url, socket_connect_timeout=3, socket_timeout=10)
    return Journal(client, int(deps.settings.mail_lease_seconds * 1000))


class Sender:
    """The SMTP connections of one slice of a run (`CRM_MAIL_LANES`, each driven by its own thread and reused for
    every page of the slice), the run's message composer and the lanes' journal."""

    def __init__(self, deps: Deps, run_id: str, run: Row) -> None:
        if deps.mail is None:
            raise MailTransient("no mail transport configured")
        self.deps = deps
        self.run_id = run_id
        self.run = run
        self.lanes = max(1, deps.settings.mail_lanes)
        self.composer = Composer(deps.settings.secret, deps.settings.public_url, run)
        self.sessions: list[MailSession] = [deps.mail.session() for _ in range(self.lanes)]  # connect when used
        self.pool = ThreadPoolExecutor(max_workers=self.lanes, thread_name_prefix="smtp")
        self.journal = journal_of(deps)

    async def page(self, ids: list[str]) -> None:
        """Claims the page's recipients (one write), sends them over the lanes, settles them (one write). Raises the
        first lane's failure after settling (MailTransient: the chunk is retried and sends what is left)."""
        claim = uuid.uuid4().hex
        self.journal.begin(claim)
        params = {
            "ids": ids,
            "purpose": self.run["purpose"],
            "runId": self.run_id,
            "mailingId": self.run["mailingId"],
            "campaignId": self.run["campaignId"],
            "claim": claim,
            "lanes": self.lanes,
        }
        rows = await self.deps.db.write(q.CLAIM, params)
        lanes: list[list[tuple[int, Row]]] = [[] for _ in range(self.lanes)]
        for row in rows:
            lanes[int(row["lane"])].append((int(row["seq"]), row["person"]))
        loop = asyncio.get_running_loop()
        outcomes = await asyncio.gather(
            *(
                loop.run_in_executor(self.pool, self._lane, claim, lane, sorted(people, key=lambda p: p[0]))
                for lane, people in enumerate(lanes)
                if people
            )
        )
        done = [row for outcome in outcomes for row in outcome.done]
        doubt = [outcome.doubt for outcome in outcomes if outcome.doubt]
        settled = {row["key"] for row in done} | set(doubt)
        unsent = [key for row in rows if (key := f"{self.run_id}|{row['person']['id']}") not in settled]
        await self.deps.db.write(q.SETTLE, {"claim": claim, "done": done, "doubt": doubt, "unsent": unsent})
        self.journal.end(claim)
        for outcome in outcomes:
            if outcome.error is not None:
                raise outcome.error

    def _lane(self, claim: str, lane: int, people: list[tuple[int, Row]]) -> LaneOutcome:
        """One connection's share of the page, in order; stops at the first failure."""
        out = LaneOutcome()
        session, journal, sender = self.sessions[lane], self.journal, self.composer.sender
        try:
            for seq, person in people:
                key = f"{self.run_id}|{person['id']}"
                raw = self.composer.build(person, key)
                if not journal.move(claim, lane, 2 * seq + 1):  # from here this message may go out
                    out.error = LeaseLost()
                    return out
                try:
                    result = session.send_raw(sender, str(person["email"]), raw)
                except MailTransient as exc:
                    out.error = exc
                    if exc.refused:  # certainly not taken: the page's next attempt sends it
                        journal.move(claim, lane, 2 * seq)
                    else:
                        out.doubt = key
                    return out
                except BaseException:
                    out.doubt = key
                    raise
                out.done.append({"key": key, "status": result.status, "reason": result.detail})
                if result.status == "BOUNCED":
                    journal.move(claim, lane, 2 * seq + 1, **{bounce_field(lane, seq): (result.detail or "")[:500]})
            if people:
                journal.move(claim, lane, 2 * (people[-1][0] + 1))
        except Exception as exc:  # noqa: BLE001 - a journal or template failure: nothing more goes out on this lane
            out.error = exc
        return out

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.pool, session.close) for session in self.sessions))
        self.pool.shutdown(wait=False)
        self.journal.client.close()


async def recover(deps: Deps, run_id: str, ids: list[str]) -> None:
    """Settles the claims on this page's recipients left by a worker that died (their lease expired) by their
    journal; waits for a claim whose lease still runs (its worker may be alive: it settles the claim itself)."""
    journal: Journal | None = None
    give_up = time.monotonic() + deps.settings.mail_lease_seconds + 5
    try:
        while held := await deps.db.read(q.HELD, {"runId": run_id, "ids": ids}):
            journal = journal or journal_of(deps)
            claims: dict[str, list[Row]] = {}
            for row in held:
                claims.setdefault(str(row["claim"]), []).append(row)
            alive = False
            for claim, rows in claims.items():
                final = journal.take(claim)
                if final is None:
                    alive = True
                    continue
                done: list[dict[str, Any]] = []
                doubt: list[str] = []
                unsent: list[str] = []
                for row in rows:
                    outcome = fate(final, row["lane"], row["seq"])
                    if outcome in ("SENT", "BOUNCED"):
                        reason = final.get(bounce_field(row["lane"], row["seq"])) if outcome == "BOUNCED" else None
                        done.append({"key": row["key"], "status": outcome, "reason": reason})
                    else:
                        (doubt if outcome == "DOUBT" else unsent).append(row["key"])
                log.warning(
                    "mailing run %s: settled a dead claim %s (%d done, %d in doubt, %d to send again)",
                    run_id,
                    claim,
                    len(done),
                    len(doubt),
                    len(unsent),
                )
                await deps.db.write(q.SETTLE, {"claim": claim, "done": done, "doubt": doubt, "unsent": unsent})
                journal.end(claim)
            if not alive:
                return
            if time.monotonic() > give_up:
                raise MailTransient("recipients of this page are held by another worker", refused=True)
            await asyncio.sleep(0.5)
    finally:
        if journal is not None:
            journal.client.close()


async def chunk(deps: Deps, run_id: str, after: str | None, seconds: float = 0.0) -> str:
    """Sends the run's pages after the person id `after`: one page, and more while `seconds` have not passed; then
    queues the next chunk task. Returns what happened: `next`, `done`, `paused`, `stale` (the page was done before)
    or `stopped` (the run is not running)."""
    deadline = time.monotonic() + seconds
    sender: Sender | None = None
    try:
        while True:
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
            if ids:
                await recover(deps, run_id, ids)
                sender = sender or Sender(deps, run_id, run)
                await sender.page(ids)
            if len(ids) < size:
                await _finish(deps, q.FINISH, run_id, run["mailingId"])
                return "done"
            if not await deps.db.write(q.ADVANCE, {"runId": run_id, "after": after, "cursor": ids[-1]}):
                return "stale"
            after = ids[-1]
            if time.monotonic() >= deadline:
                assert deps.tasks is not None
                deps.tasks.send(CHUNK_TASK, [run_id, after])
                return "next"
    finally:
        if sender is not None:
            await sender.close()


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
