"""Relays the change events recorded by write transactions (the outbox) to the change stream.

Two paths, both at least once, deduplicated by event id in Redis (domain/events.py):
* fast: right after a commit, the process that wrote publishes the transaction's events, then
  deletes their outbox nodes in the background;
* relay: every API process (and the `crm.outbox.relay` beat task) publishes, oldest first, the events
  still in the outbox a few seconds after they were recorded - Redis was down, or the process died
  between commit and publish - then deletes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time

from domain.events import EventBus
from graph import outbox as q
from graph.db import Db, Row

log = logging.getLogger("crm.outbox")

GRACE_SECONDS = 2.0  # the writer publishes its own events at once; the relay takes what is older
BATCH = 500


class Outbox:
    def __init__(self, db: Db, bus: EventBus) -> None:
        self.db = db
        self.bus = bus
        self._published: list[str] = []
        self._cleanup: asyncio.Task[None] | None = None

    async def committed(self, events: list[Row]) -> None:
        """The fast path (`Db.after_commit`): never fails the write, whose events are safe in the outbox."""
        try:
            await self.bus.publish(events)
        except Exception as exc:  # noqa: BLE001 - Redis away: the relay publishes them later
            log.warning("change events wait in the outbox: %s", exc)
            return
        self._published.extend(str(e["id"]) for e in events)
        if self._cleanup is None or self._cleanup.done():
            # A context of its own: the deletes are not a round trip of the request that wrote.
            self._cleanup = asyncio.create_task(self._delete_published(), context=contextvars.Context())

    async def _delete_published(self) -> None:
        await asyncio.sleep(0.05)  # gather the events of concurrent writes into one statement
        while self._published:
            ids, self._published = self._published[:BATCH], self._published[BATCH:]
            try:
                await self.db.write(q.DELETE, {"ids": ids})
            except Exception as exc:  # noqa: BLE001 - the relay deletes them (dedupe keeps them single)
                log.warning("published outbox events not deleted: %s", exc)

    async def relay(self, grace: float = GRACE_SECONDS) -> int:
        """Publishes the events recorded more than `grace` seconds ago and still in the outbox,
        oldest first, and deletes them; returns how many. Safe beside other relays."""
        before = time.time_ns() // 1000 - int(grace * 1_000_000)
        relayed = 0
        while True:
            rows = await self.db.read(q.PENDING, {"before": before, "limit": BATCH})
            events = [row["event"] for row in rows]
            if not events:
                return relayed
            await self.bus.publish(events)
            await self.db.write(q.DELETE, {"ids": [e["id"] for e in events]})
            relayed += len(events)
            if len(events) < BATCH:
                return relayed

    async def run(self, interval: float) -> None:
        """The relay loop of an API process."""
        while True:
            await asyncio.sleep(interval)
            try:
                if relayed := await self.relay():
                    log.info("relayed change events from the outbox", extra={"events": relayed})
            except Exception as exc:  # noqa: BLE001 - Neo4j or Redis away: try again next round
                log.warning("outbox relay failed; retrying: %s", exc)

    async def pending(self) -> int:
        row = await self.db.read_one(q.COUNT)
        return int(row["pending"]) if row else 0

    async def close(self) -> None:
        if self._cleanup is not None:
            with contextlib.suppress(Exception):
                await self._cleanup
