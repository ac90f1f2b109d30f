"""The lean executor answers exactly what graphql-core's stock executor answers, data and errors."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from domain.deps import Deps
from graph.db import start_counting
from resolvers.loaders import Loaders
from schema.context import Context
from schema.root import build_schema
from tests.compiler_world import seed
from tests.test_compiler import DEEP, FRAGMENTS

LEAN = build_schema()
STOCK = build_schema(lean=False)
SCOPE = {"type": "http", "method": "POST", "path": "/graphql", "headers": [], "query_string": b""}

QUERIES: list[tuple[str, dict[str, Any] | None]] = [
    (DEEP, None),
    (FRAGMENTS, {"after": None}),
    (
        """{ company(id: "cmp_3") { __typename name parent { name owner { name } } externalIds { system }
        units { name children { name } parent { name } company { name } }
        contacts(first: 2) { totalCount edges { cursor node { fullName employmentHistory { current company { name } } } } }
        opportunities { totalCount edges { node { name stage amount probability stageHistory { to at } } } }
        timeline(first: 3) { edges { node { id type occurredAt } } pageInfo { hasNextPage } } } }""",
        None,
    ),
    ('{ node(id: "cmp_9") { __typename id ... on Company { name subsidiaries { name } } } }', None),
    ('{ search(text: "Alpha") { __typename ... on Company { id name } ... on Person { id fullName } } }', None),
    (
        """{ opportunity(id: "opp_1") { name buyingCenter { members { person { id fullName } roles attitude }
        missingRoles } } }""",
        None,
    ),
    (
        'query($no: Boolean!) { company(id: "cmp_9") { name city @include(if: $no) owner @skip(if: $no) { name } } }',
        {"no": False},
    ),
]


async def execute(deps: Deps, token: str, schema: Any, query: str, variables: dict[str, Any] | None) -> Any:
    context = Context(
        request=Request(SCOPE),
        response=None,
        deps=deps,
        loaders=Loaders(deps),
        round_trips=start_counting(),
        principal=await deps.auth.authenticate("Bearer " + token),
    )
    result = await schema.execute(query, variable_values=variables, context_value=context)
    errors = [(e.message, e.path, (e.extensions or {}).get("code")) for e in result.errors or []]
    return result.data, errors


@pytest.mark.parametrize(("query", "variables"), QUERIES)
async def test_lean_and_stock_executors_give_the_same_answer(
    deps: Deps, admin_token: str, query: str, variables: dict[str, Any] | None
) -> None:
    # given the compiler's world
    await seed(deps)
    # when the same operation runs through both executors
    lean = await execute(deps, admin_token, LEAN, query, variables)
    stock = await execute(deps, admin_token, STOCK, query, variables)
    # then data and errors are identical, and there is data
    assert lean == stock
    assert lean[0] and not lean[1]


async def test_a_null_in_a_non_null_field_is_the_same_error_at_the_same_path(deps: Deps, admin_token: str) -> None:
    # given a company whose stored creation time went missing (a broken import, say)
    await seed(deps)
    await deps.db.write("MATCH (c:Company {id: 'cmp_3'}) REMOVE c.createdAt")
    query = '{ company(id: "cmp_9") { name subsidiaries { id name createdAt } } }'
    # when both executors read it
    lean = await execute(deps, admin_token, LEAN, query, None)
    stock = await execute(deps, admin_token, STOCK, query, None)
    # then both report the one broken field the same way
    assert lean == stock
    assert [path for _, path, _ in lean[1]] == [["company", "subsidiaries", 0, "createdAt"]]
