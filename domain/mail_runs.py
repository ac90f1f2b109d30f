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
run) once the claim's lease has expired settles it by the journal (while the lease runs the page is left to its
worker): what went out is SENT, what certainly
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
from domain.mail_journal import Journal, LaneLog, bounce_field, fate
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
class Page:
    ids: list[str]  # the segment's page
    claim: str
    rows: list[Row]  # the recipients claimed: person, lane, seq
    at: float = field(default_factory=time.monotonic)


@dataclass
class LaneOutcome:
    done: list[dict[str, Any]] = field(default_factory=list)  # {key, status, reason}
    doubt: str | None = None  # the delivery key of a message that may have been taken
    error: BaseException | None = None


def claimed(found: list[Row]) -> list[Row]:
    """The rows of a claim (`CLAIM` answers one row with a list): lane, seq and the person's fields."""
    return [
        {"lane": item[0], "seq": item[1], "person": dict(zip(q.CLAIMED_FIELDS, item[2:], strict=True))}
        for item in (found[0]["claimed"] if found else [])
    ]


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

    async def claim(self, ids: list[str]) -> Page:
        """Settles what a dead worker left on these recipients, then claims them (one write)."""
        if not ids:
            return Page(ids, "", [])
        await recover(self.deps, self.run_id, ids)
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
        return Page(ids, claim, claimed(await self.deps.db.write(q.CLAIM, params)))

    async def fetch(self, after: str) -> Page:
        """The segment's next page after `after`, claimed."""
        size = self.deps.settings.mail_chunk_size
        return await self.claim(await member_ids_page(self.deps, self.run["segmentId"], after, size))

    async def send(self, page: Page) -> list[LaneOutcome]:
        """Sends a claimed page over the lanes (parallel threads); failures are in the outcomes."""
        lanes: list[list[tuple[int, Row]]] = [[] for _ in range(self.lanes)]
        for row in page.rows:
            lanes[int(row["lane"])].append((int(row["seq"]), row["person"]))
        loop = asyncio.get_running_loop()
        return await asyncio.gather(
            *(
                loop.run_in_executor(self.pool, self._lane, page.claim, lane, sorted(people, key=lambda p: p[0]))
                for lane, people in enumerate(lanes)
                if people
            )
        )

    async def settle(self, page: Page, outcomes: list[LaneOutcome]) -> None:
        """What became of the page (one write): done, in doubt, unsent (its claim goes: sent by the next attempt)."""
        if not page.rows:
            return
        done = [row for outcome in outcomes for row in outcome.done]
        doubt = [outcome.doubt for outcome in outcomes if outcome.doubt]
        settled = {row["key"] for row in done} | set(doubt)
        unsent = [key for row in page.rows if (key := f"{self.run_id}|{row['person']['id']}") not in settled]
        await self.deps.db.write(q.SETTLE, {"claim": page.claim, "done": done, "doubt": doubt, "unsent": unsent})
        self.journal.end(page.claim)
        log.debug(
            "page of %d: %d done, %d in doubt, %d unsent, %.0f ms from claim to settled",
            len(page.rows),
            len(done),
            len(doubt),
            len(unsent),
            (time.monotonic() - page.at) * 1000,
        )

    def _lane(self, claim: str, lane: int, people: list[tuple[int, Row]]) -> LaneOutcome:
        """One connection's share of the page, in order; stops at the first failure."""
        out = LaneOutcome()
        session, journal, sender = self.sessions[lane], self.journal.lane(claim, lane), self.composer.sender
        gate = Gate(journal)
        try:
            last = len(people) - 1
            for index, (seq, person) in enumerate(people):
                key = f"{self.run_id}|{person['id']}"
                raw = self.composer.build(person, key)
                gate.pointer, gate.passed = 2 * seq + 1, False
                then = (sender, str(people[index + 1][1]["email"])) if index < last else None
                try:
                    result = session.send_raw(sender, str(person["email"]), raw, gate, then)
                except LeaseLost as exc:
                    out.error = exc
                    return out
                except MailTransient as exc:
                    out.error = exc
                    if exc.refused:  # certainly not taken: the page's next attempt sends it
                        journal.move(2 * seq)
                    else:
                        out.doubt = key
                    return out
                except BaseException:
                    if gate.passed:  # its content may have gone out
                        out.doubt = key
                    raise
                out.done.append({"key": key, "status": result.status, "reason": result.detail})
                if result.status == "BOUNCED":
                    journal.move(2 * seq + 1, **{bounce_field(lane, seq): (result.detail or "")[:500]})
            if people:
                journal.move(2 * (people[-1][0] + 1))
        except Exception as exc:  # noqa: BLE001 - a journal or template failure: nothing more goes out on this lane
            out.error = exc
        return out

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.pool, session.close) for session in self.sessions))
        self.pool.shutdown(wait=False)
        self.journal.close()


class Gate:
    """Called by the transport once before a message's content goes out (with PIPELINING while its envelope is on
    the way): moves the lane's pointer to `pointer` ("this message may be going out, the ones before it are done"),
    or raises LeaseLost (then nothing of the message goes out)."""

    def __init__(self, journal: LaneLog) -> None:
        self.journal = journal
        self.pointer = 0
        self.passed = False

    def __call__(self) -> None:
        if not self.journal.move(self.pointer):
            raise LeaseLost()
        self.passed = True


class Held(Exception):
    """Recipients of the page are claimed by a worker whose lease runs: the page is in its hands."""


async def recover(deps: Deps, run_id: str, ids: list[str]) -> None:
    """Settles the claims on this page's recipients left by a worker that died (their lease expired) by their
    journal. Raises Held when a claim's lease still runs (its worker is alive and settles it itself; a redelivered
    task comes after the visibility timeout, by when a dead worker's lease has long expired)."""
    journal: Journal | None = None
    try:
        if held := await deps.db.read(q.HELD, {"runId": run_id, "ids": ids}):
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
            if alive:
                raise Held(run_id)
    finally:
        if journal is not None:
            journal.close()


async def chunk(deps: Deps, run_id: str, after: str | None, seconds: float = 0.0) -> str:
    """Sends the run's pages after the person id `after`: one page, and more while `seconds` have not passed (the
    next page is claimed while the current one is sent, and the current one settled while the next one is sent);
    then queues the next chunk task. Returns what happened: `next`, `done`, `paused`, `stale` (the page was done
    before) or `stopped` (the run is not running)."""
    deadline = time.monotonic() + seconds
    run = await deps.db.read_one(q.RUN, {"runId": run_id, "idleMs": _idle_ms(deps)})
    stop = await _stopped(deps, run_id, run)
    if stop is not None:
        return stop
    assert run is not None
    if (run["cursor"] or "") != (after or ""):
        if not run["idle"]:
            return "stale"  # the page was done before, and the run's chain goes on elsewhere
        after = run["cursor"]  # the chain's worker died in the middle of its slice: go on from where it got
    size = deps.settings.mail_chunk_size
    sender = Sender(deps, run_id, run)
    try:
        try:
            page = await sender.claim(await member_ids_page(deps, run["segmentId"], after, size))
        except Held:
            return "stale"  # another worker sends this page (and goes on from it)
        sending: asyncio.Future[list[LaneOutcome]] | None = asyncio.ensure_future(sender.send(page))
        ahead = _ahead(sender, page, size, deadline)
        while True:
            assert sending is not None
            began = time.monotonic()
            try:
                outcomes = await sending
            finally:
                lanes_done = time.monotonic()
                following = await _outcome(ahead)
            log.debug(
                "lanes took %.0f ms, then the next page's claim %.0f ms more",
                (lanes_done - began) * 1000,
                (time.monotonic() - lanes_done) * 1000,
            )
            failure = next((o.error for o in outcomes if o.error is not None), None)
            held = isinstance(following, Held)
            if held:
                following = None  # the next page is in another worker's hands: this chain ends after this page
            if isinstance(following, BaseException):
                failure, following = failure or following, None
            halted = following is not None and await _stopped(deps, run_id, mark=False) is not None
            if following is not None and (failure is not None or halted):
                await sender.settle(following, [])  # not sent: the claim goes (paused, stopped or failed)
                following = None
            sending = asyncio.ensure_future(sender.send(following)) if following is not None else None
            # the page after next is claimed while this one is settled (two writes at once, not one after the other)
            ahead = _ahead(sender, following, size, deadline)
            advanced: list[Row] = []
            try:
                await sender.settle(page, outcomes)
                if failure is not None:
                    raise failure
                if len(page.ids) < size:
                    await _finish(deps, q.FINISH, run_id, run["mailingId"])
                    return "done"
                advanced = await deps.db.write(q.ADVANCE, {"runId": run_id, "after": after, "cursor": page.ids[-1]})
            except BaseException:
                if sending is not None and following is not None:  # let the next page finish and settle it
                    await sender.settle(following, await sending)
                await _release(sender, ahead)
                raise
            if not advanced or held:
                if sending is not None and following is not None:
                    await sender.settle(following, await sending)
                await _release(sender, ahead)
                return "stale"
            after = page.ids[-1]
            if halted:
                return await _stopped(deps, run_id) or "next"  # the next chunk would stop there: stop here
            if following is None:
                assert deps.tasks is not None
                deps.tasks.send(CHUNK_TASK, [run_id, after])
                return "next"
            page = following
    finally:
        await sender.close()


def _ahead(sender: Sender, page: Page | None, size: int, deadline: float) -> asyncio.Future[Page] | None:
    """The claim of the page after `page`, under way (none after a short page or once the slice is over)."""
    if page is None or len(page.ids) < size or time.monotonic() >= deadline:
        return None
    return asyncio.ensure_future(sender.fetch(page.ids[-1]))


async def _release(sender: Sender, ahead: asyncio.Future[Page] | None) -> None:
    """A page claimed ahead that will not be sent: its claim goes (the page's next attempt sends it)."""
    page = await _outcome(ahead)
    if isinstance(page, Page):
        await sender.settle(page, [])


def _idle_ms(deps: Deps) -> int:
    """A run without progress for this long has lost the worker of its chain (a page moves it every second or so)."""
    return int(deps.settings.mail_lease_seconds * 1000)


async def _outcome(future: asyncio.Future[Page] | None) -> Page | BaseException | None:
    if future is None:
        return None
    try:
        return await future
    except Exception as exc:  # noqa: BLE001 - handed to the caller, which settles the current page first
        return exc


async def _stopped(deps: Deps, run_id: str, run: Row | None = None, mark: bool = True) -> str | None:
    """`stopped` when the run is not running, `paused` when its mailing was paused (`mark`: the run PAUSED too)."""
    run = run or await deps.db.read_one(q.RUN, {"runId": run_id, "idleMs": _idle_ms(deps)})
    if run is None or run["runStatus"] != "RUNNING":
        return "stopped"
    if run["status"] == "PAUSED" or not run["current"]:
        if mark:
            await _finish(deps, q.PAUSE_RUN, run_id, run["mailingId"])
        return "paused"
    return None


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
