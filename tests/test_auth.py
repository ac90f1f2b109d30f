"""Login, tokens, API keys and role checks over GraphQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import PASSWORD, Gql, data, error_code

ME = "{ me { id email role } }"


async def test_login_returns_a_token_that_identifies_the_user(gql: Gql, admin: tuple[str, str]) -> None:
    # given an admin; when logging in
    result = data(
        await gql(
            'mutation($p: String!) { login(email: "ADMIN@crm.test", password: $p) { token user { id role } } }',
            {"p": PASSWORD},
        )
    )
    # then the token works for `me`
    me = data(await gql(ME, token=result["login"]["token"]))["me"]
    assert me == {"id": admin[0], "email": "admin@crm.test", "role": "ADMIN"}
    assert result["login"]["user"] == {"id": admin[0], "role": "ADMIN"}


async def test_wrong_password_is_unauthenticated(gql: Gql, admin: tuple[str, str]) -> None:
    result = await gql('mutation { login(email: "admin@crm.test", password: "nope") { token } }')
    assert error_code(result) == "UNAUTHENTICATED"


async def test_request_without_token_is_unauthenticated(gql: Gql) -> None:
    assert error_code(await gql("{ companies { totalCount } }")) == "UNAUTHENTICATED"
    assert error_code(await gql(ME, token="garbage")) == "UNAUTHENTICATED"


async def test_sales_rep_may_not_create_users(gql: Gql, make_user: Callable[..., Awaitable[tuple[str, str]]]) -> None:
    _, rep = await make_user("SALES_REP")
    result = await gql(
        'mutation { createUser(input: {email: "x@crm.test", name: "X", role: ADMIN, password: "password123"}) { id } }',
        token=rep,
    )
    assert error_code(result) == "FORBIDDEN"
    assert data(await gql("{ users { totalCount } }", token=rep))["users"]["totalCount"] == 1


async def test_admin_creates_user_and_duplicate_email_conflicts(gql: Gql, admin_token: str) -> None:
    create = 'mutation { createUser(input: {email: "Rep@Crm.Test", name: "Rita", role: SALES_REP, password: "password123", team: "North"}) { email name role team active } }'
    assert data(await gql(create, token=admin_token))["createUser"] == {
        "email": "rep@crm.test",
        "name": "Rita",
        "role": "SALES_REP",
        "team": "North",
        "active": True,
    }
    assert error_code(await gql(create, token=admin_token)) == "CONFLICT"


async def test_api_key_is_shown_once_works_and_stops_when_revoked(gql: Gql, admin_token: str) -> None:
    created = data(
        await gql(
            'mutation { createApiKey(name: "ERP", role: INTEGRATION) { key apiKey { id name role createdBy { email } } } }',
            token=admin_token,
        )
    )["createApiKey"]
    assert created["key"].startswith("crmk_")
    assert created["apiKey"]["role"] == "INTEGRATION"
    me = data(await gql(ME, token=created["key"]))["me"]
    assert me["email"] == "admin@crm.test"
    keys = data(await gql("{ apiKeys { id name lastUsedAt } }", token=admin_token))["apiKeys"]
    assert [(k["id"], k["name"]) for k in keys] == [(created["apiKey"]["id"], "ERP")]
    assert keys[0]["lastUsedAt"] is not None
    revoked = await gql("mutation($id: ID!) { revokeApiKey(id: $id) }", {"id": created["apiKey"]["id"]}, admin_token)
    assert data(revoked)["revokeApiKey"] == created["apiKey"]["id"]
    assert error_code(await gql(ME, token=created["key"])) == "UNAUTHENTICATED"


async def test_deactivated_user_cannot_log_in(
    gql: Gql, admin_token: str, make_user: Callable[..., Awaitable[tuple[str, str]]]
) -> None:
    rep_id, _ = await make_user("SALES_REP")
    result = await gql(
        "mutation($id: ID!) { updateUser(id: $id, input: {active: false}) { active } }", {"id": rep_id}, admin_token
    )
    assert data(result)["updateUser"] == {"active": False}
    result = await gql(
        'mutation($p: String!) { login(email: "sales_rep@crm.test", password: $p) { token } }', {"p": PASSWORD}
    )
    assert error_code(result) == "UNAUTHENTICATED"


async def test_home_base_is_hidden_from_other_sales_users(
    gql: Gql, admin_token: str, make_user: Callable[..., Awaitable[tuple[str, str]]]
) -> None:
    _, rep = await make_user("SALES_REP")
    tech = data(
        await gql(
            'mutation { createUser(input: {email: "t@crm.test", name: "T", role: TECHNICIAN, password: "password123", homeBase: {lat: 52.5, lon: 13.4}}) { id homeBase { lat lon } } }',
            token=admin_token,
        )
    )["createUser"]
    assert tech["homeBase"] == {"lat": 52.5, "lon": 13.4}
    seen = data(
        await gql("query($id: ID!) { node(id: $id) { ... on User { homeBase { lat } } } }", {"id": tech["id"]}, rep)
    )
    assert seen["node"] == {"homeBase": None}


async def test_too_many_aliases_or_too_deep_queries_are_refused(gql: Gql, admin_token: str) -> None:
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(51)) + " }"
    assert error_code(await gql(aliases, token=admin_token)) == "BAD_USER_INPUT"
    deep = "{ companies { edges { node { " + "parent { " * 12 + "name" + " }" * 12 + " } } } }"
    assert error_code(await gql(deep, token=admin_token)) == "BAD_USER_INPUT"
    assert data(await gql("{ a: me { id } b: me { id } }", token=admin_token))["a"]["id"].startswith("usr_")


async def test_an_api_key_is_a_node_for_its_creator_only(
    gql: Gql, admin_token: str, make_user: Callable[..., Awaitable[tuple[str, str]]]
) -> None:
    created = data(
        await gql('mutation { createApiKey(name: "Shop", role: INTEGRATION) { apiKey { id } } }', token=admin_token)
    )
    key_id = created["createApiKey"]["apiKey"]["id"]
    query = "query($id: ID!) { node(id: $id) { ... on ApiKey { name role } } }"
    assert data(await gql(query, {"id": key_id}, admin_token)) == {"node": {"name": "Shop", "role": "INTEGRATION"}}
    _, rep = await make_user("SALES_REP")
    assert data(await gql(query, {"id": key_id}, rep)) == {"node": None}


async def test_repeated_wrong_passwords_are_rate_limited(gql: Gql, admin: tuple[str, str]) -> None:
    wrong = 'mutation { login(email: "admin@crm.test", password: "guess") { token } }'
    codes = [error_code(await gql(wrong)) for _ in range(11)]
    assert codes == ["UNAUTHENTICATED"] * 10 + ["RATE_LIMITED"]
    # even the right password waits out the window now
    right = await gql(
        'mutation($p: String!) { login(email: "admin@crm.test", password: $p) { token } }', {"p": PASSWORD}
    )
    assert error_code(right) == "RATE_LIMITED"


async def test_graphql_response_media_type_is_served_when_accepted(client: Any, admin_token: str) -> None:
    headers = {
        "Authorization": f"Bearer {admin_token}",
        "Accept": "application/graphql-response+json, application/json;q=0.9",
    }
    ok = await client.post("/graphql", json={"query": "{ me { role } }"}, headers=headers)
    assert (ok.status_code, ok.headers["content-type"]) == (200, "application/graphql-response+json")
    assert ok.json()["data"] == {"me": {"role": "ADMIN"}}
    broken = await client.post("/graphql", json={"query": "{ me { nope } }"}, headers=headers)
    assert (broken.status_code, broken.headers["content-type"]) == (400, "application/graphql-response+json")
    assert "data" not in broken.json() and broken.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    plain = await client.post(
        "/graphql", json={"query": "{ me { nope } }"}, headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert (plain.status_code, plain.headers["content-type"]) == (200, "application/json")
