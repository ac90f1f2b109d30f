"""Subscription webhooks: management, the record of deliveries and the ordered delivery of a webhook's queue.

Who does what (README "Webhooks"): the dispatcher (crm/webhook_dispatch.py, its own process) reads the change
stream from each webhook's committed position, runs the webhook's subscription document per event as its
creator and records one delivery per yielded result together with the new position (`record`); Celery tasks
(workers/webhooks.py) send a webhook's queue in order (`drain`), one task per webhook at a time.
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from domain import validate
from domain.auth import FEED_ROLES, Principal, Role, lesser_role
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import STREAM, emit
from domain.ids import new_id
from graph import webhooks as q
from graph.db import Row, Tx
from graph.paging import InvalidCursor, Page, PageArgs, read_page

log = logging.getLogger("crm.webhooks")

MANAGERS = FEED_ROLES  # ADMIN and INTEGRATION: a webhook sees every change its document selects
MAX_URL = 2000
MAX_DOCUMENT = 20_000
MIN_SECRET = 16
LOCK = "crm:webhook:drain:"  # held by the one task sending a webhook's queue (ordering)
QUEUED = "crm:webhook:queued:"  # a send task is queued for the webhook: do not queue another (for 10 s)
LOCK_MS = 30_000  # refreshed while sending; a worker that died frees the webhook after this
BELL = "crm:webhook:bell:"  # rung by the dispatcher when it recorded deliveries (wakes a waiting drain)
IDLE = 1.0  # seconds a drain waits for the bell with nothing to send before it ends
HOLD_MS = 5_000  # a webhook whose head waits for a retry queues no new run for up to this long
BATCH = 100

# Frees the lock only for its holder.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


# ---- management


async def create(
    deps: Deps,
    who: Principal,
    data: dict[str, Any],
    validate_document: Callable[[str], str | None],
    check_url: Callable[[str, bool], Awaitable[None]],
) -> tuple[Row, str]:
    """A webhook and its secret (shown once). `validate_document` answers the validation message of a
    document the schema refuses; `check_url` raises ValueError for a URL that may not be called."""
    who.require(MANAGERS, "manage webhooks")
    url = str(validate.text(data.get("url"), "url", required=True, max_len=MAX_URL))
    try:
        await check_url(url, deps.settings.webhook_allow_private)
    except ValueError as exc:
        raise BadInput(f"url: {exc}", field="url") from exc
    document = str(
        validate.text(data.get("subscriptionQuery"), "subscriptionQuery", required=True, max_len=MAX_DOCUMENT)
    )
    if (message := validate_document(document)) is not None:
        raise BadInput(message, field="subscriptionQuery")
    secret = validate.text(data.get("secret"), "secret", max_len=200)
    if secret is None:
        secret = "whsec_" + secrets.token_urlsafe(32)
    elif len(secret) < MIN_SECRET:
        raise BadInput(f"secret must have at least {MIN_SECRET} characters", field="secret")
    params = {
        "id": new_id("Webhook"),
        "url": url,
        "query": document,
        "secret": secret,
        "userId": who.user_id,
        "keyId": who.api_key_id,
        "position": await _stream_end(deps),
    }

    async def work(tx: Tx) -> Row:
        rows = await tx.run(q.CREATE, params)
        if not rows:
            raise NotFound("the creating user is gone")
        emit(tx, "WEBHOOK", str(params["id"]), "CREATED", ("url", "subscriptionQuery", "active"), who.user_id)
        return cast(Row, rows[0]["webhook"])

    return await deps.db.transaction(work), secret


async def _stream_end(deps: Deps) -> str:
    """Where a new webhook starts: after the newest event now (the first change it sees is the next one)."""
    try:
        newest = await deps.bus.redis.xrevrange(STREAM, count=1)
    except Exception:  # noqa: BLE001 - Redis away: the clock gives an id no older event exceeds
        log.warning("change stream unreachable; a new webhook starts at the current time")
        return f"{_now_ms()}-0"
    if not newest:
        return "0-0"
    entry_id = newest[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


async def webhooks(deps: Deps, who: Principal) -> list[Row]:
    who.require(MANAGERS, "manage webhooks")
    return [r["webhook"] for r in await deps.db.read(q.LIST)]


async def get(deps: Deps, who: Principal, webhook_id: str) -> Row | None:
    """A webhook for those who manage them (others do not learn that it exists)."""
    if not who.allows(MANAGERS):
        return None
    row = await deps.db.read_one(q.BY_ID, {"id": webhook_id})
    return cast(Row, row["webhook"]) if row else None


async def set_active(deps: Deps, who: Principal, webhook_id: str, active: bool) -> Row:
    who.require(MANAGERS, "manage webhooks")

    async def work(tx: Tx) -> Row:
        rows = await tx.run(q.SET_ACTIVE, {"id": webhook_id, "active": active})
        if not rows:
            raise NotFound(f"no webhook {webhook_id!r}")
        if rows[0]["changed"]:
            emit(tx, "WEBHOOK", webhook_id, "UPDATED", ("active",), who.user_id)
        return cast(Row, rows[0]["webhook"])

    return await deps.db.transaction(work)


async def delete(deps: Deps, who: Principal, webhook_id: str) -> str:
    who.require(MANAGERS, "manage webhooks")

    async def work(tx: Tx) -> None:
        if not await tx.run(q.DELETE, {"id": webhook_id}):
            raise NotFound(f"no webhook {webhook_id!r}")
        emit(tx, "WEBHOOK", webhook_id, "DELETED", (), who.user_id)

    await deps.db.transaction(work)
    try:
        await deps.db.autocommit(q.DELETE_DELIVERIES, {"id": webhook_id})
    except Exception:  # orphaned records are never sent (no webhook) and are pruned
        log.warning("deliveries of deleted webhook %s not deleted", webhook_id, exc_info=True)
    return webhook_id


async def deliveries(deps: Deps, webhook_id: str, args: PageArgs) -> Page:
    """Newest first (by event order)."""
    try:
        after = args.after_params("afterRank")
    except InvalidCursor as exc:
        raise BadInput("invalid cursor", argument="after") from exc
    return await read_page(deps.db, q.DELIVERIES_PAGE, {"id": webhook_id, **after}, args)


async def delivery(deps: Deps, who: Principal, delivery_id: str) -> Row | None:
    if not who.allows(MANAGERS):
        return None
    row = await deps.db.read_one(q.DELIVERY_BY_ID, {"id": delivery_id})
    return cast(Row, row["delivery"]) if row else None


async def retry_delivery(deps: Deps, who: Principal, delivery_id: str) -> Row:
    """A FAILED (or RETRYING) delivery goes to the head of its webhook's queue, due now, with a new retry window."""
    who.require(MANAGERS, "manage webhooks")
    rows = await deps.db.write(q.RETRY, {"id": delivery_id, "now": _now_ms()})
    if rows:
        return cast(Row, rows[0]["delivery"])
    found = await delivery(deps, who, delivery_id)
    if found is None:
        raise NotFound(f"no webhook delivery {delivery_id!r}")
    raise Conflict(f"the delivery is {found['status']}; only FAILED or RETRYING deliveries are retried")


# ---- the dispatcher's side


@dataclass(frozen=True)
class Subscriber:
    """An active webhook as the dispatcher sees it."""

    id: str
    query: str
    position: str
    user_id: str
    key_id: str | None


async def active(deps: Deps) -> list[Subscriber]:
    rows = await deps.db.read(q.ACTIVE)
    return [Subscriber(r["id"], r["query"], r["position"] or "0-0", r["userId"], r["keyId"]) for r in rows]


async def creator(deps: Deps, sub: Subscriber) -> Principal | None:
    """The principal the webhook's document runs as: its creator now (the lesser role through an API key); None
    when the user is deactivated or the key revoked."""
    row = await deps.db.read_one(q.CREATOR, {"userId": sub.user_id, "keyId": sub.key_id})
    if row is None:
        return None
    user = row["user"]
    if sub.key_id is None:
        return Principal(user, Role(user["role"]))
    key_role = Role(row["keyRole"])
    return Principal(user, lesser_role(key_role, Role(user["role"])), sub.key_id, key_role)


def delivery_id(webhook_id: str, event_key: str, index: int = 0) -> str:
    """Stable per (webhook, event, result): the same however often the event is read or the batch recorded."""
    digest = hashlib.sha256(f"{webhook_id}|{event_key}|{index}".encode()).hexdigest()[:32]
    return f"whd_{digest}"


async def record(deps: Deps, webhook_id: str, start: str, end: str, rows: list[Row]) -> bool:
    """Records deliveries {id, eventId, key, body} and moves the webhook's position from `start` to `end`, in one
    transaction; False when the position was not `start` (moved by another dispatcher, or the webhook is gone)."""
    return webhook_id in await record_many(deps, [{"webhookId": webhook_id, "from": start, "to": end, "rows": rows}])


async def record_many(deps: Deps, hooks: list[Row]) -> set[str]:
    """`record` for several webhooks ({webhookId, from, to, rows}) in one transaction; returns the ids of those
    whose position moved."""
    found = await deps.db.write(q.RECORD, {"hooks": hooks, "now": _now_ms()})
    return {str(r["id"]) for r in found}


async def due(deps: Deps, ids: list[str] | None = None) -> list[str]:
    """Active webhooks (of `ids`, or all) whose next delivery is due."""
    return [r["id"] for r in await deps.db.read(q.DUE, {"now": _now_ms(), "ids": ids})]


# ---- sending


class Outcome(Protocol):
    @property
    def status(self) -> int | None: ...
    @property
    def retry_after(self) -> float | None: ...
    @property
    def succeeded(self) -> bool: ...
    @property
    def retryable(self) -> bool: ...
    @property
    def refused(self) -> bool: ...


class Poster(Protocol):
    async def post(self, url: str, secret: str, delivery_id: str, body: bytes) -> Outcome: ...


def backoff(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Seconds before attempt `attempt + 1`: full jitter over base * 2^(attempt-1), at most `cap`; at least what
    the receiver asked with Retry-After (also at most `cap`)."""
    delay = random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1)))
    if retry_after is not None:
        delay = max(delay, min(cap, retry_after))
    return delay


def _decide(deps: Deps, row: Row, outcome: Outcome, now: int) -> Row:
    attempt = int(row["attempt"]) + 1
    result: Row = {"id": row["id"], "at": now, "responseCode": outcome.status, "nextAttemptAt": None}
    if outcome.succeeded:
        return {**result, "status": "SUCCEEDED"}
    first = row.get("firstAttemptAt") or now
    window = deps.settings.webhook_retry_hours * 3_600_000
    if not outcome.retryable or outcome.refused or now - first >= window:
        return {**result, "status": "FAILED"}
    settings = deps.settings
    delay = backoff(attempt, settings.webhook_retry_base, settings.webhook_retry_max, outcome.retry_after)
    return {**result, "status": "RETRYING", "nextAttemptAt": now + int(delay * 1000)}


async def _settle(deps: Deps, webhook_id: str, outcomes: list[Row]) -> Row | None:
    """Records the outcomes of the last attempts and reads the head of the queue after them, in one round trip."""
    params = {"id": webhook_id, "limit": BATCH}
    if not outcomes:
        return await deps.db.read_one(q.NEXT, params)
    rows = await deps.db.write(q.OUTCOMES_THEN_NEXT, {**params, "rows": outcomes})
    return rows[0] if rows else None


async def drain(deps: Deps, webhook_id: str, poster: Poster, budget: float = 20.0, idle: float = IDLE) -> int:
    """Sends the webhook's waiting deliveries in order until none is due, one at a time: a delivery that is to be
    retried holds the ones after it back (a FAILED one does not). Only one drain per webhook runs at once (a Redis
    lock); runs at most `budget` seconds (the dispatcher queues the next run). With the queue empty it waits up to
    `idle` seconds for the dispatcher's bell (new deliveries recorded) before it ends, so a webhook with a steady
    flow keeps one run going instead of a task per batch. Returns the attempts made.

    At least once: an attempt whose outcome was not recorded (the worker died) is made again, with the same
    X-CRM-Delivery."""
    redis: Any = deps.redis
    token = uuid.uuid4().hex
    await redis.delete(QUEUED + webhook_id)  # a later change queues a new run, even while this one runs
    if not await redis.set(LOCK + webhook_id, token, nx=True, px=LOCK_MS):
        return 0
    release = redis.register_script(RELEASE)
    started = time.monotonic()
    refreshed = started
    attempts = 0
    outcomes: list[Row] = []
    due: int | None = None  # the head waits until then (a retry)
    try:
        while (left := budget - (time.monotonic() - started)) > 0:
            if time.monotonic() - refreshed > 5:
                await redis.pexpire(LOCK + webhook_id, LOCK_MS)
                refreshed = time.monotonic()
            await redis.delete(BELL + webhook_id)  # what rang before this read is in it
            head = await _settle(deps, webhook_id, outcomes)
            outcomes = []
            if head is None or not head["active"]:
                break
            if not head["deliveries"]:
                if not await redis.blpop([BELL + webhook_id], timeout=min(idle, left)):
                    break
                continue
            held = False
            for row in head["deliveries"]:
                now = _now_ms()
                if row["due"] is not None and row["due"] > now:
                    held, due = True, int(row["due"])
                    break
                outcome = await poster.post(head["url"], head["secret"], row["id"], str(row["body"]).encode())
                attempts += 1
                decided = _decide(deps, row, outcome, _now_ms())
                outcomes.append(decided)
                if decided["status"] == "RETRYING":
                    held, due = True, int(decided["nextAttemptAt"])
                    break
                if time.monotonic() - refreshed > 5:
                    await redis.pexpire(LOCK + webhook_id, LOCK_MS)
                    refreshed = time.monotonic()
                if time.monotonic() - started >= budget:
                    break
            if held:
                break
    finally:
        try:
            if outcomes:
                await deps.db.write(q.OUTCOMES, {"rows": outcomes})
        finally:
            try:
                await release(keys=[LOCK + webhook_id], args=[token])
                if due is not None:  # nothing to send before then: new deliveries queue no run meanwhile (5 s at most,
                    # so a retryDelivery is not held back long)
                    await redis.set(QUEUED + webhook_id, "1", px=min(HOLD_MS, max(1, due - _now_ms())))
            except Exception:  # the lock expires by itself
                log.warning("webhook lock not released", exc_info=True)
    return attempts


async def prune(deps: Deps, days: int = 7) -> None:
    await deps.db.autocommit(q.PRUNE, {"days": days})
