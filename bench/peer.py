"""The peer: @neo4j/graphql 7.6 on Apollo Server 5 (bench/peer/), on the same Neo4j as our API.

bench/run.py starts one Node process (`NODE_ENV=production node bench/peer/server.mjs`), checks for
every case the peer can express that its answer equals ours (same ids in the same order), and then
times the peer's requests alternating with ours. The peer's queries are written in their fastest
form: the list form (not `*Connection`) with the index-friendly filter `sortName: {startsWith: ""}`
so `sort: [{sortName: ASC}, {id: ASC}]` walks the `(sortName, id)` index instead of sorting every
company. See bench/README.md for what the peer cannot express.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.wire import HttpError, Wire

PEER_DIR = Path(__file__).resolve().parent / "peer"
SERVER = "server.mjs"
PATH = "/"  # Apollo's standalone server answers GraphQL at its root

Body = dict[str, Any]
Call = Callable[[], Awaitable[Body]]

# ---- the queries, ours and the peer's, for the cases both can express

# Top-level companies page: ordered by (sortName, id); `units` are the top units (no PART_OF parent)
# ordered by (name, id), as graph.companies.FRAGMENTS["units"].
PEER_COMPANIES = """{ companies(where: {sortName: {startsWith: ""}}, sort: [{sortName: ASC}, {id: ASC}], limit: 50) {
  id name units(where: {parent: null}, sort: [{name: ASC}, {id: ASC}]) { id name } owner { id name } } }"""
PEER_PERSON = """query($id: ID!) { people(where: {id: {eq: $id}}) {
  id fullName company { id name } unit { id name } } }"""
# Membership properties live on the IN_BUYING_CENTER relationship: only the connection form reaches them.
PEER_BUYING_CENTER = """query($id: ID!) { opportunities(where: {id: {eq: $id}}) {
  buyingCenterConnection(sort: [{node: {sortName: ASC}}, {node: {id: ASC}}]) {
    edges { properties { roles attitude } node { id fullName } } } } }"""
PEER_DEEP = """{ companies(where: {sortName: {startsWith: ""}}, sort: [{sortName: ASC}, {id: ASC}], limit: 20) {
  id name subsidiaries(sort: [{sortName: ASC}, {id: ASC}]) {
    id name units(where: {parent: null}, sort: [{name: ASC}, {id: ASC}]) {
      id name members(sort: [{sortName: ASC}, {id: ASC}], limit: 10) { id fullName } } } } }"""

# Our side of the cases bench/run.py had no query for (the full buyingCenter case selects far more).
OURS_BUYING_CENTER_SMALL = """query($id: ID!) { buyingCenter(opportunityId: $id) {
  members { person { id fullName } roles attitude } } }"""
OURS_DEEP = """{ companies(first: 20) { edges { node {
  id name subsidiaries { id name units { id name members(first: 10) { edges { node { id fullName } } } } } } } } }"""


# ---- comparing answers


def ids(data: Any) -> list[str]:
    """Every `id` in document order, depth first: `edges { node }` wrappers and lists flatten away."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "id" and isinstance(item, str):
                    out.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return out


def our_members(data: Any) -> list[Any]:
    """buyingCenter.members as (person id, roles, attitude) rows."""
    return [(m["person"]["id"], sorted(m["roles"]), m["attitude"]) for m in (data.get("buyingCenter") or {})["members"]]


def peer_members(data: Any) -> list[Any]:
    rows: list[Any] = []
    for opportunity in data["opportunities"]:
        for edge in opportunity["buyingCenterConnection"]["edges"]:
            props = edge["properties"]
            rows.append((edge["node"]["id"], sorted(props["roles"] or []), props["attitude"]))
    return rows


@dataclass(frozen=True)
class PeerQuery:
    """The peer's query for one case and how both answers become comparable lists."""

    query: str
    variables: Mapping[str, Any]
    ours: Callable[[Any], list[Any]] = ids
    peer: Callable[[Any], list[Any]] = ids


def floor() -> PeerQuery:
    """HTTP + GraphQL with no Cypher (and, unlike ours, no authentication): not compared."""
    return PeerQuery("{ __typename }", {})


def companies() -> PeerQuery:
    return PeerQuery(PEER_COMPANIES, {})


def person(person_id: str) -> PeerQuery:
    return PeerQuery(PEER_PERSON, {"id": person_id})


def buying_center(opportunity_id: str) -> PeerQuery:
    return PeerQuery(PEER_BUYING_CENTER, {"id": opportunity_id}, our_members, peer_members)


def deep() -> PeerQuery:
    return PeerQuery(PEER_DEEP, {})


def difference(ours: list[Any], peer: list[Any]) -> str | None:
    """None when both lists are equal and not empty, else what differs first."""
    if not ours and not peer:
        return "both answers are empty (no data?)"
    if ours == peer:
        return None
    for i, (a, b) in enumerate(zip(ours, peer, strict=False)):
        if a != b:
            return f"item {i}: ours {a!r}, peer {b!r} ({len(ours)} vs {len(peer)} items)"
    return f"ours has {len(ours)} items, the peer {len(peer)}"


# ---- the Node process


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def ensure_installed() -> None:
    """`npm ci` (exact versions from package-lock.json) when bench/peer/node_modules is missing."""
    if (PEER_DIR / "node_modules").is_dir():
        return
    print("bench/peer: npm ci ...", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=True)


class Peer:
    """One Node process serving @neo4j/graphql on 127.0.0.1:`port`, and one persistent HTTP client."""

    def __init__(self, neo4j_uri: str, port: int, log_path: Path) -> None:
        ensure_installed()
        env = {**os.environ, "NODE_ENV": "production", "NEO4J_URI": neo4j_uri, "PEER_PORT": str(port)}
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(["node", SERVER], cwd=PEER_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        self.http = Wire(self.base)

    async def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the peer exited with {self.proc.returncode}; see {self.log.name}")
            try:
                await self.call("{ __typename }")
                return
            except (OSError, HttpError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.25)
        raise RuntimeError("the peer did not become ready")

    async def call(self, query: str, variables: Mapping[str, Any] | None = None) -> Body:
        body: Body = await self.http.post_json(PATH, {"query": query, "variables": dict(variables or {})})
        if body.get("errors"):
            raise RuntimeError(f"peer GraphQL errors: {body['errors']}")
        return body

    def caller(self, q: PeerQuery) -> Call:
        return lambda: self.call(q.query, q.variables)

    async def agree(self, ours: Call, q: PeerQuery) -> tuple[Call | None, str]:
        """The peer's request for `measure` when its answer equals ours, else None and what differs."""
        mine = q.ours((await ours())["data"])
        theirs = q.peer((await self.call(q.query, q.variables))["data"])
        problem = difference(mine, theirs)
        if problem is None:
            return self.caller(q), f"same answer ({len(mine)} items)"
        return None, f"answers differ: {problem}"

    async def stop(self) -> None:
        await self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


# ---- throughput


async def throughput(
    base: str,
    path: str,
    query: str,
    headers: Mapping[str, str] | None = None,
    clients: int = 8,
    seconds: float = 10.0,
) -> float:
    """Requests/s of `clients` concurrent clients (one connection each) sending `query` for `seconds`."""
    deadline = time.perf_counter() + seconds

    async def client() -> int:
        done = 0
        wire = Wire(base, headers)
        try:
            while time.perf_counter() < deadline:
                body = await wire.post_json(path, {"query": query, "variables": {}})
                if body.get("errors"):
                    raise RuntimeError(f"GraphQL errors under load: {body['errors']}")
                done += 1
        finally:
            await wire.close()
        return done

    started = time.perf_counter()
    counts = await asyncio.gather(*(client() for _ in range(clients)))
    return sum(counts) / (time.perf_counter() - started)
