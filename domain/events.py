"""Change events: every create/update/delete is recorded with its write and appended to a Redis stream.

The event is part of the write: `emit(tx, ...)` records it in the write transaction (an outbox
node, graph/outbox.py), and domain/outbox.py relays it to the stream after the commit. The stream
is `crm:changes`; every event is also appended, under the same entry id, to `crm:changes:<TYPE>`
so a feed filtered by type reads only its types.

A stream rather than plain pub/sub: each API process tails it (so a subscriber on
any process sees every event), and the retained entries are the `changes` feed
integrations use to catch up after a disconnect (the entry id is the cursor).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import logging
import time
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from graph.db import Row, Tx

STREAM = "crm:changes"
DEDUPE = "crm:evt:"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
log = logging.getLogger("crm.events")

# Appends one recorded event once: the first publisher of an event key adds it to the stream and to
# its type's stream (same entry id), later ones (another relay, a retry) get the first entry id back.
# KEYS: dedupe key, stream, type stream. ARGV: dedupe seconds, stream length, field/value pairs.
PUBLISH_ONCE = """
local seen = redis.call('GET', KEYS[1])
if seen then return seen end
local entry = {}
for i = 3, #ARGV do entry[#entry + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(entry))
local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1][1]
redis.pcall('XADD', KEYS[3], 'MINID', oldest, id, unpack(entry))
redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
return id
"""


# Appends the entries of one chunk of a batch event (`emit_many`: one outbox node for many nodes of one
# type, op and fields) once: the same dedupe rule per chunk, every entry with its own key.
# KEYS: dedupe key, stream, type stream. ARGV: dedupe seconds, stream length, values per entry, the entry's
# field/value pairs once (a template), then each entry's key and node id (values 2 and 6 of the template): a call
# sends two values per entry, not the whole entry. Returns the last entry id.
PUBLISH_MANY_ONCE = """
local seen = redis.call('GET', KEYS[1])
if seen then return seen end
local per = tonumber(ARGV[3])
local template = {}
for j = 4, 3 + per do template[#template + 1] = ARGV[j] end
local ids = {}
local entries = {}
for i = 4 + per, #ARGV, 2 do
  local entry = {unpack(template)}
  entry[2] = ARGV[i]
  entry[6] = ARGV[i + 1]
  ids[#ids + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(entry))
  entries[#entries + 1] = entry
end
local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1][1]
for k = 1, #ids do redis.pcall('XADD', KEYS[3], 'MINID', oldest, ids[k], unpack(entries[k])) end
redis.call('SET', KEYS[1], ids[#ids], 'EX', ARGV[1])
return ids[#ids]
"""
MANY_CHUNK = 1_000  # entries per script call: Redis is never blocked for long


def type_stream(type_: str) -> str:
    return f"{STREAM}:{type_}"


def emit(
    tx: Tx,
    type_: str,
    node_id: str,
    op: str,
    fields: Iterable[str] = (),
    actor_id: str | None = None,
    extra: dict[str, str] | None = None,
) -> None:
    """Records a change event in the write transaction `tx`: it reaches the stream once the
    transaction commits (at least once, see README "Change events")."""
    tx.emit(
        {
            "type": type_,
            "nodeId": node_id,
            "op": op,
            "at": time.time_ns() // 1000,
            "fields": sorted(set(fields)),
            "actorId": actor_id,
            "extra": json.dumps(extra) if extra else None,
        }
    )


def emit_many(
    tx: Tx,
    type_: str,
    node_ids: Sequence[str],
    op: str,
    fields: Iterable[str] = (),
    actor_id: str | None = None,
) -> None:
    """Records the same change of many nodes as ONE outbox event (bulk writes such as imports): the
    publisher expands it into one stream entry per node (keys `<event id>-<n>`), so readers of the
    stream see exactly what `emit` per node would give them."""
    if not node_ids:
        return
    tx.emit(
        {
            "type": type_,
            "nodeId": "",
            "nodeIds": list(node_ids),
            "op": op,
            "at": time.time_ns() // 1000,
            "fields": sorted(set(fields)),
            "actorId": actor_id,
            "extra": None,
        }
    )


@dataclass(frozen=True)
class ChangeEvent:
    event_id: str  # the stream entry id: the cursor
    type: str
    node_id: str
    op: str
    at: datetime
    fields: tuple[str, ...] = ()
    actor_id: str | None = None
    extra: dict[str, str] = dataclass_field(default_factory=dict)
    key: str = ""  # the same in every delivery of this change (idempotency key)

    @classmethod
    def from_entry(cls, entry_id: str, data: dict[str, str]) -> ChangeEvent:
        return cls(
            event_id=entry_id,
            type=data["type"],
            node_id=data["nodeId"],
            op=data["op"],
            at=datetime.fromisoformat(data["at"]),
            fields=tuple(json.loads(data.get("fields", "[]"))),
            actor_id=data.get("actorId") or None,
            extra=json.loads(data["extra"]) if data.get("extra") else {},
            key=data.get("key") or entry_id,
        )


def _entry(event: Row, key: str | None = None, node_id: str | None = None) -> list[str]:
    """Field/value pairs of the stream entry of a recorded event."""
    at = EPOCH + timedelta(microseconds=int(event["at"]))
    pairs = [
        ("key", str(event["id"]) if key is None else key),
        ("type", str(event["type"])),
        ("nodeId", str(event["nodeId"]) if node_id is None else node_id),
        ("op", str(event["op"])),
        ("at", at.isoformat()),
        ("fields", json.dumps(list(event.get("fields") or []))),
        ("actorId", str(event.get("actorId") or "")),
    ]
    if event.get("extra"):
        pairs.append(("extra", str(event["extra"])))
    return [part for pair in pairs for part in pair]


def _order(entry_id: Any) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq)


class EventBus:
    def __init__(self, redis: Redis, retention: int = 1_000_000, dedupe_seconds: int = 86_400) -> None:
        self.redis: Any = redis  # redis-py stubs type stream replies loosely
        self.retention = retention
        self.dedupe_seconds = dedupe_seconds
        self._publish_once = self.redis.register_script(PUBLISH_ONCE)
        self._publish_many_once = self.redis.register_script(PUBLISH_MANY_ONCE)
        self._subscribers: set[asyncio.Queue[ChangeEvent]] = set()
        self._reader: asyncio.Task[None] | None = None
        self._last = "$"
        self._starting = asyncio.Lock()

    async def publish(self, events: Sequence[Row]) -> list[str]:
        """Appends recorded events (outbox rows), in order, each at most once per dedupe window, in
        one round trip; returns their entry ids. Raises when Redis fails: the events stay in the
        outbox for the relay."""
        calls: list[int] = []  # script calls per event: a batch event (`emit_many`) makes one per chunk
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                keys = [DEDUPE + str(event["id"]), STREAM, type_stream(str(event["type"]))]
                node_ids = event.get("nodeIds")
                if not node_ids:
                    await self._publish_once(
                        keys=keys, args=[self.dedupe_seconds, self.retention, *_entry(event)], client=pipe
                    )
                    calls.append(1)
                    continue
                chunks = range(0, len(node_ids), MANY_CHUNK)
                template = _entry(event, "", "")  # key and nodeId (values 1 and 5) differ per entry
                prefix = f"{event['id']}-"
                for start in chunks:
                    args: list[Any] = [self.dedupe_seconds, self.retention, len(template), *template]
                    for n, node_id in enumerate(node_ids[start : start + MANY_CHUNK], start):
                        args += (prefix + str(n), str(node_id))
                    await self._publish_many_once(keys=[f"{keys[0]}:{start}", *keys[1:]], args=args, client=pipe)
                calls.append(len(chunks))
            replies = iter(await pipe.execute())
        ids = [[next(replies) for _ in range(n)][-1] for n in calls]
        return [i.decode() if isinstance(i, bytes) else str(i) for i in ids]

    async def read(self, after: str | None, count: int, types: Collection[str] | None = None) -> list[ChangeEvent]:
        """Up to `count` events after the cursor, oldest first. With `types`, reads `count` entries at
        most from each type's stream (one round trip) and merges them by entry id: the work is
        bounded by `count`, however rare the types are in the whole stream."""
        start = f"({after}" if after else "-"
        if types is None:
            entries = await self.redis.xrange(STREAM, min=start, max="+", count=count)
        else:
            async with self.redis.pipeline(transaction=False) as pipe:
                for type_ in sorted(types):
                    pipe.xrange(type_stream(type_), min=start, max="+", count=count)
                per_type = await pipe.execute()
            entries = heapq.merge(*per_type, key=lambda entry: _order(entry[0]))
        return [self._decode(entry_id, data) for entry_id, data in list(entries)[:count]]

    @staticmethod
    def _decode(entry_id: Any, data: dict[Any, Any]) -> ChangeEvent:
        plain = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in data.items()
        }
        return ChangeEvent.from_entry(entry_id.decode() if isinstance(entry_id, bytes) else entry_id, plain)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[ChangeEvent]]:
        queue: asyncio.Queue[ChangeEvent] = asyncio.Queue(maxsize=10_000)
        async with self._starting:  # two subscribers arriving together must not start two readers
            if self._reader is None or self._reader.done():
                # Start from the newest entry now, so nothing published after subscribing is missed.
                newest = await self.redis.xrevrange(STREAM, count=1)
                self._last = newest[0][0].decode() if newest else "0-0"
                self._subscribers.add(queue)
                self._reader = asyncio.create_task(self._tail())
            else:
                self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    async def _tail(self) -> None:
        last = self._last
        while self._subscribers:
            try:
                batches = await self.redis.xread({STREAM: last}, block=1000, count=500)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: retry, subscribers keep waiting
                log.warning("change stream read failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            for _, entries in batches or []:
                for entry_id, data in entries:
                    event = self._decode(entry_id, data)
                    last = event.event_id
                    for queue in list(self._subscribers):
                        if queue.full():
                            continue
                        queue.put_nowait(event)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        await self.redis.aclose()
