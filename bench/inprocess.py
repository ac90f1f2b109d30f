"""GraphQL operations executed in the bench process through the served schema (no HTTP), with every
Cypher read recorded: the raw side of the read bench sends exactly the statements the app runs."""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from domain.auth import Principal
from domain.deps import Deps
from graph.db import Db, Row, start_counting
from resolvers.loaders import Loaders
from schema.context import Context

SCOPE = {"type": "http", "method": "POST", "path": "/graphql", "headers": [], "query_string": b""}


class Replay(Db):
    """Records every read; once `replaying`, answers them from memory (same statement and parameters)."""

    def __init__(self, inner: Db) -> None:
        self.__dict__.update(inner.__dict__)  # borrows the inner driver and settings
        self.answers: dict[str, bytes] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.replaying = False

    async def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        key = query + json.dumps(params or {}, sort_keys=True, default=str)
        if key not in self.answers:
            if self.replaying:
                raise RuntimeError("a statement that was not recorded: " + query[:80])
            self.calls.append((query, dict(params or {})))
            self.answers[key] = pickle.dumps(await super().read(query, params))
        # A fresh copy each time, as the driver hands out (the shaper works on it in place).
        rows: list[Row] = pickle.loads(self.answers[key])
        return rows


async def execute(deps: Deps, principal: Principal, schema: Any, query: str, variables: Any = None) -> dict[str, Any]:
    context = Context(
        request=Request(SCOPE),
        response=None,
        deps=deps,
        loaders=Loaders(deps),
        round_trips=start_counting(),
        principal=principal,
    )
    result = await schema.execute(query, variable_values=variables, context_value=context)
    if result.errors:
        raise RuntimeError(f"{query[:60]}: {result.errors}")
    return dict(result.data or {})


async def statement(
    deps: Deps, principal: Principal, schema: Any, query: str, variables: Any = None
) -> tuple[str, dict[str, Any]]:
    """The one Cypher statement the operation runs (its first read when it runs several)."""
    replay = Replay(deps.db)
    tapped = Deps(deps.settings, replay, deps.redis, deps.bus, deps.auth, deps.outbox)
    await execute(tapped, principal, schema, query, variables)
    if not replay.calls:
        raise RuntimeError("the operation ran no Cypher: " + query[:60])
    return replay.calls[0]


async def principal_of(deps: Deps, email: str, password: str) -> Principal:
    """The principal a login of this user yields (as the HTTP API authenticates its bearer token)."""
    from domain import users

    token, _ = await users.login(deps, email, password, client="bench")
    principal = await deps.auth.authenticate("Bearer " + token)
    if principal is None:
        raise RuntimeError("the bench login yields no principal")
    return principal
