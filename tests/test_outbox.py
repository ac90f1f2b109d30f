"""Change events are part of the write: recorded in its transaction (outbox), relayed at least once
to the stream and appended once per event id; `changes(types)` reads only the streams of its types."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlparse

import pytest
import redis
from redis.asyncio import Redis

from config.settings import Settings
from domain import companies, upserts
from domain.auth import Principal, Role
from domain.deps import Deps
from domain.events import MANY_CHUNK, STREAM, EventBus, emit_many, type_stream
from domain.seed import add_user
from graph.db import Tx
from tests.conftest import PASSWORD, Gql, data
from tests.servers import free_port

CREATE = "mutation($n: String!) { createCompany(input: {name: $n}) { id } }"
FEED = """query($after: String, $types: [EntityType!]) {
  changes(after: $after, first: 1000, types: $types) {
    edges { cursor node { nodeId op idempotencyKey } } pageInfo { hasNextPage endCursor } } }"""


def _redis_answers(port: str) -> bool:
    ping = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", port, "ping"], capture_output=True, check=False)
    return ping.stdout.strip() == b"PONG"


@pytest.fixture
async def restartable_redis(deps: Deps) -> AsyncIterator[Callable[[str], None]]:
    """Stops and starts the test Redis (a local redis-server with an append-only file, as
    scripts/redis.sh starts it) on the same port and directory, so its data survives."""
    url = urlparse(deps.settings.redis_url)
    if url.hostname not in ("127.0.0.1", "localhost") or shutil.which("redis-server") is None:
        pytest.skip("the test Redis is not a local redis-server")
    port = str(url.port or 6379)
    config: dict[str, str] = {**await deps.bus.redis.config_get("dir"), **await deps.bus.redis.config_get("appendonly")}
    config = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in config.items()
    }
    if config["appendonly"] != "yes":
        pytest.skip("the test Redis keeps no append-only file")
    directory = config["dir"]
    server = ["redis-server", "--port", port, "--bind", "127.0.0.1", "--daemonize", "yes", "--dir", directory]
    server += ["--pidfile", f"{directory}/redis.pid", "--logfile", f"{directory}/redis.log"]
    server += ["--save", "", "--appendonly", "yes"]

    def control(action: str) -> None:
        if action == "stop":
            subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", port, "shutdown", "nosave"], check=False)
            return
        subprocess.run(server, check=True)
        for _ in range(50):
            if _redis_answers(port):
                return
            time.sleep(0.1)
        raise RuntimeError("the test Redis did not come back")

    try:
        yield control
    finally:
        if not _redis_answers(port):
            control("start")
        # The next tests should not meet the connections the restart closed.
        await deps.redis.connection_pool.disconnect()
        await deps.bus.redis.connection_pool.disconnect()


@pytest.fixture
async def unreachable(deps: Deps) -> AsyncIterator[Deps]:
    """The same Neo4j, but a Redis nobody listens on: every publish after commit fails, as when the
    process dies between its commit and its publish."""
    broken = Deps.connect(Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    try:
        yield broken
    finally:
        await broken.close()


async def _admin(deps: Deps) -> Principal:
    user = await add_user(deps, "outbox@crm.test", "Outbox", "ADMIN", PASSWORD)
    return Principal(user=user, role=Role.ADMIN)


async def _feed(gql: Gql, token: str, types: list[str] | None = None) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = data(await gql(FEED, {"after": after, "types": types}, token))["changes"]
        nodes.extend(edge["node"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def _stream(deps: Deps, key: str = STREAM) -> list[tuple[str, dict[str, str]]]:
    entries = await deps.bus.redis.xrange(key)
    return [(i.decode(), {k.decode(): v.decode() for k, v in fields.items()}) for i, fields in entries]


def _event(i: int, type_: str, node_id: str) -> dict[str, Any]:
    """An outbox row as a write transaction records it."""
    return {
        "id": f"evt-{i}",
        "seq": 0,
        "type": type_,
        "nodeId": node_id,
        "op": "CREATED",
        "at": time.time_ns() // 1000,
        "fields": ["name"],
        "actorId": None,
        "extra": None,
    }


async def test_a_redis_outage_loses_no_acknowledged_write(
    deps: Deps, gql: Gql, admin_token: str, restartable_redis: Callable[[str], None]
) -> None:
    acknowledged: list[str] = []

    async def create(count: int, prefix: str) -> None:
        for i in range(count):
            result = await gql(CREATE, {"n": f"{prefix} {i}"}, admin_token)
            acknowledged.append(data(result)["createCompany"]["id"])

    # given creates before, during and after six seconds without Redis
    await create(10, "before")
    restartable_redis("stop")
    down_until = time.monotonic() + 6
    while time.monotonic() < down_until:
        await create(5, "during")
    during = len(acknowledged) - 10
    restartable_redis("start")
    await create(10, "after")
    # when the relay loop of the API has run (the outbox empties)
    for _ in range(100):
        if await deps.outbox.pending() == 0:
            break
        await asyncio.sleep(0.2)
    # then every acknowledged create has exactly one event, in the feed and in its type's feed
    assert during >= 10
    feed = await _feed(gql, admin_token)
    assert sorted(n["nodeId"] for n in feed) == sorted(acknowledged)
    assert {n["op"] for n in feed} == {"CREATED"}
    assert len({n["idempotencyKey"] for n in feed}) == len(acknowledged)
    assert await _feed(gql, admin_token, ["COMPANY"]) == feed
    assert await deps.outbox.pending() == 0


async def test_a_write_whose_publish_failed_is_relayed_once(
    deps: Deps, unreachable: Deps, gql: Gql, admin_token: str
) -> None:
    # given a committed create whose event could not be published (Redis unreachable for the writer)
    who = await _admin(deps)
    company_id = await companies.create(unreachable, who, {"name": "Lost in transit"})
    assert await deps.outbox.pending() == 1
    assert await _stream(deps) == []
    # when relays run (twice: a retry must not duplicate it)
    assert await deps.outbox.relay(grace=0) == 1
    assert await deps.outbox.relay(grace=0) == 0
    # then the event is in the stream once, its outbox node gone
    feed = await _feed(gql, admin_token)
    assert [(n["nodeId"], n["op"]) for n in feed] == [(company_id, "CREATED")]
    entries = await _stream(deps)
    assert [e["key"] for _, e in entries] == [feed[0]["idempotencyKey"]]
    assert await deps.outbox.pending() == 0


async def test_an_event_published_twice_is_appended_once(deps: Deps) -> None:
    # given an event appended once
    event = _event(1, "COMPANY", "c1")
    first = await deps.bus.publish([event])
    # when it is published again (a relay after the fast path, a retry)
    again = await deps.bus.publish([event, _event(2, "COMPANY", "c2")])
    # then the second publish returns the first entry id and appends only the new event
    assert again[0] == first[0]
    assert [(i, e["nodeId"]) for i, e in await _stream(deps)] == [(first[0], "c1"), (again[1], "c2")]
    assert [i for i, _ in await _stream(deps, type_stream("COMPANY"))] == [first[0], again[1]]


async def test_two_relays_at_once_deliver_each_event_once_in_order(deps: Deps, unreachable: Deps) -> None:
    # given 300 upserted companies whose events are still in the outbox
    who = await _admin(deps)
    rows = [{"externalId": {"system": "erp", "value": f"c{i}"}, "name": f"Company {i}"} for i in range(300)]
    results = await upserts.companies(unreachable, who, rows)
    assert await deps.outbox.pending() == 300
    # when two relays of two processes run together
    other = Deps.connect(deps.settings)
    try:
        await asyncio.gather(deps.outbox.relay(grace=0), other.outbox.relay(grace=0))
    finally:
        await other.close()
    # then each event is in the stream once, in the order of the transaction
    entries = await _stream(deps)
    assert [e["nodeId"] for _, e in entries] == [r["id"] for r in results]
    assert len({e["key"] for _, e in entries}) == 300
    assert await deps.outbox.pending() == 0


async def test_a_failed_write_records_no_event(deps: Deps, gql: Gql, admin_token: str) -> None:
    result = await gql(
        'mutation { createUnit(input: {name: "U", companyId: "Company:missing"}) { id } }', token=admin_token
    )
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await deps.outbox.pending() == 0
    assert await _stream(deps) == []


async def test_the_writer_publishes_at_once_and_clears_its_outbox(deps: Deps, gql: Gql, admin_token: str) -> None:
    # when a company is created
    company_id = data(await gql(CREATE, {"n": "Fast"}, admin_token))["createCompany"]["id"]
    # then its event is in the stream when the mutation returns, and its outbox node goes soon after
    assert [e["nodeId"] for _, e in await _stream(deps)] == [company_id]
    for _ in range(50):
        if await deps.outbox.pending() == 0:
            break
        await asyncio.sleep(0.1)
    assert await deps.outbox.pending() == 0


async def test_a_batch_event_is_relayed_as_one_entry_per_node_once(deps: Deps, unreachable: Deps) -> None:
    # given one recorded batch event for more nodes than one publish chunk, and one plain event after it,
    # whose publish failed (as an import's batch records them)
    ids = [f"per_{i:05d}" for i in range(MANY_CHUNK + 5)]

    async def work(tx: Tx) -> None:
        emit_many(tx, "PERSON", ids, "CREATED", ["lastName", "email"], "usr_1")

    await unreachable.db.transaction(work)
    assert await deps.outbox.pending() == 1
    # when relays run (twice: a retry must not duplicate it)
    assert await deps.outbox.relay(grace=0) == 1
    assert await deps.outbox.relay(grace=0) == 0
    # then the stream holds one entry per node, in order, with distinct keys, and the type stream the same
    entries = await _stream(deps)
    assert [e["nodeId"] for _, e in entries] == ids
    assert {(e["type"], e["op"], e["fields"], e["actorId"]) for _, e in entries} == {
        ("PERSON", "CREATED", '["email", "lastName"]', "usr_1")
    }
    assert len({e["key"] for _, e in entries}) == len(ids)
    assert [i for i, _ in await _stream(deps, type_stream("PERSON"))] == [i for i, _ in entries]
    assert await deps.outbox.pending() == 0


async def test_a_batch_event_published_twice_is_appended_once(deps: Deps) -> None:
    # given a batch event appended once
    event = {**_event(1, "PERSON", ""), "nodeIds": ["p1", "p2", "p3"]}
    first = await deps.bus.publish([event])
    # when it is published again with a plain event after it
    again = await deps.bus.publish([event, _event(2, "COMPANY", "c1")])
    # then the batch is not appended again (its last entry id comes back), the plain event is
    assert again[0] == first[0]
    assert [e["nodeId"] for _, e in await _stream(deps)] == ["p1", "p2", "p3", "c1"]
    assert [e["key"] for _, e in await _stream(deps)][:3] == ["evt-1-0", "evt-1-1", "evt-1-2"]


async def _xrange_calls(deps: Deps) -> int:
    stats = await deps.bus.redis.info("commandstats")
    return int(stats.get("cmdstat_xrange", {}).get("calls", 0))


async def test_changes_of_rare_types_read_only_their_streams(deps: Deps, gql: Gql, admin_token: str) -> None:
    # given 12,000 company events with three units and one lead among them
    rare = {3_000: ("UNIT", "u1"), 6_000: ("LEAD", "l1"), 9_000: ("UNIT", "u2"), 11_999: ("UNIT", "u3")}
    events = [_event(i, *rare.get(i, ("COMPANY", f"c{i}"))) for i in range(12_000)]
    for start in range(0, len(events), 2_000):
        await deps.bus.publish(events[start : start + 2_000])
    query = """query($after: String, $types: [EntityType!]) { changes(after: $after, first: 2, types: $types) {
      edges { cursor node { nodeId type } } pageInfo { hasNextPage endCursor } } }"""
    calls = await _xrange_calls(deps)
    # when the units are paged two at a time, and units with leads
    first = data(await gql(query, {"types": ["UNIT"]}, admin_token))["changes"]
    after = first["pageInfo"]["endCursor"]
    second = data(await gql(query, {"after": after, "types": ["UNIT"]}, admin_token))["changes"]
    mixed = data(await gql(query, {"types": ["UNIT", "LEAD"]}, admin_token))["changes"]
    # then each page is one XRANGE per type (of first + 1 entries), never a scan of the stream
    assert await _xrange_calls(deps) - calls == 1 + 1 + 2
    assert [e["node"]["nodeId"] for e in first["edges"]] == ["u1", "u2"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["nodeId"] for e in second["edges"]] == ["u3"]
    assert second["pageInfo"]["hasNextPage"] is False
    assert [(e["node"]["nodeId"], e["node"]["type"]) for e in mixed["edges"]] == [("u1", "UNIT"), ("l1", "LEAD")]
    # and the cursors are the entry ids of the whole stream
    entries = {e["nodeId"]: i for i, e in await _stream(deps) if e["type"] != "COMPANY"}
    assert [e["cursor"] for e in first["edges"]] == [entries["u1"], entries["u2"]]


async def test_type_streams_are_trimmed_with_the_stream(deps: Deps) -> None:
    # given a stream retaining about 200 entries and 1,000 events of two types
    bus = EventBus(Redis.from_url(deps.settings.redis_url), retention=200)
    try:
        await bus.publish([_event(i, "COMPANY" if i % 3 else "PERSON", f"n{i}") for i in range(1_000)])
    finally:
        await bus.close()
    # then each type's stream holds exactly the retained entries of its type
    main = await _stream(deps)
    assert 200 <= len(main) < 1_000
    for type_ in ("COMPANY", "PERSON"):
        expected = [i for i, e in main if e["type"] == type_]
        assert [i for i, _ in await _stream(deps, type_stream(type_))] == expected


def test_the_relay_task_runs_on_a_real_worker(deps: Deps, worker: None) -> None:
    from workers.app import app
    from workers.tasks import relay_outbox

    # given a committed create whose event waits in the outbox (a sync test: the API's relay loop is idle)
    async def lost_publish() -> str:
        broken = Deps.connect(Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
        try:
            user = await add_user(broken, "beat@crm.test", "Beat", "ADMIN", PASSWORD)
            return await companies.create(broken, Principal(user=user, role=Role.ADMIN), {"name": "Late"})
        finally:
            await broken.close()

    company_id = asyncio.run(lost_publish())
    time.sleep(2.1)  # the relay leaves the writer 2 s to publish its own events
    # when beat's relay task runs on a worker
    relayed = relay_outbox.delay().get(timeout=60)
    # then it published the event
    assert relayed == 1
    client = redis.Redis.from_url(deps.settings.redis_url)
    try:
        entries: Any = client.xrange(STREAM)
        assert [fields[b"nodeId"].decode() for _, fields in entries] == [company_id]
    finally:
        client.close()
    assert relay_outbox.name == "crm.outbox.relay"
    assert app.conf.beat_schedule["outbox-relay"]["task"] == "crm.outbox.relay"
