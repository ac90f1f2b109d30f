"""Soak run: mixed reads and writes at a fixed concurrency, then an audit of every acknowledged write.

    .venv/bin/python bench/soak.py [--seconds 60] [--concurrency 20] [--redis-outage 6]

Without NEO4J_URI / REDIS_URL it starts a throw-away Neo4j (127.0.0.1:7721) and Redis (6421) of its
own under .data/soak-*, and stops them afterwards. A real uvicorn process serves the API.

Each client loops over a mix of operations (create company, create person in a company, log an
activity about a person, update a company, read a companies page, read a person) until the time is
up. Every write the API acknowledged is remembered. Afterwards the script checks, with the API's own
feed and raw Cypher, that

* every acknowledged create is in Neo4j (lost writes),
* every acknowledged write has its change event in `changes` (lost events), and no event id twice.

With `--redis-outage N` Redis is shut down for N seconds in the middle of the run (then restarted on
its data), which is exactly when the transactional outbox has to keep the events.

Prints throughput, p50/p99 per operation and the audit; writes bench/results/soak.md. Exit code 0
only when nothing was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from neo4j import AsyncGraphDatabase, RoutingControl  # noqa: E402

from bench.run import free_port, start_server, stop_server, wait_ready  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SOAK_NEO4J = "127.0.0.1:7721"
SOAK_REDIS_PORT = 6421
EMAIL = "soak-admin@soak.crm"
PASSWORD = "soak-admin-password"

CREATE_COMPANY = "mutation($n: String!) { createCompany(input: {name: $n}) { id } }"
CREATE_PERSON = "mutation($l: String!, $c: ID) { createPerson(input: {lastName: $l, companyId: $c}) { id } }"
LOG_ACTIVITY = (
    "mutation($s: String!, $p: [ID!]) { logActivity(input: {type: CALL, subject: $s, personIds: $p}) { id } }"
)
UPDATE_COMPANY = "mutation($id: ID!, $i: String) { updateCompany(id: $id, input: {industry: $i}) { id } }"
COMPANIES = "{ companies(first: 20) { edges { node { id name units { id } owner { id } } } } }"
PERSON = "query($id: ID!) { person(id: $id) { id fullName company { id name } } }"
CHANGES = """query($after: String) { changes(after: $after, first: 1000) {
  edges { cursor node { eventId type nodeId op } } pageInfo { hasNextPage endCursor } } }"""


class Soak:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.created: dict[str, str] = {}  # node id -> type
        self.updated: list[str] = []
        self.companies: list[str] = []
        self.persons: list[str] = []

    async def call(self, client: httpx.AsyncClient, op: str, query: str, variables: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self.errors[f"{op}: {type(exc).__name__}"] += 1
            return None
        self.latencies[op].append((time.perf_counter() - started) * 1000)
        if body.get("errors"):
            code = body["errors"][0].get("extensions", {}).get("code", "?")
            self.errors[f"{op}: {code}"] += 1
            return None
        return body["data"]

    async def client_loop(self, deadline: float, seed: int) -> None:
        rnd = random.Random(seed)
        headers = {"authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=self.base, headers=headers, timeout=30) as client:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                roll = rnd.random()
                if roll < 0.15 or not self.companies:
                    data = await self.call(client, "createCompany", CREATE_COMPANY, {"n": f"Soak {seed}-{n}"})
                    if data:
                        cid = data["createCompany"]["id"]
                        self.created[cid] = "COMPANY"
                        self.companies.append(cid)
                elif roll < 0.30 or not self.persons:
                    company = rnd.choice(self.companies)
                    data = await self.call(client, "createPerson", CREATE_PERSON, {"l": f"P{seed}-{n}", "c": company})
                    if data:
                        pid = data["createPerson"]["id"]
                        self.created[pid] = "PERSON"
                        self.persons.append(pid)
                elif roll < 0.45:
                    person = rnd.choice(self.persons)
                    data = await self.call(client, "logActivity", LOG_ACTIVITY, {"s": f"call {n}", "p": [person]})
                    if data:
                        self.created[data["logActivity"]["id"]] = "ACTIVITY"
                elif roll < 0.55:
                    company = rnd.choice(self.companies)
                    data = await self.call(client, "updateCompany", UPDATE_COMPANY, {"id": company, "i": f"i{n}"})
                    if data:
                        self.updated.append(company)
                elif roll < 0.80:
                    await self.call(client, "companies", COMPANIES, {})
                else:
                    await self.call(client, "person", PERSON, {"id": rnd.choice(self.persons)})


async def login(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                "variables": {"e": EMAIL, "p": PASSWORD},
            },
        )
        return str(response.json()["data"]["login"]["token"])


async def ensure_admin() -> None:
    from config.settings import get_settings
    from domain.deps import Deps
    from domain.seed import add_user
    from graph.migrations import migrate

    deps = Deps.connect(get_settings())
    try:
        await migrate(deps.db)
        rows = await deps.db.read("MATCH (u:User {email: $e}) RETURN u.id AS id", {"e": EMAIL})
        if not rows:
            await add_user(deps, EMAIL, "Soak Admin", "ADMIN", PASSWORD)
    finally:
        await deps.close()


async def read_feed(base: str, token: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after: str | None = None
    async with httpx.AsyncClient(base_url=base, headers={"authorization": f"Bearer {token}"}, timeout=60) as client:
        while True:
            response = await client.post("/graphql", json={"query": CHANGES, "variables": {"after": after}})
            page = response.json()["data"]["changes"]
            events.extend(edge["node"] for edge in page["edges"])
            if not page["pageInfo"]["hasNextPage"] or not page["edges"]:
                return events
            after = page["pageInfo"]["endCursor"]


async def count_in_neo4j(ids: list[str]) -> int:
    from config.settings import get_settings

    settings = get_settings()
    driver = AsyncGraphDatabase.driver(settings.neo4j_uri, auth=settings.neo4j_auth)
    try:
        records, _, _ = await driver.execute_query(
            "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN count(n) AS n",
            {"ids": ids},
            database_=settings.neo4j_database,
            routing_=RoutingControl.READ,
        )
        return int(records[0]["n"])
    finally:
        await driver.close()


def redis_env() -> dict[str, str]:
    return {**os.environ, "REDIS_PORT": str(SOAK_REDIS_PORT), "REDIS_DIR": ".data/soak-redis"}


def neo4j_env() -> dict[str, str]:
    return {**os.environ, "NEO4J_HOME_DIR": ".data/soak-neo4j", "NEO4J_BOLT": SOAK_NEO4J}


async def redis_outage(after: float, seconds: float) -> None:
    await asyncio.sleep(after)
    print(f"redis outage: stopping Redis for {seconds:.0f} s")
    subprocess.run(["redis-cli", "-p", str(SOAK_REDIS_PORT), "shutdown"], cwd=ROOT, capture_output=True, check=False)
    await asyncio.sleep(seconds)
    subprocess.run(["scripts/redis.sh", "start"], cwd=ROOT, env=redis_env(), check=True, capture_output=True)
    print("redis outage: Redis is back")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def soak(args: argparse.Namespace) -> int:
    await ensure_admin()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    RESULTS.mkdir(exist_ok=True)
    proc = start_server(port, RESULTS / "soak-uvicorn.log")
    try:
        await wait_ready(base, proc)
        token = await login(base)
        run = Soak(base, token)
        started = time.monotonic()
        deadline = started + args.seconds
        tasks = [run.client_loop(deadline, seed) for seed in range(args.concurrency)]
        if args.redis_outage and args.own_redis:
            tasks.append(redis_outage(args.seconds / 3, args.redis_outage))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        await asyncio.sleep(args.settle)  # the relay delivers what the outage held back
        events = await read_feed(base, token)
    finally:
        stop_server(proc)

    requests = sum(len(v) for v in run.latencies.values())
    created_ids = list(run.created)
    stored = await count_in_neo4j(created_ids)
    event_ids = Counter(e["eventId"] for e in events)
    created_events = {e["nodeId"] for e in events if e["op"] == "CREATED"}
    updated_events = Counter(e["nodeId"] for e in events if e["op"] == "UPDATED")
    lost_writes = len(created_ids) - stored
    lost_events = [i for i in created_ids if i not in created_events]
    expected_updates = Counter(run.updated)
    lost_updates = sum(max(0, n - updated_events[i]) for i, n in expected_updates.items())
    duplicate_ids = sum(1 for n in event_ids.values() if n > 1)

    lines = [
        f"# Soak: {args.seconds:.0f} s, concurrency {args.concurrency}, redis outage {args.redis_outage or 0} s",
        "",
        f"requests: {requests} in {elapsed:.1f} s = {requests / elapsed:.1f} req/s; errors: {dict(run.errors) or 0}",
        "",
        "| operation | count | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for op, values in sorted(run.latencies.items()):
        lines.append(f"| {op} | {len(values)} | {pct(values, 0.5):.1f} | {pct(values, 0.99):.1f} |")
    lines += [
        "",
        f"acknowledged creates: {len(created_ids)}; in Neo4j: {stored}; lost writes: {lost_writes}",
        f"acknowledged creates without a CREATED event: {len(lost_events)}",
        f"acknowledged updates: {len(run.updated)}; without an UPDATED event: {lost_updates}",
        f"events in the feed: {len(events)}; event ids seen twice: {duplicate_ids}",
    ]
    ok = lost_writes == 0 and not lost_events and lost_updates == 0 and duplicate_ids == 0
    lines.append(f"verdict: {'PASS' if ok else 'FAIL'}")
    report = "\n".join(lines)
    print(report)
    (RESULTS / "soak.md").write_text(report + "\n")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--redis-outage", type=float, default=0.0, help="stop Redis this long mid-run (own Redis)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait for the relay before the audit")
    args = parser.parse_args()
    own_neo4j = "NEO4J_URI" not in os.environ
    args.own_redis = "REDIS_URL" not in os.environ
    if own_neo4j:
        subprocess.run(["rm", "-rf", ".data/soak-neo4j"], cwd=ROOT, check=True)
        subprocess.run(["scripts/neo4j.sh", "start"], cwd=ROOT, env=neo4j_env(), check=True)
        os.environ["NEO4J_URI"] = f"bolt://{SOAK_NEO4J}"
    if args.own_redis:
        subprocess.run(["rm", "-rf", ".data/soak-redis"], cwd=ROOT, check=True)
        subprocess.run(["scripts/redis.sh", "start"], cwd=ROOT, env=redis_env(), check=True)
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{SOAK_REDIS_PORT}/0"
    os.environ.setdefault("CRM_SECRET", "soak-secret-not-for-production-0123456789")
    try:
        return asyncio.run(soak(args))
    finally:
        if own_neo4j:
            subprocess.run(["scripts/neo4j.sh", "stop"], cwd=ROOT, env=neo4j_env(), check=False)
        if args.own_redis:
            subprocess.run(["scripts/redis.sh", "stop"], cwd=ROOT, env=redis_env(), check=False)


if __name__ == "__main__":
    sys.exit(main())
