"""Driver lifecycle and the three ways to talk to Neo4j: read, write, and a write transaction.

Every call counts one round trip on the counter of the current request (a context
variable), so tests can pin how many round trips an operation costs.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from neo4j import READ_ACCESS, AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, RoutingControl
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError

from config.settings import Settings
from graph import outbox

T = TypeVar("T")
# Like the driver's managed transactions (max_transaction_retry_time): a read that meets an error the driver
# deems retryable is tried again after 50, 100, 200, ... (at most 1000) ms for up to 10 s.
READ_RETRY_SECONDS = 10.0
Row = dict[str, Any]


@dataclass
class RoundTrips:
    """Cypher round trips made while serving one request."""

    count: int = 0


_round_trips: ContextVar[RoundTrips | None] = ContextVar("cypher_round_trips", default=None)


def start_counting() -> RoundTrips:
    counter = RoundTrips()
    _round_trips.set(counter)
    return counter


def _count() -> None:
    counter = _round_trips.get()
    if counter is not None:
        counter.count += 1


class Tx:
    """A managed write transaction; each `run` is a round trip.

    `emit` records an outbox event: it is written by the same transaction (one statement after the
    unit of work), so an event exists exactly when its change was committed.
    """

    def __init__(self, tx: AsyncManagedTransaction, key: str) -> None:
        self._tx = tx
        self._key = key
        self.events: list[Row] = []

    def emit(self, event: Mapping[str, Any]) -> None:
        """Records an event; its id is the transaction's key (made before the first attempt, so a
        retry of the same unit of work records the same ids) and its place in the transaction."""
        seq = len(self.events)
        self.events.append({**event, "id": f"{self._key}-{seq}", "seq": seq})

    async def run(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        _count()
        result = await self._tx.run(query, dict(params or {}))
        keys = result.keys()
        return [dict(zip(keys, record, strict=True)) for record in await result.fetch(1_000_000)]


class Db:
    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self.driver = driver
        self.database = database
        # Told the outbox events of each committed transaction (the fast path to the change stream).
        self.after_commit: Callable[[list[Row]], Awaitable[None]] | None = None

    @classmethod
    def connect(cls, settings: Settings) -> Db:
        driver = AsyncGraphDatabase.driver(
            settings.neo4j_uri,
            auth=settings.neo4j_auth,
            max_connection_pool_size=100,
            connection_acquisition_timeout=10.0,
            connection_timeout=5.0,
            max_transaction_retry_time=10.0,
            notifications_min_severity="OFF",
        )
        return cls(driver, settings.neo4j_database)

    async def close(self) -> None:
        await self.driver.close()

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """One read statement in an auto-commit transaction: RUN and PULL in one round trip, where a managed
        transaction adds BEGIN and COMMIT (about 0.9 ms a read on loopback, bench/README). It joins the
        bookmarks of `execute_query`, so it sees every write committed before it (a cluster's readers
        too), and is retried like a managed read on the errors the driver retries."""
        _count()
        deadline = time.monotonic() + READ_RETRY_SECONDS
        attempt = 0
        while True:
            try:
                async with self.driver.session(
                    database=self.database,
                    default_access_mode=READ_ACCESS,
                    bookmark_manager=self.driver.execute_query_bookmark_manager,
                ) as session:
                    result = await session.run(query, dict(params or {}))
                    keys = result.keys()
                    # Records are tuples; pairing them with the keys skips the driver's recursive data() copy.
                    return [dict(zip(keys, values, strict=True)) for values in await result.values()]
            except (ServiceUnavailable, SessionExpired, TransientError) as exc:
                pause = min(1.0, 0.05 * 2**attempt)
                retryable = not isinstance(exc, TransientError) or exc.is_retryable()
                if not retryable or time.monotonic() + pause > deadline:
                    raise
                attempt += 1
                await asyncio.sleep(pause)

    async def read_one(self, query: str, params: Mapping[str, Any] | None = None) -> Row | None:
        rows = await self.read(query, params)
        return rows[0] if rows else None

    async def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        _count()
        records, _, keys = await self.driver.execute_query(
            query,
            dict(params or {}),
            database_=self.database,
            routing_=RoutingControl.WRITE,
        )
        # Records are tuples; pairing them with the keys skips the driver's recursive data() copy.
        return [dict(zip(keys, record, strict=True)) for record in records]

    async def autocommit(self, query: str, params: Mapping[str, Any] | None = None) -> None:
        """For `CALL { ... } IN TRANSACTIONS`, which needs an implicit transaction."""
        _count()
        async with self.driver.session(database=self.database) as session:
            result = await session.run(query, dict(params or {}))
            await result.consume()

    async def transaction(
        self,
        work: Callable[[Tx], Awaitable[T]],
        after_commit: Callable[[list[Row]], Awaitable[None]] | None = None,
    ) -> T:
        """Runs `work` in one write transaction; an exception it raises rolls everything back.

        The driver retries transient failures, so `work` must be idempotent. The events `work`
        emits are written at its end, in the same transaction, and handed to `after_commit`
        (this call's, else the Db's).
        """
        key = uuid.uuid4().hex
        committed: list[Row] = []

        async def unit(tx: AsyncManagedTransaction) -> T:
            scope = Tx(tx, key)
            result = await work(scope)
            if scope.events:
                await scope.run(outbox.RECORD, {"events": scope.events})
            committed[:] = scope.events  # the attempt that commits is the last one
            return result

        async with self.driver.session(database=self.database) as session:
            result = await session.execute_write(unit)
        publish = after_commit or self.after_commit
        if committed and publish is not None:
            await publish(committed)
        return result

    async def ping(self) -> bool:
        try:
            await self.driver.execute_query(
                "RETURN 1",
                database_=self.database,
                routing_=RoutingControl.READ,
            )
        except Exception:  # noqa: BLE001 - any failure means not ready
            return False
        return True


def current_round_trips() -> int | None:
    counter = _round_trips.get()
    return counter.count if counter is not None else None
