"""Every error is GraphQL-over-HTTP JSON with extensions.code: bad bodies, bad variables, syntax, size limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Gql

JSON = {"content-type": "application/json"}
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _error(message: str, code: str = "BAD_USER_INPUT") -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        (b'"a JSON string"', JSON, 400, "the request body must be a JSON object with a `query`"),
        (b"null", JSON, 400, "the request body must be a JSON object with a `query`"),
        (b"[1, 2]", JSON, 400, "the request body must be a JSON object with a `query`"),
        (b'{"query": ', JSON, 400, "the request body is not valid JSON"),
        (b"\xff\xfe", JSON, 400, "the request body is not valid JSON"),
        (b"{}", JSON, 400, "No GraphQL query found in the request"),
        (
            b'{"query": "{ __typename }", "variables": "x"}',
            JSON,
            400,
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
        (
            b"query=x",
            {"content-type": "application/x-www-form-urlencoded"},
            415,
            "send the GraphQL request as application/json",
        ),
        (b"{ __typename }", {"content-type": "text/plain"}, 415, "send the GraphQL request as application/json"),
        (b"{ __typename }", {}, 415, "send the GraphQL request as application/json"),
    ],
)
async def test_bad_request_bodies_answer_json_with_a_code(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    response = await client.post("/graphql", content=body, headers=headers)

    assert (response.status_code, response.headers["content-type"]) == (status, "application/json")
    assert response.json() == _error(message)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_in_json(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/graphql", content=b"{}", headers=JSON)

    assert (response.status_code, response.headers["content-type"]) == (405, "application/json")
    assert response.json() == _error("GraphQL only supports GET and POST requests.")


async def test_a_subscription_over_plain_http_is_a_bad_request(client: httpx.AsyncClient, admin_token: str) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "subscription { entityChanged { type } }"},
        headers={"authorization": f"Bearer {admin_token}"},
    )

    assert (response.status_code, response.headers["content-type"]) == (400, "application/json")
    assert response.json() == _error("subscriptions are not allowed when using POST")


async def test_a_bad_request_answers_graphql_response_json_when_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=b"null", headers={**JSON, "accept": GRAPHQL_RESPONSE})

    assert (response.status_code, response.headers["content-type"]) == (400, GRAPHQL_RESPONSE)
    assert response.json() == _error("the request body must be a JSON object with a `query`")


async def test_a_get_with_variables_that_are_no_object_is_a_bad_request(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": "[1]"})

    assert (response.status_code, response.headers["content-type"]) == (400, "application/json")
    assert response.json() == _error("the request body must be a JSON object with a `query`")


async def test_a_body_over_the_limit_is_413_before_it_is_read(client: httpx.AsyncClient) -> None:
    # given a body of 2 MB (the limit is 1 MB), announced by Content-Length
    body = b'{"query": "' + b"x" * 2_000_000 + b'"}'
    response = await client.post("/graphql", content=body, headers=JSON)
    assert (response.status_code, response.headers["content-type"]) == (413, "application/json")
    assert response.json() == _error("the request body is larger than 1048576 bytes")

    # and the same body streamed without Content-Length is cut off as soon as it passes the limit
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(40):
            sent += 1
            yield b"x" * 50_000

    streamed = await client.post("/graphql", content=chunks(), headers=JSON)
    assert streamed.status_code == 413
    assert streamed.json() == _error("the request body is larger than 1048576 bytes")
    assert sent == 21  # 21 * 50 kB is the first chunk over 1 MiB; the rest is never asked for


async def test_a_body_just_under_the_limit_runs(client: httpx.AsyncClient) -> None:
    query = "{ __typename }" + " " * (1024 * 1024 - 40)
    response = await client.post("/graphql", json={"query": query}, headers=JSON)

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/graphql?query=%7B__typename%7D", "/nowhere"])
async def test_a_request_id_that_is_no_text_never_breaks_a_request(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=[(b"x-request-id", b"\xff\xfe\x00bad")])

    assert response.status_code in (200, 404)
    assert len(response.headers["x-request-id"]) == 32  # replaced by a generated id
    kept = await client.get(path, headers={"x-request-id": "client-id-42"})
    assert kept.headers["x-request-id"] == "client-id-42"


@pytest.mark.parametrize(
    ("query", "variables", "message", "extensions"),
    [
        (
            "query($f: Int) { companies(first: $f) { totalCount } }",
            {"f": "ten"},
            "Variable '$f' has invalid value: Int cannot represent non-integer value: 'ten'",
            {"code": "BAD_USER_INPUT"},
        ),
        (
            "query($f: Int) { companies(first: $f) { totalCount } }",
            {"f": 2**31},
            "Variable '$f' has invalid value: Int cannot represent non 32-bit signed integer value: 2147483648",
            {"code": "BAD_USER_INPUT"},
        ),
        (
            "{ companies(first: 2147483648) { totalCount } }",
            {},
            "Int cannot represent non 32-bit signed integer value: 2147483648",
            {"code": "BAD_USER_INPUT"},
        ),
        (
            'mutation($l: GeoPointInput) { createCompany(input: {name: "X", location: $l}) { id } }',
            {"l": {"lat": "north", "lon": 1}},
            "Variable '$l' has invalid value at .lat: Float cannot represent non numeric value: 'north'",
            {"code": "BAD_USER_INPUT", "field": "lat"},
        ),
        (
            "mutation($i: CreateCompanyInput!) { createCompany(input: $i) { id } }",
            {"i": {"name": "X", "location": {"lat": "north", "lon": 1}}},
            "Variable '$i' has invalid value at .location.lat: Float cannot represent non numeric value: 'north'",
            {"code": "BAD_USER_INPUT", "field": "lat"},
        ),
        (
            "{ companies( { totalCount } }",
            {},
            "Syntax Error: Expected Name, found '{'.",
            {"code": "BAD_USER_INPUT"},
        ),
        (
            "{ " + " ".join(["__typename"] * 5001) + " }",
            {},
            "Syntax Error: Document contains more than 5000 tokens. Parsing aborted.",
            {"code": "BAD_USER_INPUT"},
        ),
    ],
)
async def test_bad_variables_syntax_and_too_many_tokens_are_bad_user_input(
    gql: Gql, admin_token: str, query: str, variables: dict[str, Any], message: str, extensions: dict[str, Any]
) -> None:
    result = await gql(query, variables, admin_token)

    assert result["data"] is None
    assert [(e["message"], e["extensions"]) for e in result["errors"]] == [(message, extensions)]


async def test_request_errors_are_400_for_graphql_response_clients(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ companies( }"}, headers={"accept": GRAPHQL_RESPONSE})

    assert (response.status_code, response.headers["content-type"]) == (400, GRAPHQL_RESPONSE)
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "data" not in response.json()


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
async def test_a_post_of_json_answers_as_strawberrys_own_view_does(
    client: httpx.AsyncClient, admin_token: str, accept: str
) -> None:
    # given one query, once as a plain POST of JSON (the short path) and once as a GET (Strawberry's `run`)
    query = '{ me { email } bad: company(id: "cmp_missing") { id } }'
    auth = {"authorization": f"Bearer {admin_token}", "accept": accept}
    # when both are sent
    post = await client.post("/graphql", json={"query": query}, headers=auth)
    get = await client.get("/graphql", params={"query": query}, headers=auth)
    # then status, media type and body are the same
    assert (post.status_code, post.headers["content-type"]) == (get.status_code, get.headers["content-type"])
    assert post.headers["content-type"] == accept
    assert post.json() == get.json()
    assert post.json()["data"]["bad"] is None
