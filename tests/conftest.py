"""Fixtures: a real Neo4j and Redis (started by scripts/test.sh), the app in-process over ASGI."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

# Never point the suite at the `make up` database by accident: default to the test ports.
os.environ.setdefault("NEO4J_URI", "bolt://127.0.0.1:7697")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6389/0")
os.environ.setdefault("CRM_SECRET", "test-secret-not-for-production-0123456789")
os.environ["CRM_ENV"] = "test"

from config.settings import Settings
from crm.app import create_app
from domain.deps import Deps
from domain.seed import add_user
from tests.servers import celery_worker

Gql = Callable[..., Awaitable[dict[str, Any]]]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[Starlette]:
    application = create_app(Settings())
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def deps(app: Starlette) -> Deps:
    return app.state.deps  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
async def clean(deps: Deps) -> None:
    await deps.db.write("MATCH (n) DETACH DELETE n")
    await deps.redis.flushdb()
    deps.auth.forget()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://crm.test") as c:
        yield c


@pytest.fixture
def gql(client: httpx.AsyncClient) -> Gql:
    async def run(query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    return run


async def login(gql: Gql, email: str, password: str = PASSWORD) -> str:
    result = await gql(
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }", {"e": email, "p": password}
    )
    return str(result["data"]["login"]["token"])


@pytest.fixture
def make_user(deps: Deps, gql: Gql) -> Callable[..., Awaitable[tuple[str, str]]]:
    """Creates a user with a role and returns (user id, token)."""

    async def make(role: str, email: str | None = None, name: str | None = None) -> tuple[str, str]:
        email = email or f"{role.lower()}@crm.test"
        user = await add_user(deps, email, name or role.title(), role, PASSWORD)
        return str(user["id"]), await login(gql, email)

    return make


@pytest.fixture
async def admin(make_user: Callable[..., Awaitable[tuple[str, str]]]) -> tuple[str, str]:
    return await make_user("ADMIN")


@pytest.fixture
async def admin_token(admin: tuple[str, str]) -> str:
    return admin[1]


@pytest.fixture
def worker() -> Iterator[None]:
    with celery_worker():
        yield


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in result, result.get("errors")
    return result["data"]  # type: ignore[no-any-return]


def error_code(result: dict[str, Any]) -> str:
    assert result.get("errors"), result
    return str(result["errors"][0]["extensions"]["code"])
