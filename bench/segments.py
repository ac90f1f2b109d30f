"""Segments benchmark: segmentSize of a three-condition rule (city, tag, purchased within 90 days) and
members(first: 50) of the same rule saved as a segment, over real HTTP (one uvicorn process), each
against the same Cypher sent raw through the driver.

    NEO4J_URI=bolt://127.0.0.1:7699 REDIS_URL=redis://127.0.0.1:6392/0 .venv/bin/python bench/segments.py --seed

--persons (default 1,000,000) persons with a city (50), 0-3 tags (of 20) and, for 60% of them, 1-3 orders
of 1-2 products over the last two years, with the person's exact aggregates (orderCount,
totalSpentCents, lastOrderAt) as the b2c model keeps them. Seeding is idempotent (deterministic ids;
an existing last person skips it). Targets: segmentSize p50 <= 1.0 s, members(first: 50) p50 <= 100 ms.
Use services of your own: tests wipe the databases they use.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    RESULTS,
    Case,
    Client,
    Raw,
    ensure_admin,
    fmt,
    free_port,
    measure,
    start_server,
    stop_server,
    wait_ready,
)
from config.settings import get_settings  # noqa: E402
from domain import segments  # noqa: E402
from domain.deps import Deps  # noqa: E402
from graph import segments as segment_q  # noqa: E402
from graph.migrations import migrate  # noqa: E402

CITIES = 50
TAGS = 20
PRODUCTS = 100
BATCH = 10_000
NOW = datetime.now(UTC)  # orders relative to the seeding day

SEED_PRODUCTS = "UNWIND $rows AS row MERGE (p:Product {sku: row.sku}) ON CREATE SET p.name = row.name"
SEED_PERSONS = """
UNWIND $rows AS row
CREATE (p:Person:Entity {id: row.id, firstName: row.first, lastName: row.last, fullName: row.first + ' ' + row.last,
  sortName: toLower(row.last + ' ' + row.first), email: row.email, emailLower: row.email, city: row.city,
  country: 'DE', tags: row.tags, source: 'bench', createdAt: datetime(row.created), updatedAt: datetime(row.created),
  orderCount: size(row.orders), totalSpentCents: reduce(s = 0, o IN row.orders | s + o.cents),
  lastOrderAt: CASE WHEN size(row.orders) = 0 THEN null ELSE datetime(row.orders[0].at) END})
WITH p, row
UNWIND row.orders AS o
CREATE (p)-[:PLACED]->(x:Order:Entity {id: o.id, number: o.id, placedAt: datetime(o.at), totalCents: o.cents,
  total: toString(o.cents / 100) + '.' + right('0' + toString(o.cents % 100), 2), currency: 'EUR',
  createdAt: datetime(o.at), updatedAt: datetime(o.at)})
WITH x, o
UNWIND o.skus AS sku
MATCH (prod:Product {sku: sku})
CREATE (x)-[:CONTAINS {quantity: 1, unitPrice: '10.00'}]->(prod)
"""

RULE: dict[str, Any] = {
    "all": [
        {"condition": {"field": "CITY", "op": "EQ", "value": "City07"}},
        {"condition": {"field": "TAGS", "op": "CONTAINS", "value": "tag03"}},
        {"purchased": {"withinDays": 90}},
    ]
}
SIZE = "query($r: SegmentRule!) { segmentSize(rule: $r) }"
MEMBERS = "query($id: ID!) { segment(id: $id) { members(first: 50) { edges { node { id fullName } } } } }"
RAW_MEMBERS = (
    "MATCH (p:Person) WHERE ({predicate}) AND ($afterId IS NULL OR p.id > $afterId) "
    "WITH p ORDER BY p.id LIMIT $limit RETURN p.id AS id, p.fullName AS fullName"
)


def person_id(i: int) -> str:
    return f"per_seg{i:08d}"


def rows(start: int, end: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i in range(start, end):
        orders = []
        if rng.random() < 0.6:
            ages = sorted(rng.uniform(0, 730) for _ in range(rng.randint(1, 3)))
            for n, age in enumerate(ages):  # newest first: orders[0] is the last order
                skus = sorted({f"SKU-{rng.randrange(PRODUCTS):03d}" for _ in range(rng.randint(1, 2))})
                at = (NOW - timedelta(days=age)).isoformat()
                orders.append({"id": f"ord_seg{i:08d}{n}", "at": at, "cents": rng.randint(500, 50000), "skus": skus})
        out.append(
            {
                "id": person_id(i),
                "first": f"F{i % 997}",
                "last": f"L{i}",
                "email": f"p{i}@example.com",
                "city": f"City{rng.randrange(CITIES):02d}",
                "tags": sorted({f"tag{rng.randrange(TAGS):02d}" for _ in range(rng.randint(0, 3))}),
                "created": (NOW - timedelta(days=rng.uniform(0, 1500))).isoformat(),
                "orders": orders,
            }
        )
    return out


async def seed(deps: Deps, persons: int) -> None:
    await migrate(deps.db)
    await ensure_admin(deps)
    if await deps.db.read_one("MATCH (p:Person {id: $id}) RETURN p.id AS id", {"id": person_id(persons - 1)}):
        print("segments bench data present", flush=True)
        return
    await deps.db.write(
        SEED_PRODUCTS, {"rows": [{"sku": f"SKU-{i:03d}", "name": f"Product {i}"} for i in range(PRODUCTS)]}
    )
    done = {
        row["id"] for row in await deps.db.read("MATCH (p:Person) WHERE p.id STARTS WITH 'per_seg' RETURN p.id AS id")
    }
    rng = random.Random(7)
    started = time.monotonic()
    for start in range(0, persons, BATCH):
        batch = [r for r in rows(start, min(persons, start + BATCH), rng) if r["id"] not in done]
        if batch:
            await deps.db.write(SEED_PERSONS, {"rows": batch})
        print(f"seeded {min(persons, start + BATCH)} persons ({time.monotonic() - started:.0f} s)", flush=True)


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    deps = Deps.connect(settings)
    try:
        if args.seed:
            await seed(deps, args.persons)
        else:
            await migrate(deps.db)
            await ensure_admin(deps)
        predicate, params = await segments.compile_rule(deps, RULE)
    finally:
        await deps.close()
    RESULTS.mkdir(exist_ok=True)
    port = args.port or free_port()
    proc = start_server(port, RESULTS / "uvicorn-segments.log")
    raw = Raw(settings)
    client = Client(f"http://127.0.0.1:{port}")
    try:
        await wait_ready(f"http://127.0.0.1:{port}", proc)
        await client.login()
        made = await client.call(
            'mutation($r: SegmentRule!) { createSegment(name: "bench: City07, tag03, bought in 90 days", rule: $r) { id size } }',
            {"r": RULE},
        )
        segment = made["data"]["createSegment"]
        size_case = Case("segmentSize (city, tag, purchased within 90 days)", "p50 <= 1000 ms")
        size_sql = segment_q.SIZE.replace("{predicate}", predicate)
        await measure(
            size_case,
            lambda: client.call(SIZE, {"r": RULE}),
            lambda: raw.read(size_sql, params),
            args.warmup,
            args.iterations,
        )
        size_case.ok = (size_case.p(0.5) or 0) <= 1000
        members_case = Case("segment.members(first: 50)", "p50 <= 100 ms")
        members_sql = RAW_MEMBERS.replace("{predicate}", predicate)
        await measure(
            members_case,
            lambda: client.call(MEMBERS, {"id": segment["id"]}),
            lambda: raw.read(members_sql, {**params, "afterId": None, "limit": 51}),
            args.warmup,
            args.iterations,
        )
        members_case.ok = (members_case.p(0.5) or 0) <= 100
        print(f"persons: {args.persons}, segment size: {segment['size']}")
        print("| case | target | p50 ms | p99 ms | raw p50 ms | ratio | round trips | ok |")
        print("|---|---|---|---|---|---|---|---|")
        for case in (size_case, members_case):
            print(
                f"| {case.name} | {case.target} | {fmt(case.p(0.5))} | {fmt(case.p(0.99))} | "
                f"{fmt(case.p(0.5, raw=True))} | {fmt(case.ratio)} | {sorted(case.round_trips)} | "
                f"{'yes' if case.ok else 'NO'} |"
            )
        await client.call("mutation($id: ID!) { deleteSegment(id: $id) }", {"id": segment["id"]})
        return 0 if size_case.ok and members_case.ok else 1
    finally:
        await client.close()
        await raw.close()
        stop_server(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", action="store_true", help="migrate and seed first (idempotent)")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("-n", "--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--port", type=int, default=0)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
