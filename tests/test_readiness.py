"""/healthz and /readyz, and recovery when Neo4j goes away and comes back."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from config.settings import Settings
from crm.app import create_app
from domain.seed import add_user
from tests.conftest import PASSWORD
from tests.servers import ROOT, free_port


def _neo4j(action: str, home: Path, port: int) -> None:
    env = {
        **os.environ,
        "NEO4J_HOME_DIR": str(home),
        "NEO4J_BOLT": f"127.0.0.1:{port}",
        "NEO4J_HEAP": "512m",
        "NEO4J_PAGECACHE": "64m",
    }
    subprocess.run([str(ROOT / "scripts" / "neo4j.sh"), action], env=env, check=True, capture_output=True)


@pytest.fixture
def own_neo4j(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A Neo4j of this test's own, which it may stop and start."""
    if os.environ.get("CRM_TEST_SKIP_OWN_NEO4J"):
        pytest.skip("CRM_TEST_SKIP_OWN_NEO4J is set (external Neo4j only)")
    port = free_port()
    _neo4j("start", tmp_path, port)
    try:
        yield tmp_path, port
    finally:
        _neo4j("stop", tmp_path, port)


async def test_healthz_and_readyz_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "neo4j": True, "redis": True}


async def test_api_recovers_when_neo4j_comes_back(own_neo4j: tuple[Path, int]) -> None:
    home, port = own_neo4j
    app = create_app(Settings(neo4j_uri=f"bolt://127.0.0.1:{port}"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        await add_user(app.state.deps, "ops@crm.test", "Ops", "ADMIN", PASSWORD)
        login = {
            "query": 'mutation($p: String!) { login(email: "ops@crm.test", password: $p) { token } }',
            "variables": {"p": PASSWORD},
        }
        token = (await client.post("/graphql", json=login)).json()["data"]["login"]["token"]
        headers = {"Authorization": f"Bearer {token}"}
        query = {"query": "{ companies { totalCount } }"}
        assert (await client.post("/graphql", json=query, headers=headers)).json() == {
            "data": {"companies": {"totalCount": 0}},
            "extensions": {"cypherRoundTrips": 1},
        }
        assert (await client.get("/readyz")).status_code == 200

        # when Neo4j stops
        _neo4j("stop", home, port)
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()["neo4j"]) == (503, False)
        failed = (await client.post("/graphql", json=query, headers=headers)).json()
        assert failed["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"

        # then it recovers once Neo4j is back, without restarting the API
        _neo4j("start", home, port)
        assert (await client.get("/readyz")).status_code == 200
        ok = (await client.post("/graphql", json=query, headers=headers)).json()
        assert ok["data"] == {"companies": {"totalCount": 0}}
