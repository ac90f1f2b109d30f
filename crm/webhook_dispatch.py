"""The webhook dispatcher: change stream -> subscription document -> recorded deliveries -> Celery.

It runs in the app-entry layer because it executes each webhook's subscription document against the served
schema. `crm webhooks` runs CRM_WEBHOOK_DISPATCHERS processes (`--shard I/N`); each follows the active webhooks
whose (document, creator) hashes to it (`shard_of`), and for them, batch after batch:

1. reads the change stream `crm:changes` after the lowest committed position (kept on each webhook node in
   Neo4j, not in memory: a restart of this process, Redis or Neo4j resumes where the last commit left off);
2. hands each event to the documents it concerns (an index by the root field's literal arguments) and runs each
   document as one long-lived subscription fed the batch at once (`Feed`), with the permissions of its creator,
   re-checked every few seconds (a revoked key or deactivated user: the events pass without deliveries);
3. records one delivery per result (id = X-CRM-Delivery, derived from webhook and event, so recording a batch
   twice yields each once) together with the new positions (compare-and-set), in one Neo4j transaction that
   runs while the next batch is read and run (writes stay in order);
4. queues the Celery task `crm.webhooks.deliver` for the webhooks with new deliveries, which sends a queue in
   order. A webhook far behind the others (or whose document fails) is read in batches of its own.

It also queues that task for each of its webhooks whose next delivery is due (retries, a run that stopped at its
time budget). Two dispatchers following one webhook are safe (positions move by compare-and-set, deliveries are
MERGEd) but wasteful.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import orjson
from graphql import (
    EnumValueNode,
    FieldNode,
    GraphQLError,
    ListValueNode,
    OperationDefinitionNode,
    StringValueNode,
    parse,
)
from starlette.requests import Request
from strawberry.types import ExecutionResult

from config.settings import Settings, get_settings
from domain import webhooks
from domain.auth import Principal
from domain.deps import Deps
from domain.events import STREAM, ChangeEvent, EventBus
from graph.db import Row, start_counting
from resolvers.loaders import Loaders
from schema.context import Context
from schema.root import build_schema

log = logging.getLogger("crm.webhooks")
READ_COUNT = 1000  # events a batch at most: batches grow with a backlog (fewer, larger transactions)
SWEEP_SECONDS = 0.5
# A batch (one transaction for all webhooks, a bell per webhook, a send cycle per webhook) at most this often:
# under a steady flow, waiting a little makes fewer and larger transactions for Neo4j and the send tasks.
PACE_SECONDS = 0.1
REFRESH_SECONDS = 2.0
CREATOR_CHECK_SECONDS = 5.0
EVENT_TIMEOUT = 30.0


def _raise_if_cancelled() -> None:
    """redis-py turns a cancellation during a blocking read into a ConnectionError: do not swallow it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Feed:
    """The event source of one subscription: the dispatcher gives a batch of events, the resolver asks (`get`) for
    them one at a time. Asking again means that everything the previous event yields has come out (the consumer
    resumes the resolver only after it took the previous result), so the results are attributed to the event at
    `index`; the batch runs through without a switch back to the dispatcher, which is woken (`asked`) when the
    resolver asks for more than the batch holds."""

    def __init__(self, fresh: Callable[[], None] | None = None) -> None:
        self._next: asyncio.Future[ChangeEvent] | None = None
        self._queue: deque[ChangeEvent] = deque()
        self._fresh = fresh  # called before each event (it reads the graph afresh)
        self.asked: asyncio.Future[None] | None = None
        self.index = -1  # the event of the batch being run

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Feed]:
        yield self

    async def get(self) -> ChangeEvent:
        if self._queue:
            self.index += 1
            if self._fresh is not None:
                self._fresh()
            return self._queue.popleft()
        self._next = asyncio.get_running_loop().create_future()
        if self.asked is not None and not self.asked.done():
            self.asked.set_result(None)
        return await self._next

    def waiting(self) -> bool:
        return self._next is not None and not self._next.done()

    def finished(self) -> bool:
        """The whole batch ran and the resolver waits for the next one."""
        return not self._queue and self.waiting()

    def give(self, events: Sequence[ChangeEvent]) -> asyncio.Future[None]:
        """Hands the batch over; the future is done when the resolver asks for more (or ends)."""
        assert self._next is not None, "the subscription is not waiting for an event"
        assert events, "an empty batch"
        self.asked = asyncio.get_running_loop().create_future()
        self.index = 0
        self._queue = deque(events[1:])
        if self._fresh is not None:
            self._fresh()
        future, self._next = self._next, None
        future.set_result(events[0])
        return self.asked


def _payload(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    return body


class _FreshLoaders:
    """The DataLoaders of one event, made when the document first asks for one (most events of a filtering
    document never do, and making them costs more than the rest of feeding the event)."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._made: Loaders | None = None

    def __getattr__(self, name: str) -> Any:
        if self._made is None:
            self._made = Loaders(self._deps)
        return getattr(self._made, name)


class Runner:
    """A document as one long-lived subscription (run as its creator) that yields what each fed event makes of
    it. A task consumes the subscription's results; the dispatcher feeds a batch of events and waits until the
    resolver asks for more, by when every result of the batch has been collected, each with its event."""

    def __init__(self, schema: Any, deps: Deps, document: str, principal: Principal) -> None:
        self.schema = schema
        self.deps = deps
        self.document = document
        self.principal = principal
        self.feed = Feed()
        self.context: Context | None = None
        self.consumer: asyncio.Task[None] | None = None
        self.out: list[tuple[int, dict[str, Any]]] = []  # (index of the event in the batch, result)
        self.refused: dict[str, Any] | None = None

    def _fresh(self) -> None:
        if self.context is not None:  # each event reads the graph afresh
            self.context.loaders = cast(Loaders, _FreshLoaders(self.deps))

    async def _start(self) -> None:
        self.feed = Feed(self._fresh)
        self.feed.asked = asyncio.get_running_loop().create_future()
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
            log.warning("webhook subscription refused for its creator: %s", self.refused)
            return
        self.out = []
        self.consumer = asyncio.create_task(self._consume(outcome, self.feed), name="webhook subscription")
        # runs the resolver up to its first wait for an event
        ready = await self._wait(self.feed.asked)
        if not ready or not self.feed.waiting() or self.out:  # it failed (or yielded) before any event
            self.refused = self.out[0][1] if self.out else {"errors": [{"message": "the subscription ended at once"}]}
            log.warning("webhook subscription refused for its creator: %s", self.refused)
            await self.close()

    async def _consume(self, results: AsyncGenerator[ExecutionResult, None], feed: Feed) -> None:
        try:
            async for result in results:
                self.out.append((feed.index, _payload(result)))
        finally:  # ended (or failed): whoever waits for the next ask stops waiting
            if feed.asked is not None and not feed.asked.done():
                feed.asked.set_result(None)

    async def _wait(self, asked: asyncio.Future[None]) -> bool:
        """Until the resolver asks again; False when it is stuck on one event for EVENT_TIMEOUT (then the
        subscription starts afresh)."""
        feed = self.feed
        seen = feed.index
        while True:
            done, _ = await asyncio.wait({asked}, timeout=EVENT_TIMEOUT)
            if done:
                return True
            if feed.index != seen:  # a batch that is moving on
                seen = feed.index
                continue
            log.warning("webhook subscription took longer than %s s for one event", EVENT_TIMEOUT)
            await self.close()
            return False

    async def run(self, event: ChangeEvent) -> list[dict[str, Any]]:
        """What one event yields."""
        return (await self.run_many([event]))[0]

    async def run_many(self, events: Sequence[ChangeEvent]) -> list[list[dict[str, Any]]]:
        """What each event yields, in one pass of the subscription over the batch. An event on which the resolver
        fails or is stuck for EVENT_TIMEOUT keeps what it yielded (as it would run alone); the events after it go
        to the subscription started afresh."""
        results: list[list[dict[str, Any]]] = [[] for _ in events]
        start = 0
        while start < len(events) and self.refused is None:
            if self.consumer is None or self.consumer.done() or not self.feed.waiting():
                await self.close()
                await self._start()
                if self.refused is not None or self.consumer is None:
                    break
            self.out = []
            batch = events[start:]
            feed = self.feed
            await self._wait(feed.give(batch))
            for index, body in self.out:
                results[start + index].append(body)
            if feed.finished():
                break
            start += max(0, feed.index) + 1  # the event it stopped on is done; the rest start afresh
            await self.close()
        return results

    async def close(self) -> None:
        """Cancels the subscription (the generator is left to the garbage collector: closing it explicitly can
        wait on Strawberry's internals forever, and a cancellation of the caller must not be swallowed)."""
        if self.consumer is not None:
            self.consumer.cancel()
            await asyncio.wait({self.consumer}, timeout=1.0)
            self.consumer = None


# Subscription fields whose resolver yields only for change events of these types (`_follow(info, {...})` in
# resolvers/integrations.py and resolvers/service.py), and the argument that, given, limits them to one node
# (checked before anything else is read); entityChanged takes its types from its `types` argument.
FIELD_TYPES = {
    "opportunityChanged": (frozenset({"OPPORTUNITY"}), "opportunityId"),
    "leadCreated": (frozenset({"LEAD"}), None),
    "ticketChanged": (frozenset({"TICKET"}), "ticketId"),
}


@dataclass(frozen=True)
class EventFilter:
    """The change events a document can yield anything for: of `types` (None: any), about `node` (None: any)."""

    types: frozenset[str] | None = None
    node: str | None = None

    def passes(self, event: ChangeEvent) -> bool:
        return (self.types is None or event.type in self.types) and (self.node is None or event.node_id == self.node)


def event_filter(document: str) -> EventFilter:
    """What a document's one root field tells about the events it yields for, from literal arguments only. Other
    events are not fed to it: the resolver would pass them over without reading anything, and feeding one costs
    a step of the subscription for every event of the stream and document."""
    try:
        parsed = parse(document)
    except GraphQLError:
        return EventFilter()
    if len(parsed.definitions) != 1 or not isinstance(parsed.definitions[0], OperationDefinitionNode):
        return EventFilter()
    selections = parsed.definitions[0].selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode) or selections[0].directives:
        return EventFilter()
    field = selections[0]
    arguments = {argument.name.value: argument.value for argument in field.arguments or ()}
    if field.name.value in FIELD_TYPES:
        types, by_node = FIELD_TYPES[field.name.value]
        node = arguments.get(by_node) if by_node else None
        # an empty id filters nothing (the resolvers test it for truth); a variable is not followed
        return EventFilter(types, node.value if isinstance(node, StringValueNode) and node.value else None)
    if field.name.value != "entityChanged":
        return EventFilter()
    value = arguments.get("types")
    if isinstance(value, EnumValueNode):
        return EventFilter(frozenset({value.value}))
    if isinstance(value, ListValueNode) and value.values and all(isinstance(v, EnumValueNode) for v in value.values):
        return EventFilter(frozenset(cast(EnumValueNode, v).value for v in value.values))
    return EventFilter()  # no types (all), an empty list (all), a variable: every event


def _order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


Key = tuple[str, str, str | None]  # a group: document, creating user, API key


def _key(sub: webhooks.Subscriber) -> Key:
    return (sub.query, sub.user_id, sub.key_id)


def shard_of(key: Key, count: int) -> int:
    """Which of `count` dispatchers follows the webhooks of a group (document, creator): a stable hash, the same in
    every process and after every restart, so webhooks with one document stay together (it runs once per event)."""
    if count <= 1:
        return 0
    digest = hashlib.sha256("\x00".join(part or "" for part in key).encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass
class _Group:
    """Webhooks with the same document and creator: the document runs once per event for all of them."""

    only: EventFilter = EventFilter()  # what the document can yield for
    runner: Runner | None = None
    principal: Principal | None = None
    checked: float = float("-inf")


class Dispatcher:
    """Follows the change stream for all active webhooks: one read of the stream per batch, each distinct
    (document, creator) run once per event, the deliveries of all webhooks and their new positions recorded in
    one transaction, then each webhook with new deliveries woken (its running send task) or queued."""

    def __init__(
        self, deps: Deps, schema: Any | None = None, enqueue: Any | None = None, shard: tuple[int, int] = (0, 1)
    ) -> None:
        self.deps = deps
        self.shard = shard  # (index, count): this dispatcher follows the webhooks whose group is its share
        self.schema = schema or build_schema()
        self._enqueue = enqueue
        self.subs: dict[str, webhooks.Subscriber] = {}
        self.positions: dict[str, str] = {}  # committed, per webhook
        self.groups: dict[Key, _Group] = {}
        self.by_node: dict[tuple[str, str], list[Key]] = {}  # (type, node id) -> groups fed only that node's events
        self.by_type: dict[str, list[Key]] = {}  # type -> groups fed all its events
        self.every: list[Key] = []  # groups fed every event
        self.resting: dict[str, float] = {}  # webhooks whose document failed: not before this time
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-enqueue")
        self._writing: asyncio.Task[None] | None = None  # the last batch's record, in flight

    async def kick(self, webhook_ids: list[str]) -> None:
        """Rings each webhook's bell (a running send task picks the new deliveries up) and queues a send task for
        those without one running or queued."""
        if not webhook_ids:
            return
        redis: Any = self.deps.redis
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for webhook_id in webhook_ids:
                    pipe.rpush(webhooks.BELL + webhook_id, 1)
                    pipe.expire(webhooks.BELL + webhook_id, 10)
                    pipe.exists(webhooks.LOCK + webhook_id)
                found = await pipe.execute()
            idle = [w for n, w in enumerate(webhook_ids) if not found[3 * n + 2]]
            if not idle:
                return
            async with redis.pipeline(transaction=False) as pipe:
                for webhook_id in idle:
                    pipe.set(webhooks.QUEUED + webhook_id, "1", nx=True, ex=10)
                queued = await pipe.execute()
            wanted = [w for w, fresh in zip(idle, queued, strict=True) if fresh]
            if wanted:
                await asyncio.get_running_loop().run_in_executor(self._sender, self._send, wanted)
        except Exception:  # Redis away: the sweep queues them again once it is back
            log.warning("could not queue the delivery of webhooks %s", webhook_ids, exc_info=True)

    def _send(self, webhook_ids: list[str]) -> None:
        for webhook_id in webhook_ids:
            if self._enqueue is not None:
                self._enqueue(webhook_id)
                continue
            from workers.webhooks import deliver

            deliver.apply_async(args=[webhook_id], queue="webhooks")

    async def refresh(self) -> None:
        """The active webhooks; a webhook new to this dispatcher (or active again) starts at its committed position."""
        index, count = self.shard
        subs = {s.id: s for s in await webhooks.active(self.deps) if shard_of(_key(s), count) == index}
        for webhook_id in list(self.subs):
            if webhook_id not in subs:
                del self.subs[webhook_id]
                self.positions.pop(webhook_id, None)
        for webhook_id, sub in subs.items():
            if webhook_id not in self.subs:
                self.subs[webhook_id] = sub
                self.positions[webhook_id] = sub.position
        keys = {_key(s) for s in self.subs.values()}
        for key in list(self.groups):
            if key not in keys:
                group = self.groups.pop(key)
                if group.runner is not None:
                    await group.runner.close()
        for key in keys:
            if key not in self.groups:
                self.groups[key] = _Group(only=event_filter(key[0]))
        self._route()

    def _route(self) -> None:
        """Indexes the groups by what their documents can yield for: the groups an event concerns are found with
        two look-ups, whatever the number of webhooks (most documents name a type, many one node)."""
        self.by_node = {}
        self.by_type = {}
        self.every = []
        for key, group in self.groups.items():
            only = group.only
            if only.types is None:
                self.every.append(key)
            elif only.node is not None:
                for type_ in only.types:
                    self.by_node.setdefault((type_, only.node), []).append(key)
            else:
                for type_ in only.types:
                    self.by_type.setdefault(type_, []).append(key)

    def _concerned(self, event: ChangeEvent) -> list[Key]:
        return [*self.by_node.get((event.type, event.node_id), ()), *self.by_type.get(event.type, ()), *self.every]

    async def _execute(
        self, key: Key, members: list[str], events: list[ChangeEvent], orders: list[tuple[int, int]]
    ) -> dict[str, list[Row]]:
        """Runs the group's document over the events (those it can yield for) its members have not passed; the rows
        of each member."""
        group = self.groups[key]
        if group.checked == float("-inf"):  # a new group: its creator now (then `checking` keeps it current)
            await self._check(key, group)
        rows: dict[str, list[Row]] = {m: [] for m in members}
        if group.runner is not None and group.runner.principal != group.principal:  # the creator changed
            await group.runner.close()
            group.runner = None
        if group.principal is None:  # creator deactivated or key revoked: events pass without deliveries
            return rows
        group.runner = group.runner or Runner(self.schema, self.deps, key[0], group.principal)
        starts = {m: _order(self.positions[m]) for m in members if m in self.positions}  # (a write may drop one)
        if not starts:
            return rows
        lowest = min(starts.values())
        todo = [n for n, order in enumerate(orders) if order > lowest]
        if not todo:
            return rows
        results = await group.runner.run_many([events[n] for n in todo])
        for n, yielded in zip(todo, results, strict=True):
            if not yielded:
                continue
            event, order = events[n], orders[n]
            bodies = [orjson.dumps(body).decode() for body in yielded]
            for member, start in starts.items():
                if order > start:
                    rows[member].extend(
                        {
                            "id": webhooks.delivery_id(member, event.key, index),
                            "eventId": event.event_id,
                            "key": event.key,
                            "body": body,
                        }
                        for index, body in enumerate(bodies)
                    )
        return rows

    async def _check(self, key: Key, group: _Group) -> None:
        group.principal = await webhooks.creator(self.deps, webhooks.Subscriber("", key[0], "", key[1], key[2]))
        group.checked = time.monotonic()

    async def checking(self) -> None:
        """Re-reads the creator of every group every CREATOR_CHECK_SECONDS, beside the batches (a read of Neo4j
        never holds one up); a batch after a change runs as the creator now (or yields nothing)."""
        while True:
            try:
                for key, group in list(self.groups.items()):
                    if time.monotonic() - group.checked >= CREATOR_CHECK_SECONDS:
                        await self._check(key, group)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Neo4j away: the principals stay as they were, try again
                _raise_if_cancelled()
                log.warning("webhook dispatcher: creators not checked: %s", exc)
            await asyncio.sleep(0.5)

    async def step(self, events: list[ChangeEvent], candidates: set[str]) -> set[str]:
        """Handles a batch of events for the candidates behind its end: runs, records, wakes. Returns the webhooks
        it was for (moved, failed or gone); the others are ahead of this batch."""
        end = _order(events[-1].event_id)
        behind = [w for w in candidates if w in self.positions and _order(self.positions[w]) < end]
        members: dict[Key, list[str]] = {}
        for webhook_id in behind:
            sub = self.subs[webhook_id]
            members.setdefault(_key(sub), []).append(webhook_id)
        fed: dict[Key, tuple[list[ChangeEvent], list[tuple[int, int]]]] = {}
        for event in events:
            concerned = self._concerned(event)
            if not concerned:
                continue
            order = _order(event.event_id)
            for key in concerned:
                if key in members:
                    batch = fed.get(key)
                    if batch is None:
                        batch = fed[key] = ([], [])
                    batch[0].append(event)
                    batch[1].append(order)
        idle = [k for k in members if k not in fed]  # no event for their documents: the positions just move
        keys = [*idle, *fed]
        outcomes: list[dict[str, list[Row]] | BaseException] = [{m: [] for m in members[k]} for k in idle]
        outcomes += await asyncio.gather(*(self._execute(k, members[k], *fed[k]) for k in fed), return_exceptions=True)
        hooks: list[Row] = []
        for key, outcome in zip(keys, outcomes, strict=True):
            if isinstance(outcome, asyncio.CancelledError):
                raise outcome
            if isinstance(outcome, BaseException):  # this document failed: its webhooks read these events again
                log.warning("webhooks %s: events not run, retrying in 1 s: %s", members[key], outcome)
                for webhook_id in members[key]:
                    self.resting[webhook_id] = time.monotonic() + 1.0
                group = self.groups.get(key)
                if group is not None and group.runner is not None:
                    await group.runner.close()
                    group.runner = None
                continue
            hooks.extend(
                {"webhookId": webhook_id, "from": self.positions[webhook_id], "to": events[-1].event_id, "rows": rows}
                for webhook_id, rows in outcome.items()
                if webhook_id in self.positions
            )
        await self._flush()  # the previous batch's write: committed before this one is written (the order)
        hooks = [h for h in hooks if h["webhookId"] in self.positions]  # (the write may have dropped some)
        if hooks:
            for hook in hooks:  # read on from there; committed by the write below (or read again after a failure)
                self.positions[hook["webhookId"]] = hook["to"]
            self._writing = asyncio.create_task(self._commit(hooks), name="webhook record")
        return set(behind)

    async def _commit(self, hooks: list[Row]) -> None:
        """Records a batch's deliveries and positions (compare-and-set from where the batch started), then wakes the
        webhooks with new deliveries."""
        moved = await webhooks.record_many(self.deps, hooks)
        for hook in hooks:
            if hook["webhookId"] not in moved:  # moved elsewhere (or gone): the next refresh takes what is committed
                self.subs.pop(hook["webhookId"], None)
                self.positions.pop(hook["webhookId"], None)
        await self.kick([h["webhookId"] for h in hooks if h["rows"] and h["webhookId"] in moved])

    async def _flush(self) -> None:
        """Waits for the write in flight; raises what it raised."""
        writing, self._writing = self._writing, None
        if writing is not None:
            await writing

    async def _reset(self) -> None:
        """After a failure: the write in flight ends (or is dropped), and every webhook is read again from its
        committed position."""
        writing, self._writing = self._writing, None
        if writing is not None:
            with contextlib.suppress(Exception):
                await writing
        self.subs.clear()
        self.positions.clear()

    async def _read(self, start: str, block: int | None) -> list[ChangeEvent]:
        redis: Any = self.deps.bus.redis
        batches = await redis.xread({STREAM: start}, block=block, count=READ_COUNT)
        return [EventBus._decode(i, d) for _, entries in batches or [] for i, d in entries]

    async def round(self) -> bool:
        """Reads the stream after the lowest position and handles the batch for every webhook behind its end; then
        again for the webhooks that were ahead of it (so one that lags far behind, or fails, holds up no other).
        Usually all webhooks are at one position: one read (waiting up to 1 s for events) and one batch."""
        now = time.monotonic()
        pending = {w for w in self.positions if self.resting.get(w, 0.0) <= now}
        first = True
        while pending:
            start = min((self.positions[w] for w in pending if w in self.positions), key=_order, default=None)
            if start is None:
                break
            events = await self._read(start, 1000 if first else None)
            if not events:
                break
            first = False
            pending -= await self.step(events, pending)
        return not first

    async def pump(self) -> None:
        """Follows the stream from the webhooks' committed positions."""
        refreshed = float("-inf")
        while True:
            _raise_if_cancelled()
            try:
                if time.monotonic() - refreshed >= REFRESH_SECONDS:
                    await self.refresh()
                    refreshed = time.monotonic()
                if not self.positions:
                    await asyncio.sleep(min(1.0, REFRESH_SECONDS))
                    continue
                started = time.monotonic()
                if await self.round():  # at most one batch per PACE_SECONDS: fewer, larger transactions
                    await asyncio.sleep(max(0.0, PACE_SECONDS - (time.monotonic() - started)))
                elif self._writing is not None and self._writing.done():
                    await self._flush()  # (raises what the last write raised)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis or Neo4j away: again from the committed positions
                _raise_if_cancelled()
                log.warning("webhook dispatcher: events not recorded, retrying: %s", exc)
                await self._reset()
                refreshed = float("-inf")
                await asyncio.sleep(1.0)

    async def sweep(self) -> None:
        """Queues a send for each of its webhooks whose next delivery is due."""
        if self.subs:
            await self.kick(await webhooks.due(self.deps, list(self.subs)))

    async def sweeping(self) -> None:
        while True:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Neo4j or Redis away: try again
                _raise_if_cancelled()
                log.warning("webhook dispatcher: due deliveries not queued: %s", exc)
                await asyncio.sleep(1.0)
            await asyncio.sleep(SWEEP_SECONDS)

    async def run(self) -> None:
        if self._enqueue is None:  # the Celery app, imported now rather than in the middle of the first batch
            await asyncio.get_running_loop().run_in_executor(self._sender, importlib.import_module, "workers.webhooks")
        tasks = [
            asyncio.create_task(self.pump(), name="webhook pump"),
            asyncio.create_task(self.sweeping()),
            asyncio.create_task(self.checking()),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            if self._writing is not None:
                tasks.append(self._writing)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            for group in self.groups.values():
                if group.runner is not None:
                    with contextlib.suppress(Exception):
                        await group.runner.close()
            self.groups.clear()
            self._sender.shutdown(wait=False)


async def main(settings: Settings | None = None, shard: tuple[int, int] = (0, 1)) -> None:
    deps = Deps.connect(settings or get_settings())
    try:
        await Dispatcher(deps, shard=shard).run()
    finally:
        await deps.close()
