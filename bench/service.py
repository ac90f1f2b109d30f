"""Service-desk benchmark: ticketCandidates against its raw Cypher, 200 autoAssignTicket calls from
20 concurrent clients over tickets competing for 5 technicians (overlaps counted afterwards by
Cypher), callerLookup among many stored numbers. Over real HTTP (one uvicorn process).

    NEO4J_URI=bolt://127.0.0.1:7699 REDIS_URL=redis://127.0.0.1:6392/0 .venv/bin/python bench/service.py --seed

Scale options default to the issue's: --technicians 10000 --tickets 100000 --phones 1000000.
Seeding is idempotent (deterministic ids; an existing first technician skips it). Use services of
your own: tests wipe the databases they use.
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

import httpx  # noqa: E402

from bench.run import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    RESULTS,
    Case,
    ensure_admin,
    fmt,
    free_port,
    start_server,
    stop_server,
    timed,
    wait_ready,
)
from bench.wire import Wire  # noqa: E402
from config.settings import get_settings  # noqa: E402
from domain import matching  # noqa: E402
from domain.deps import Deps  # noqa: E402
from graph import matching as matching_q  # noqa: E402
from graph.migrations import migrate  # noqa: E402

MONDAY = datetime(2031, 1, 6, tzinfo=UTC)
SKILLS = 50
RACE_TECHS = 5
RACE_TICKETS = 200
BATCH = 10_000

SEED_SKILLS = """
UNWIND $rows AS row
MERGE (s:Skill {key: row.key}) ON CREATE SET s:Entity, s.id = row.id, s.name = row.name, s.createdAt = datetime()
"""
SEED_TECHS = """
UNWIND $rows AS row
MERGE (u:User {id: row.id})
ON CREATE SET u:Entity, u.email = row.email, u.name = row.name, u.role = 'TECHNICIAN', u.active = true,
  u.createdAt = datetime(), u.homeBase = point({latitude: row.lat, longitude: row.lon})
WITH u, row
CALL (u, row) {
  UNWIND row.skills AS sk
  MATCH (s:Skill {key: sk.key})
  MERGE (u)-[h:HAS_SKILL]->(s) SET h.level = sk.level
}
CALL (u, row) {
  WITH u, row WHERE NOT EXISTS { (u)-[:AVAILABLE]->(:Slot) }
  UNWIND row.slots AS sl
  CREATE (u)-[:AVAILABLE]->(:Slot {userId: u.id, start: datetime(sl[0]), end: datetime(sl[1])})
}
"""
SEED_TICKETS = """
UNWIND $rows AS row
MERGE (t:Ticket {id: row.id})
ON CREATE SET t:Entity, t.subject = row.subject, t.priority = 'NORMAL', t.priorityRank = 2, t.status = 'OPEN',
  t.estimatedMinutes = row.minutes, t.slaBreached = false, t.createdAt = datetime(), t.updatedAt = datetime(),
  t.site = point({latitude: row.lat, longitude: row.lon})
WITH t, row
UNWIND row.skills AS sk
MATCH (s:Skill {key: sk.key})
MERGE (t)-[r:REQUIRES]->(s) SET r.minLevel = sk.min
"""
SEED_PHONES = """
UNWIND $rows AS row
MERGE (p:Person {id: row.id})
ON CREATE SET p:Entity, p.lastName = row.name, p.fullName = row.name, p.sortName = toLower(row.name),
  p.phones = [row.e164], p.createdAt = datetime(), p.updatedAt = datetime()
MERGE (ph:Phone {e164: row.e164})
MERGE (p)-[:HAS_PHONE]->(ph)
"""
RESET_RACE = """
MATCH (t:Ticket) WHERE t.id STARTS WITH 'tkt_benchrace'
OPTIONAL MATCH (t)-[a:ASSIGNED_TO]->()
DELETE a
SET t.status = 'OPEN', t.scheduledStart = null, t.scheduledEnd = null
"""
OVERLAPS = """
MATCH (u:User)<-[:ASSIGNED_TO]-(a:Ticket), (u)<-[:ASSIGNED_TO]-(b:Ticket)
WHERE a.id < b.id AND a.status IN ['SCHEDULED', 'IN_PROGRESS'] AND b.status IN ['SCHEDULED', 'IN_PROGRESS']
  AND a.scheduledStart < b.scheduledEnd AND b.scheduledStart < a.scheduledEnd
RETURN count(*) AS overlaps
"""
CANDIDATES_GQL = """query($t: ID!, $s: DateTime!, $e: DateTime!) {
  ticketCandidates(ticketId: $t, windowStart: $s, windowEnd: $e) {
    user { id name } score distanceKm availableFrom servedCustomerBefore reasons } }"""
AUTO_GQL = """mutation($t: ID!, $s: DateTime!, $e: DateTime!) {
  autoAssignTicket(ticketId: $t, windowStart: $s, windowEnd: $e) { id status assignee { id } } }"""
LOOKUP_GQL = """query($p: String!) { callerLookup(phone: $p) {
  person { id fullName } company { id name } openOpportunities { id } openTickets { id } lastActivity { id } } }"""


def _skill(i: int) -> dict[str, str]:
    return {"id": f"skl_bench{i:02d}", "key": f"bench skill {i:02d}", "name": f"Bench skill {i:02d}"}


def _slots() -> list[list[str]]:
    days = [MONDAY + timedelta(days=d) for d in range(14) if (MONDAY + timedelta(days=d)).weekday() < 5]
    return [[(d + timedelta(hours=7)).isoformat(), (d + timedelta(hours=15)).isoformat()] for d in days]


async def _batches(deps: Deps, query: str, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        await deps.db.write(query, {"rows": rows[i : i + BATCH]})


async def seed(deps: Deps, technicians: int, tickets: int, phones: int) -> None:
    rnd = random.Random(8)
    if await deps.db.read_one("MATCH (u:User {id: 'usr_benchtech000000'}) RETURN u.id AS id"):
        print("service bench data present", flush=True)
        return
    started = time.monotonic()
    await deps.db.write(SEED_SKILLS, {"rows": [_skill(i) for i in range(SKILLS)] + [_skill(99)]})
    slots = _slots()
    techs = []
    for i in range(technicians):
        chosen = rnd.sample(range(SKILLS), rnd.randint(3, 8))
        skills = [{"key": _skill(s)["key"], "level": rnd.randint(1, 5)} for s in chosen]
        if i < RACE_TECHS:
            skills.append({"key": _skill(99)["key"], "level": 3})
        techs.append(
            {
                "id": f"usr_benchtech{i:06d}",
                "email": f"tech{i}@bench.crm",
                "name": f"Tech {i:05d}",
                "lat": rnd.uniform(47.5, 54.8),
                "lon": rnd.uniform(6.0, 15.0),
                "skills": skills,
                "slots": slots,
            }
        )
    await _batches(deps, SEED_TECHS, techs)
    rows = []
    for i in range(tickets):
        rows.append(
            {
                "id": f"tkt_bench{i:07d}",
                "subject": f"Bench ticket {i}",
                "minutes": rnd.choice([60, 90, 120]),
                "lat": rnd.uniform(47.5, 54.8),
                "lon": rnd.uniform(6.0, 15.0),
                "skills": [{"key": _skill(s)["key"], "min": rnd.randint(1, 3)} for s in rnd.sample(range(SKILLS), 2)],
            }
        )
    for i in range(RACE_TICKETS):
        rows.append(
            {
                "id": f"tkt_benchrace{i:04d}",
                "subject": f"Race ticket {i}",
                "minutes": 60,
                "lat": 52.5,
                "lon": 13.4,
                "skills": [{"key": _skill(99)["key"], "min": 2}],
            }
        )
    await _batches(deps, SEED_TICKETS, rows)
    people = [
        {"id": f"per_benchph{i:07d}", "name": f"Caller {i}", "e164": f"+4930{1000000 + i:07d}"} for i in range(phones)
    ]
    await _batches(deps, SEED_PHONES, people)
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)


class Gql:
    """GraphQL over one persistent connection of the lean bench client (bench/wire.py)."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.wire = Wire(base, {"authorization": f"Bearer {token}"})

    async def __call__(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return await self.wire.post_json("/graphql", {"query": query, "variables": variables})  # type: ignore[no-any-return]

    def another(self) -> Gql:
        return Gql(self.base, self.token)

    async def close(self) -> None:
        await self.wire.close()


async def candidates_case(gql: Gql, deps: Deps, technicians: int, warmup: int, n: int) -> Case:
    case = Case(
        f"ticketCandidates (2 skills, {technicians:,} technicians)", "p95 <= 50 ms, p50 <= 1.5x raw, 1 round trip"
    )
    ws, we = MONDAY + timedelta(hours=6), MONDAY + timedelta(days=2)
    variables = {"t": "tkt_bench0000000", "s": ws.isoformat(), "e": we.isoformat()}
    params = {"ticketId": "tkt_bench0000000", "limit": 10, "userId": None, "w": matching.WEIGHTS}
    params.update(zip(("windowStart", "windowEnd"), matching.window(ws, we), strict=True))

    async def raw() -> Any:
        return await deps.db.read(matching_q.CANDIDATES, params)

    for _ in range(warmup):
        await gql(CANDIDATES_GQL, variables)
        await raw()
    for _ in range(n):
        ms, body = await timed(lambda: gql(CANDIDATES_GQL, variables))
        case.samples.append(ms)
        case.round_trips.add(int(body.get("extensions", {}).get("cypherRoundTrips", -1)))
        ms, _ = await timed(raw)
        case.raw.append(ms)
    p95, ratio = case.p(0.95), case.ratio
    case.ok = p95 is not None and p95 <= 50 and ratio is not None and ratio <= 1.5 and case.round_trips == {1}
    return case


async def auto_assign_case(gql: Gql, deps: Deps) -> tuple[Case, float, int, int]:
    case = Case("autoAssignTicket x200, 20 clients, 5 technicians", "zero overlapping bookings")
    await deps.db.write(RESET_RACE)
    ws, we = MONDAY, MONDAY + timedelta(days=14)
    queue = [f"tkt_benchrace{i:04d}" for i in range(RACE_TICKETS)]

    async def client() -> int:
        booked = 0
        gql_ = gql.another()
        while queue:
            variables = {"t": queue.pop(), "s": ws.isoformat(), "e": we.isoformat()}
            ms, body = await timed(lambda v=variables: gql_(AUTO_GQL, v))  # type: ignore[misc]
            case.samples.append(ms)
            if (body.get("data") or {}).get("autoAssignTicket", {}).get("status") == "SCHEDULED":
                booked += 1
        await gql_.close()
        return booked

    started = time.perf_counter()
    booked = sum(await asyncio.gather(*(client() for _ in range(20))))
    seconds = time.perf_counter() - started
    overlaps = int((await deps.db.read(OVERLAPS))[0]["overlaps"])
    case.ok = overlaps == 0 and booked == RACE_TICKETS
    return case, RACE_TICKETS / seconds, booked, overlaps


async def lookup_case(gql: Gql, phones: int, warmup: int, n: int) -> Case:
    case = Case(f"callerLookup ({phones:,} numbers stored)", "p95 <= 15 ms, 1 round trip")
    rnd = random.Random(3)

    def notation() -> str:
        return f"030 {1000000 + rnd.randrange(phones):07d}"

    for _ in range(warmup):
        await gql(LOOKUP_GQL, {"p": notation()})
    for _ in range(n):
        ms, body = await timed(lambda: gql(LOOKUP_GQL, {"p": notation()}))
        case.samples.append(ms)
        case.round_trips.add(int(body.get("extensions", {}).get("cypherRoundTrips", -1)))
        assert len(body["data"]["callerLookup"]) == 1, body
    p95 = case.p(0.95)
    case.ok = p95 is not None and p95 <= 15 and case.round_trips == {1}
    return case


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    deps = Deps.connect(settings)
    try:
        await migrate(deps.db)
        if args.seed:
            await seed(deps, args.technicians, args.tickets, args.phones)
        await ensure_admin(deps)
        RESULTS.mkdir(exist_ok=True)
        port = args.port or free_port()
        proc = start_server(port, RESULTS / "uvicorn-service.log")
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_ready(base, proc)
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                login = await http.post(
                    "/graphql",
                    json={
                        "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                        "variables": {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
                    },
                )
                gql = Gql(base, login.json()["data"]["login"]["token"])
            try:
                candidates = await candidates_case(gql, deps, args.technicians, args.warmup, args.iterations)
                lookup = await lookup_case(gql, args.phones, args.warmup, args.iterations)
                auto, throughput, booked, overlaps = await auto_assign_case(gql, deps)
            finally:
                await gql.close()
        finally:
            stop_server(proc)
    finally:
        await deps.close()
    lines = [
        f"Service bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.technicians} technicians, "
        f"{args.tickets} tickets, {args.phones} phone numbers; {args.iterations} iterations",
        "",
        "| case | p50 ms | p95 ms | raw p50 ms | ratio | round trips | target | ok |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in (candidates, lookup, auto):
        lines.append(
            f"| {case.name} | {fmt(case.p(0.5))} | {fmt(case.p(0.95))} | {fmt(case.p(0.5, raw=True))} | "
            f"{fmt(case.ratio)} | {','.join(map(str, sorted(case.round_trips))) or '-'} | {case.target} | "
            f"{'yes' if case.ok else 'NO'} |"
        )
    lines += [
        "",
        f"autoAssign: {booked}/{RACE_TICKETS} booked, {throughput:.1f} calls/s, {overlaps} overlapping bookings",
    ]
    table = "\n".join(lines)
    print(table)
    (RESULTS / "service.md").write_text(table + "\n")
    return 0 if all(c.ok for c in (candidates, lookup, auto)) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description="Graph CRM service-desk benchmark")
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--technicians", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--phones", type=int, default=1_000_000)
    parser.add_argument("--iterations", "-n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--port", type=int, default=0)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
