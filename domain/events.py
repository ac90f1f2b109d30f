"""Change events: every create/update/delete is appended to a Redis stream.

A stream rather than plain pub/sub: each API process tails it (so a subscriber on
any process sees every event), and the retained entries are the `changes` feed
integrations use to catch up after a disconnect (the entry id is the cursor).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

STREAM = "crm:changes"
log = logging.getLogger("crm.events")


@dataclass(frozen=True)
class ChangeEvent:
    event_id: str
    type: str
    node_id: str
    op: str
    at: datetime
    fields: tuple[str, ...] = ()
    actor_id: str | None = None
    extra: dict[str, str] = dataclass_field(default_factory=dict)

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
        )


class EventBus:
    def __init__(self, redis: Redis, retention: int = 1_000_000) -> None:
        self.redis: Any = redis  # redis-py stubs type stream replies loosely
        self.retention = retention
        self._subscribers: set[asyncio.Queue[ChangeEvent]] = set()
        self._reader: asyncio.Task[None] | None = None
        self._last = "$"
        self._starting = asyncio.Lock()

    async def publish(
        self,
        type_: str,
        node_id: str,
        op: str,
        fields: Iterable[str] = (),
        actor_id: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> str:
        entry: dict[str, Any] = {
            "type": type_,
            "nodeId": node_id,
            "op": op,
            "at": datetime.now(UTC).isoformat(),
            "fields": json.dumps(sorted(set(fields))),
            "actorId": actor_id or "",
        }
        if extra:
            entry["extra"] = json.dumps(extra)
        try:
            entry_id = await self.redis.xadd(STREAM, entry, maxlen=self.retention, approximate=True)
        except Exception:  # the write is committed; losing its event must not fail the request
            log.exception("could not publish change event", extra={"nodeId": node_id})
            return ""
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def publish_many(
        self, type_: str, changes: Iterable[tuple[str, str, Iterable[str]]], actor_id: str | None
    ) -> None:
        """Many events in one pipelined round trip to Redis: (nodeId, op, fields) each."""
        now = datetime.now(UTC).isoformat()
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for node_id, op, fields in changes:
                    entry = {
                        "type": type_,
                        "nodeId": node_id,
                        "op": op,
                        "at": now,
                        "fields": json.dumps(sorted(set(fields))),
                        "actorId": actor_id or "",
                    }
                    pipe.xadd(STREAM, entry, maxlen=self.retention, approximate=True)
                await pipe.execute()
        except Exception:  # the writes are committed; losing their events must not fail the request
            log.exception("could not publish change events")

    async def read(self, after: str | None, count: int) -> list[ChangeEvent]:
        start = f"({after}" if after else "-"
        entries = await self.redis.xrange(STREAM, min=start, max="+", count=count)
        return [self._decode(entry_id, data) for entry_id, data in entries]

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
