"""The webhook dispatcher: change stream -> subscription document -> recorded deliveries -> Celery.

It runs in the app-entry layer because it executes each webhook's subscription document against the served
schema. One process (`crm webhooks`, supervised by scripts/run.sh) does, for every active webhook, in a task of
its own (a slow webhook never holds up another):

1. read the change stream `crm:changes` after the webhook's committed position (kept on the webhook node in
   Neo4j, not in memory: a restart of this process, Redis or Neo4j resumes where the last commit left off);
2. run the document as one long-lived subscription whose resolver is fed one event at a time (`Feed`), with
   the permissions of its creator, re-checked every few seconds (a revoked key or deactivated user: the events
   pass without deliveries);
3. record one delivery per result (id = X-CRM-Delivery, derived from webhook and event, so recording a batch
   twice yields each once) together with the new position, in one Neo4j transaction;
4. queue the Celery task `crm.webhooks.deliver` for the webhook, which sends its queue in order.

It also queues that task for every webhook whose next delivery is due (retries, a run that stopped at its
time budget). Running two dispatchers is safe (positions move by compare-and-set, deliveries are MERGEd) but
wasteful: run one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
from starlette.requests import Request
from strawberry.types import ExecutionResult

from config.settings import Settings, get_settings
from domain import webhooks
from domain.auth import Principal
from domain.deps import Deps
from domain.events import STREAM, ChangeEvent, EventBus
from graph.db import start_counting
from resolvers.loaders import Loaders
from schema.context import Context
from schema.root import build_schema

log = logging.getLogger("crm.webhooks")
READ_COUNT = 200
SWEEP_SECONDS = 0.25
REFRESH_SECONDS = 2.0
CREATOR_CHECK_SECONDS = 5.0
EVENT_TIMEOUT = 30.0


def _raise_if_cancelled() -> None:
    """redis-py turns a cancellation during a blocking read into a ConnectionError: do not swallow it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Feed:
    """The event source of one webhook's subscription: the resolver asks, the dispatcher gives one event."""

    def __init__(self) -> None:
        self._next: asyncio.Future[ChangeEvent] | None = None
        self.asked = asyncio.Event()

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Feed]:
        yield self

    async def get(self) -> ChangeEvent:
        self._next = asyncio.get_running_loop().create_future()
        self.asked.set()
        return await self._next

    def give(self, event: ChangeEvent) -> None:
        assert self._next is not None, "the subscription is not waiting for an event"
        future, self._next = self._next, None
        self.asked.clear()
        future.set_result(event)


def _payload(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body


class Runner:
    """One webhook's document as a subscription that yields what each fed event makes of it."""

    def __init__(self, schema: Any, deps: Deps, document: str, principal: Principal) -> None:
        self.schema = schema
        self.deps = deps
        self.document = document
        self.principal = principal
        self.feed = Feed()
        self.context: Context | None = None
        self.results: AsyncGenerator[ExecutionResult, None] | None = None
        self.pending: asyncio.Future[ExecutionResult] | None = None
        self.refused: dict[str, Any] | None = None

    async def _start(self) -> None:
        self.feed = Feed()
        request = Request({"type": "http", "method": "POST", "path": "/webhook", "headers": [], "query_string": b""})
        self.context = Context(
            request=request,
            response=None,
            deps=self.deps,
            loaders=Loaders(self.deps),
            round_trips=start_counting(),
            principal=self.principal,
            events=self.feed,
        )
        outcome = await self.schema.subscribe(self.document, context_value=self.context)
        if isinstance(outcome, ExecutionResult):  # refused before any event (e.g. FORBIDDEN for the creator)
            self.refused = _payload(outcome)
            return
        self.results = outcome
        self.pending = asyncio.ensure_future(anext(outcome))
        early = await self._settle()  # runs the resolver up to its first wait for an event
        if early or self.pending is None:  # it failed before any event: the document cannot run as the creator
            self.refused = early[0] if early else {"errors": [{"message": "the subscription ended at once"}]}
        if self.refused is not None:
            log.warning("webhook subscription refused for its creator: %s", self.refused)

    async def _settle(self) -> list[dict[str, Any]]:
        """Collects what the subscription yields until it asks for the next event (or ends)."""
        out: list[dict[str, Any]] = []
        while self.pending is not None:
            asked: asyncio.Future[Any] = asyncio.ensure_future(self.feed.asked.wait())
            waiting: set[asyncio.Future[Any]] = {self.pending, asked}
            done, _ = await asyncio.wait(waiting, timeout=EVENT_TIMEOUT, return_when="FIRST_COMPLETED")
            if self.pending in done:
                asked.cancel()
                try:
                    result = self.pending.result()
                except StopAsyncIteration:
                    self.pending = None
                    break
                out.append(_payload(result))
                assert self.results is not None
                self.pending = asyncio.ensure_future(anext(self.results))
                continue
            asked.cancel()
            if not done:  # stuck: start afresh with the next event
                log.warning("webhook subscription took longer than %s s for one event", EVENT_TIMEOUT)
                await self.close()
            break
        return out

    async def run(self, event: ChangeEvent) -> list[dict[str, Any]]:
        if self.pending is None and self.refused is None:
            await self.close()
            await self._start()
        if self.refused is not None or self.pending is None or self.pending.done():
            return []
        assert self.context is not None
        self.context.loaders = Loaders(self.deps)  # each event reads the graph afresh
        self.feed.give(event)
        return await self._settle()

    async def close(self) -> None:
        """Cancels the subscription (the generator is left to the garbage collector: closing it explicitly can
        wait on Strawberry's internals forever, and a cancellation of the caller must not be swallowed)."""
        if self.pending is not None:
            self.pending.cancel()
            await asyncio.wait({self.pending}, timeout=1.0)
            self.pending = None
        self.results = None


class Dispatcher:
    def __init__(self, deps: Deps, schema: Any | None = None, enqueue: Any | None = None) -> None:
        self.deps = deps
        self.schema = schema or build_schema()
        self._enqueue = enqueue
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-enqueue")

    async def kick(self, webhook_id: str) -> None:
        """Queues the send task of a webhook unless one is queued or running."""
        redis: Any = self.deps.redis
        try:
            if await redis.exists(webhooks.LOCK + webhook_id):
                return
            if not await redis.set(webhooks.QUEUED + webhook_id, "1", nx=True, ex=10):
                return
            await asyncio.get_running_loop().run_in_executor(self._sender, self._send, webhook_id)
        except Exception:  # Redis away: the sweep queues it again once it is back
            log.warning("could not queue the delivery of webhook %s", webhook_id, exc_info=True)

    def _send(self, webhook_id: str) -> None:
        if self._enqueue is not None:
            self._enqueue(webhook_id)
            return
        from workers.webhooks import deliver

        deliver.apply_async(args=[webhook_id], queue="webhooks")

    async def pump(self, sub: webhooks.Subscriber) -> None:
        """Follows the stream for one webhook from its committed position."""
        redis: Any = self.deps.bus.redis
        position = sub.position
        runner: Runner | None = None
        principal: Principal | None = None
        checked = float("-inf")
        try:
            while True:
                _raise_if_cancelled()
                try:
                    batches = await redis.xread({STREAM: position}, block=1000, count=READ_COUNT)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - Redis away: retry from the same position
                    _raise_if_cancelled()
                    log.warning("webhook %s: change stream unreadable: %s", sub.id, exc)
                    await asyncio.sleep(1.0)
                    continue
                events = [EventBus._decode(i, d) for _, entries in batches or [] for i, d in entries]
                if not events:
                    continue
                try:
                    if time.monotonic() - checked >= CREATOR_CHECK_SECONDS:
                        fresh = await webhooks.creator(self.deps, sub)
                        checked = time.monotonic()
                        if fresh != principal and runner is not None:
                            await runner.close()
                            runner = None
                        principal = fresh
                    rows: list[dict[str, Any]] = []
                    if principal is not None:
                        runner = runner or Runner(self.schema, self.deps, sub.query, principal)
                        for event in events:
                            for index, body in enumerate(await runner.run(event)):
                                rows.append(
                                    {
                                        "id": webhooks.delivery_id(sub.id, event.key, index),
                                        "eventId": event.event_id,
                                        "key": event.key,
                                        "body": orjson.dumps(body).decode(),
                                    }
                                )
                    moved = await webhooks.record(self.deps, sub.id, position, events[-1].event_id, rows)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - Neo4j away: the same events again, same delivery ids
                    _raise_if_cancelled()
                    log.warning("webhook %s: events not recorded, retrying: %s", sub.id, exc)
                    await asyncio.sleep(1.0)
                    continue
                if not moved:  # moved elsewhere (or gone): continue from what is committed
                    current = {s.id: s for s in await webhooks.active(self.deps)}.get(sub.id)
                    if current is None:
                        return
                    position = current.position
                    continue
                position = events[-1].event_id
                if rows:
                    await self.kick(sub.id)
        finally:
            if runner is not None:
                await runner.close()

    async def sweep(self) -> None:
        for webhook_id in await webhooks.due(self.deps):
            await self.kick(webhook_id)

    async def refresh(self) -> None:
        subs = {s.id: s for s in await webhooks.active(self.deps)}
        for webhook_id in list(self._pumps):
            if webhook_id not in subs or self._pumps[webhook_id].done():
                self._pumps.pop(webhook_id).cancel()
        for webhook_id, sub in subs.items():
            if webhook_id not in self._pumps:
                self._pumps[webhook_id] = asyncio.create_task(self.pump(sub), name=f"webhook {webhook_id}")

    async def run(self) -> None:
        refreshed = float("-inf")
        try:
            while True:
                try:
                    if time.monotonic() - refreshed >= REFRESH_SECONDS:
                        await self.refresh()
                        refreshed = time.monotonic()
                    await self.sweep()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - Neo4j or Redis away: try again
                    _raise_if_cancelled()
                    log.warning("webhook dispatcher: %s", exc)
                    await asyncio.sleep(1.0)
                await asyncio.sleep(SWEEP_SECONDS)
        finally:
            for task in self._pumps.values():
                task.cancel()
            for task in self._pumps.values():
                with contextlib.suppress(BaseException):
                    await task
            self._pumps.clear()
            self._sender.shutdown(wait=False)


async def main(settings: Settings | None = None) -> None:
    deps = Deps.connect(settings or get_settings())
    try:
        await Dispatcher(deps).run()
    finally:
        await deps.close()
