"""Read-path benchmark: the API over HTTP (a real uvicorn process) against the raw Cypher it runs.

    NEO4J_URI=bolt://127.0.0.1:7699 REDIS_URL=redis://127.0.0.1:6392/0 .venv/bin/python bench/run.py [--seed]

See bench/README.md. Prints one table and writes it to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from neo4j import READ_ACCESS, AsyncDriver, AsyncGraphDatabase, RoutingControl  # noqa: E402

from bench import peer as bench_peer  # noqa: E402
from bench import seed as bench_seed  # noqa: E402
from bench.cpu import Meter, listening_pid  # noqa: E402
from bench.inprocess import principal_of, statement  # noqa: E402
from bench.wire import Wire  # noqa: E402
from config.settings import Settings, get_settings  # noqa: E402
from domain.auth import Principal  # noqa: E402
from domain.deps import Deps  # noqa: E402
from domain.seed import add_user  # noqa: E402
from graph import users as user_q  # noqa: E402
from schema.root import build_schema  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ADMIN_EMAIL = "bench-admin@bench.crm"
ADMIN_PASSWORD = "bench-admin-password"
MAX_HOPS = 4
TIMELINE_PAGE = 50
CLIENTS = 8  # the concurrency case: clients, each on its own connection, for SECONDS
SECONDS = 10.0

COMPANIES_GQL = "{ companies(first: 50) { edges { node { id name units { id name } owner { id name } } } } }"
PERSON_GQL = "query($id: ID!) { person(id: $id) { id fullName company { id name } unit { id name } } }"
BUYING_CENTER_GQL = """query($id: ID!) { buyingCenter(opportunityId: $id) {
  members { person { id fullName } roles attitude lastInteractionAt }
  relations { type strength from { id } to { id } }
  missingRoles
  neglectedMembers { id fullName }
} }"""
INFLUENCE_GQL = """query($from: ID!, $to: ID!) {
  influencePaths(fromPersonId: $from, toPersonId: $to, maxHops: 4) {
    people { id fullName } relations { type strength from { id } to { id } }
  } }"""
INTRODUCTION_GQL = """query($to: ID!) {
  introductionPaths(toPersonId: $to, maxHops: 4) { user { id name } people { id fullName } hops weight } }"""
TIMELINE_GQL = """query($id: ID!, $after: String) { company(id: $id) {
  timeline(first: 50, after: $after) {
    edges { cursor node { id type subject occurredAt by { id name } } }
    pageInfo { endCursor hasNextPage }
  } } }"""


# ---- the exact Cypher the app runs for those operations
#
# Each operation is executed once in the bench process through the served schema against the bench
# data set (bench/inprocess.py), recording its Cypher: the raw side sends that very statement with
# the same parameters, so "raw" is the compiled statement of the same shape, without GraphQL.

Compiled = Callable[[str, "dict[str, Any] | None"], Awaitable[tuple[str, dict[str, Any]]]]


def compiled_statements(deps: Deps, principal: Principal) -> Compiled:
    schema = build_schema()

    def compile_(query: str, variables: dict[str, Any] | None) -> Awaitable[tuple[str, dict[str, Any]]]:
        return statement(deps, principal, schema, query, variables)

    return compile_


# ---- measurement


@dataclass
class Case:
    name: str
    target: str
    samples: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    raw_auto: list[float] = field(default_factory=list)  # the same statement in an auto-commit transaction
    round_trips: set[int] = field(default_factory=set)
    ok: bool | None = None
    peer: list[float] = field(default_factory=list)  # the peer's latencies (bench/peer.py)
    peer_same: bool | None = None  # the equality check before timing; False fails the case
    peer_note: str = ""
    rps: float | None = None  # throughput cases: our requests/s and the peer's
    peer_rps: float | None = None
    cpu: str = ""  # throughput cases: CPU per request of each process (bench/cpu.py)
    peer_cpu: str = ""

    def p(self, q: float, raw: bool = False, peer: bool = False, auto: bool = False) -> float | None:
        data = sorted(self.peer if peer else self.raw_auto if auto else self.raw if raw else self.samples)
        if not data:
            return None
        return data[min(len(data) - 1, max(0, round(q * len(data)) - 1))]

    @property
    def ratio(self) -> float | None:
        a, b = self.p(0.5), self.p(0.5, raw=True)
        return a / b if a is not None and b else None

    @property
    def ratio_auto(self) -> float | None:
        a, b = self.p(0.5), self.p(0.5, auto=True)
        return a / b if a is not None and b else None

    @property
    def vs_peer(self) -> float | None:
        """Our cost relative to the peer's (< 1: we are faster): p50 ratio, or peer req/s / our req/s."""
        if self.rps and self.peer_rps:
            return self.peer_rps / self.rps
        a, b = self.p(0.5), self.p(0.5, peer=True)
        return a / b if a is not None and b else None


class Client:
    """GraphQL over one persistent HTTP connection (bench/wire.py: a lean client, so the bench measures the
    API and not httpx)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = Wire(base)

    async def login(self) -> None:
        body = await self.call(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            {"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD},
        )
        self.http.headers["authorization"] = f"Bearer {body['data']['login']['token']}"

    async def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = await self.http.post_json("/graphql", {"query": query, "variables": variables or {}})
        if body.get("errors"):
            raise RuntimeError(f"GraphQL errors: {body['errors']}")
        return body

    async def close(self) -> None:
        await self.http.close()


class Raw:
    """The async driver alone, as graph.db.Db.read uses it."""

    def __init__(self, settings: Settings) -> None:
        self.driver: AsyncDriver = AsyncGraphDatabase.driver(
            settings.neo4j_uri, auth=settings.neo4j_auth, notifications_min_severity="OFF"
        )
        self.database = settings.neo4j_database

    async def read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        records, _, _ = await self.driver.execute_query(
            query,
            params,
            database_=self.database,
            routing_=RoutingControl.READ,
        )
        return [record.data() for record in records]

    async def auto(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The same statement as an auto-commit read (RUN + PULL, no BEGIN/COMMIT), as graph.db.Db.read sends it."""
        async with self.driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
            result = await session.run(query, params)
            return [dict(zip(result.keys(), values, strict=True)) for values in await result.values()]

    async def close(self) -> None:
        await self.driver.close()


class RawCall:
    """One statement sent raw: as the driver's default managed read (`execute_query`, the ratio's baseline)
    and as an auto-commit read (the app's transport)."""

    def __init__(self, raw: Raw, built: tuple[str, dict[str, Any]]) -> None:
        self.raw, self.built = raw, built

    def __call__(self) -> Awaitable[Any]:
        return self.raw.read(*self.built)

    def auto(self) -> Awaitable[Any]:
        return self.raw.auto(*self.built)


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return (time.perf_counter() - started) * 1000, result


async def measure(
    case: Case,
    gql: Callable[[], Awaitable[dict[str, Any]]],
    raw: Callable[[], Awaitable[Any]] | None,
    warmup: int,
    iterations: int,
    peer: Callable[[], Awaitable[Any]] | None = None,
) -> Case:
    """Warm-up, then `iterations` sequential rounds; GraphQL, raw Cypher and the peer alternate to share drift."""
    for _ in range(warmup):
        await gql()
        if raw:
            await raw()
            if isinstance(raw, RawCall):
                await raw.auto()
        if peer:
            await peer()
    for _ in range(iterations):
        ms, body = await timed(gql)
        case.samples.append(ms)
        trips = body.get("extensions", {}).get("cypherRoundTrips")
        if trips is not None:
            case.round_trips.add(int(trips))
        if raw:
            ms, _ = await timed(raw)
            case.raw.append(ms)
            if isinstance(raw, RawCall):
                ms, _ = await timed(raw.auto)
                case.raw_auto.append(ms)
        if peer:
            ms, _ = await timed(peer)
            case.peer.append(ms)
    print(f"  {case.name}: p50 {fmt(case.p(0.5))} ms, p95 {fmt(case.p(0.95))} ms", flush=True)
    return case


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# ---- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, log_path: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    """The API as production runs it: `crm serve` (uvicorn; with workers > 1 they share the socket evenly)."""
    env = {**os.environ, "CRM_ENV": "bench", "PYTHONPATH": str(ROOT)}
    log = log_path.open("wb")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crm.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


async def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=5.0) as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {proc.returncode}; see bench/results/uvicorn.log")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError("uvicorn did not become ready")


async def ensure_admin(deps: Deps) -> None:
    if await deps.db.read_one(user_q.LOGIN, {"email": ADMIN_EMAIL}) is None:
        await add_user(deps, ADMIN_EMAIL, "Bench Admin", "ADMIN", ADMIN_PASSWORD)


@dataclass
class Ids:
    group: str
    opportunity: str
    person: str
    path_from: str
    path_to: str
    introduction_to: str


async def bench_ids(deps: Deps) -> Ids:
    """The seed's deterministic ids (bench/seed.py); fails when the data set is missing."""
    group = bench_seed.bid("cmp", 0)
    if await deps.db.read_one("MATCH (c:Company {id: $id}) RETURN c.id AS id", {"id": group}) is None:
        raise SystemExit("no bench data set: run `python bench/run.py --seed` (or `python bench/seed.py`) first")
    staff = [bench_seed.bid("per", n) for n in range(bench_seed.STAFF_PER_COMPANY * 9)]
    path_from = staff[-1]
    pair = await deps.db.read_one(bench_seed.PATH_PAIR, {"fromId": path_from})
    return Ids(
        group=group,
        opportunity=bench_seed.bid("opp", 0),
        person=staff[0],
        path_from=path_from,
        path_to=pair["toId"] if pair else staff[0],
        introduction_to=staff[len(staff) // 2],
    )


# ---- the run


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    deps = Deps.connect(settings)
    if args.seed:
        await bench_seed.seed(deps, bench_seed.Sizes.scaled(args.scale))
    ids = await bench_ids(deps)
    await ensure_admin(deps)
    compiled = compiled_statements(deps, await principal_of(deps, ADMIN_EMAIL, ADMIN_PASSWORD))

    RESULTS.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    peer = bench_peer.Peer(settings.neo4j_uri, free_port(), RESULTS / "peer.log") if args.peer else None
    if peer:
        print(f"peer pid {peer.proc.pid} on {peer.base} (@neo4j/graphql, NODE_ENV=production)")
    proc = start_server(port, RESULTS / "uvicorn.log", args.workers)
    print(f"crm serve pid {proc.pid} on {base} (CRM_ENV=bench, {args.workers} worker(s))")
    client = Client(base)
    raw = Raw(settings)
    cases: list[Case] = []
    try:
        await wait_ready(base, proc)
        if peer:
            await peer.wait_ready()
        await client.login()
        if args.throughput_only:
            cases = [await throughput_case(client, peer, args.workers, proc.pid)]
        else:
            cases = await run_cases(client, raw, compiled, ids, args.warmup, args.iterations, peer, proc.pid)
    finally:
        await deps.close()
        await client.close()
        await raw.close()
        stop_server(proc)
        print(f"crm serve pid {proc.pid} stopped (exit {proc.returncode})")
        if peer:
            await peer.stop()
            print(f"peer pid {peer.proc.pid} stopped (exit {peer.proc.returncode})")
    table = render(cases, args, ids)
    print()
    print(table)
    (RESULTS / "latest.md").write_text(table)
    print(f"written to {RESULTS / 'latest.md'}")
    return 0 if all(c.ok and c.peer_same is not False for c in cases) else 1


async def peer_check(
    case: Case, peer: bench_peer.Peer | None, ours: bench_peer.Call, q: bench_peer.PeerQuery
) -> bench_peer.Call | None:
    """The peer's request for `measure` once its answer equals ours (None: no peer, or answers differ)."""
    if peer is None:
        return None
    call, case.peer_note = await peer.agree(ours, q)
    case.peer_same = call is not None
    print(f"  {case.name}: peer {case.peer_note}", flush=True)
    return call


async def run_cases(
    client: Client,
    raw: Raw,
    compiled: Compiled,
    ids: Ids,
    warmup: int,
    n: int,
    peer: bench_peer.Peer | None = None,
    api_pid: int | None = None,
) -> list[Case]:
    cases: list[Case] = []

    def gql(query: str, variables: dict[str, Any] | None = None) -> Callable[[], Awaitable[dict[str, Any]]]:
        return lambda: client.call(query, variables)

    def cypher(built: tuple[str, dict[str, Any]]) -> Callable[[], Awaitable[Any]]:
        return RawCall(raw, built)

    async def same(query: str, variables: dict[str, Any] | None = None) -> Callable[[], Awaitable[Any]]:
        """The raw side: the statement the app compiles for this operation."""
        return cypher(await compiled(query, variables))

    print(f"measuring ({warmup} warm-up, {n} iterations each) ...")
    c = Case("floor: { __typename } (HTTP + auth + GraphQL, no Cypher)", "info")
    await measure(c, gql("{ __typename }"), None, warmup, n, peer.caller(bench_peer.floor()) if peer else None)
    c.ok = True
    cases.append(c)

    def within(case: Case, ratio: float, beat_peer: bool = False) -> bool:
        """Issue #7's targets: one statement, p50 within `ratio` of the raw statement, and ahead of the
        peer where it ran."""
        ahead = not beat_peer or case.vs_peer is None or case.vs_peer < 1.0
        return (case.ratio or 99) <= ratio and case.round_trips == {1} and ahead

    c = Case("companies(first: 50) + units + owner", "ratio <= 1.3, < peer, 1 trip")
    vs = await peer_check(c, peer, gql(COMPANIES_GQL), bench_peer.companies())
    await measure(c, gql(COMPANIES_GQL), await same(COMPANIES_GQL), warmup, n, vs)
    c.ok = within(c, 1.3, beat_peer=True)
    cases.append(c)

    c = Case("person(id) + company + unit", "ratio <= 1.5, < peer, 1 trip")
    person = {"id": ids.person}
    vs = await peer_check(c, peer, gql(PERSON_GQL, person), bench_peer.person(ids.person))
    await measure(c, gql(PERSON_GQL, person), await same(PERSON_GQL, person), warmup, n, vs)
    c.ok = within(c, 1.5, beat_peer=True)
    cases.append(c)

    c = Case("buyingCenter (30 members), full selection", "ratio <= 1.3, 1 trip")
    opportunity = {"id": ids.opportunity}
    await measure(c, gql(BUYING_CENTER_GQL, opportunity), await same(BUYING_CENTER_GQL, opportunity), warmup, n)
    c.ok = within(c, 1.3)
    cases.append(c)

    c = Case("buyingCenter (30 members), person/roles/attitude only", "ratio <= 1.3, < peer, 1 trip")
    small = bench_peer.OURS_BUYING_CENTER_SMALL
    vs = await peer_check(c, peer, gql(small, opportunity), bench_peer.buying_center(ids.opportunity))
    await measure(c, gql(small, opportunity), await same(small, opportunity), warmup, n, vs)
    c.ok = within(c, 1.3, beat_peer=True)
    cases.append(c)

    c = Case("20 companies > subsidiaries > units > members(first: 10)", "ratio <= 1.3, < peer, 1 trip")
    vs = await peer_check(c, peer, gql(bench_peer.OURS_DEEP), bench_peer.deep())
    await measure(c, gql(bench_peer.OURS_DEEP), await same(bench_peer.OURS_DEEP), warmup, n, vs)
    c.ok = within(c, 1.3, beat_peer=True)
    cases.append(c)

    c = Case("influencePaths maxHops 4", "p95 <= 50 ms")
    variables = {"from": ids.path_from, "to": ids.path_to}
    found = await client.call(INFLUENCE_GQL, variables)
    c.name += f" ({len(found['data']['influencePaths'])} paths)"
    await measure(c, gql(INFLUENCE_GQL, variables), await same(INFLUENCE_GQL, variables), warmup, n)
    c.ok = (c.p(0.95) or 1e9) <= 50.0
    cases.append(c)

    c = Case("introductionPaths maxHops 4", "p95 <= 50 ms")
    variables = {"to": ids.introduction_to}
    found = await client.call(INTRODUCTION_GQL, variables)
    c.name += f" ({len(found['data']['introductionPaths'])} paths)"
    await measure(c, gql(INTRODUCTION_GQL, variables), await same(INTRODUCTION_GQL, variables), warmup, n)
    c.ok = (c.p(0.95) or 1e9) <= 50.0
    cases.append(c)

    # Page 50: follow endCursor 49 times, then time fetching page 50 with that cursor.
    cursor: str | None = None
    for _ in range(TIMELINE_PAGE - 1):
        body = await client.call(TIMELINE_GQL, {"id": ids.group, "after": cursor})
        page = body["data"]["company"]["timeline"]
        cursor = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            raise RuntimeError("the designated group has fewer than 50 timeline pages; reseed")
    assert cursor is not None

    first = Case("Company.timeline page 1 (group, 10k acts)", "ratio <= 1.5, 1 trip, p95 <= 30 ms")
    page1: dict[str, Any] = {"id": ids.group, "after": None}
    await measure(first, gql(TIMELINE_GQL, page1), await same(TIMELINE_GQL, page1), warmup, n)
    first.ok = within(first, 1.5) and (first.p(0.95) or 1e9) <= 30.0
    cases.append(first)
    last = Case(f"Company.timeline page {TIMELINE_PAGE}", "ratio <= 1.5, 1 trip, p95 <= 30 ms")
    variables = {"id": ids.group, "after": cursor}
    await measure(last, gql(TIMELINE_GQL, variables), await same(TIMELINE_GQL, variables), warmup, n)
    slower = (last.p(0.5) or 1e9) / (first.p(0.5) or 1e-9)
    last.target += f" (p50 {slower:.2f}x page 1)"
    last.ok = within(last, 1.5) and (last.p(0.95) or 1e9) <= 30.0
    cases.append(last)

    cases.append(await throughput_case(client, peer, api_pid=api_pid))
    return cases


async def throughput_case(
    client: Client, peer: bench_peer.Peer | None, workers: int = 1, api_pid: int | None = None
) -> Case:
    """companies(first: 50) from CLIENTS concurrent clients for SECONDS, ours and the peer's, with the CPU
    each process spent per request (bench/cpu.py): on a 2-core machine that tells what bounds the rate."""
    c = Case(f"companies(first: 50), {CLIENTS} concurrent clients, {SECONDS:g} s, {workers} worker(s)", ">= peer req/s")
    auth = {"authorization": client.http.headers["authorization"]}
    neo4j = listening_pid(urlsplit(get_settings().neo4j_uri).port or 7687)
    roots = {"client": (os.getpid(), False)}
    if neo4j is not None:
        roots["neo4j"] = (neo4j, True)
    meter = Meter({**roots, **({"api": (api_pid, True)} if api_pid else {})})
    meter.start()
    started = time.perf_counter()
    c.rps = await bench_peer.throughput(client.base, "/graphql", COMPANIES_GQL, auth, CLIENTS, SECONDS)
    meter.stop()
    c.cpu = _cpu_note(meter, c.rps, time.perf_counter() - started)
    if peer:  # its answer is checked by the companies case of a full run
        meter = Meter({**roots, "peer": (peer.proc.pid, True)})
        meter.start()
        started = time.perf_counter()
        c.peer_rps = await bench_peer.throughput(
            peer.base, bench_peer.PATH, bench_peer.PEER_COMPANIES, {}, CLIENTS, SECONDS
        )
        meter.stop()
        c.peer_cpu = _cpu_note(meter, c.peer_rps, time.perf_counter() - started)
    print(f"  {c.name}: {fmt(c.rps, 1)} req/s, peer {fmt(c.peer_rps, 1)} req/s", flush=True)
    print(f"    CPU ours: {c.cpu}\n    CPU peer: {c.peer_cpu or '-'}", flush=True)
    c.ok = c.peer_rps is None or (c.rps or 0) >= c.peer_rps
    return c


def _cpu_note(meter: Meter, rps: float, seconds: float) -> str:
    """CPU ms per request of each process, and the cores they kept busy together."""
    per = meter.per_request_ms(round(rps * seconds))
    cores = sum(meter.spent.values()) / seconds
    parts = ", ".join(f"{name} {ms:.2f}" for name, ms in per.items())
    return f"CPU ms per request: {parts}; {cores:.2f} of {os.cpu_count()} cores busy"


def verdict(case: Case) -> str:
    if case.peer_same is False:
        return "FAIL (peer answer differs)"
    if case.target == "info":
        return "-"
    return "PASS" if case.ok else "FAIL"


def render(cases: list[Case], args: argparse.Namespace, ids: Ids) -> str:
    head = (
        "| case | p50 ms | p95 ms | raw p50 | raw p95 | ratio | raw auto-commit p50 | ratio to it | round trips "
        "| peer p50 | vs peer | target | result |"
    )
    lines = [
        f"# Graph CRM read benchmark ({datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')})",
        "",
        f"{args.iterations} sequential requests per case after {args.warmup} warm-up, one uvicorn worker "
        "(CRM_ENV=bench), persistent lean HTTP/1.1 client (bench/wire.py); raw = the same Cypher through the async "
        "driver's `execute_query` (a managed read: BEGIN, RUN/PULL, COMMIT), raw auto-commit = the same Cypher as an "
        "auto-commit read (RUN/PULL), which is how the app sends reads. ratio = GraphQL p50 / raw p50; the targets "
        "are checked against it. peer = @neo4j/graphql on Apollo Server (bench/peer/, one Node "
        "process), its requests alternating with ours after an equality check; vs peer = our p50 / peer p50, "
        "or for req/s rows peer req/s / our req/s (< 1: we are ahead).",
        "",
        head,
        "|" + "---|" * 13,
    ]
    for c in cases:
        trips = ",".join(str(t) for t in sorted(c.round_trips)) or "-"
        p50 = f"{c.rps:.1f} req/s" if c.rps else fmt(c.p(0.5))
        peer_p50 = f"{c.peer_rps:.1f} req/s" if c.peer_rps else fmt(c.p(0.5, peer=True))
        lines.append(
            f"| {c.name} | {p50} | {fmt(c.p(0.95))} | {fmt(c.p(0.5, True))} | {fmt(c.p(0.95, True))} "
            f"| {fmt(c.ratio)} | {fmt(c.p(0.5, auto=True))} | {fmt(c.ratio_auto)} | {trips} | {peer_p50} | {fmt(c.vs_peer)} | {c.target} | {verdict(c)} |"
        )
    lines += ["", *(f"- peer, {c.name}: {c.peer_note}" for c in cases if c.peer_note)]
    lines += [f"- {c.name}: ours {c.cpu}; peer {c.peer_cpu or '-'}" for c in cases if c.cpu]
    lines += [
        "",
        f"ids: group {ids.group}, opportunity {ids.opportunity}, person {ids.person}, "
        f"paths {ids.path_from} -> {ids.path_to}, introductions to {ids.introduction_to}",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Graph CRM read benchmark")
    parser.add_argument("--seed", action="store_true", help="seed the bench data set first (idempotent)")
    parser.add_argument("--iterations", "-n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--port", type=int, default=0, help="uvicorn port (default: a free one)")
    parser.add_argument("--scale", type=float, default=1.0, help="with --seed: divide every total (e.g. 0.02)")
    parser.add_argument(
        "--peer",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also measure @neo4j/graphql (bench/peer/); default: on when node and npm are installed",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the API")
    parser.add_argument("--throughput-only", action="store_true", help="only the concurrent-clients case")
    args = parser.parse_args()
    if args.peer is None:
        args.peer = bench_peer.node_available()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
