"""Login rate limits: counted before the password is checked, per account and per client address."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.conftest import Gql, error_code
from tests.servers import api_process

WRONG = 'mutation($e: String!) { login(email: $e, password: "wrong guess") { token } }'


async def test_parallel_wrong_passwords_are_checked_at_most_ten_times(gql: Gql, admin: tuple[str, str]) -> None:
    # given an account; when 50 wrong passwords arrive at once
    results = await asyncio.gather(*(gql(WRONG, {"e": "admin@crm.test"}) for _ in range(50)))
    # then exactly ten were checked, the others were refused before the check
    codes = [error_code(r) for r in results]
    assert (codes.count("UNAUTHENTICATED"), codes.count("RATE_LIMITED")) == (10, 40)


def _wrong_login(base: str, forwarded_for: str) -> str:
    response = httpx.post(
        f"{base}/graphql",
        json={"query": WRONG, "variables": {"e": f"{uuid.uuid4().hex}@crm.test"}},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=30,
    )
    return error_code(response.json())


def test_a_forwarded_header_from_an_untrusted_peer_does_not_dodge_the_client_limit(admin: tuple[str, str]) -> None:
    # given the production server (`crm serve`) with no trusted proxies and 5 failures allowed per client
    with api_process({"CRM_LOGIN_LIMIT_PER_CLIENT": "5"}, cli=True) as base:
        # when a client sends wrong logins for new accounts, each with a made-up X-Forwarded-For
        codes = [_wrong_login(base, f"198.51.100.{i}") for i in range(6)]
    # then the peer address counts: the sixth is refused
    assert codes == ["UNAUTHENTICATED"] * 5 + ["RATE_LIMITED"]


def test_a_trusted_proxy_names_the_client(admin: tuple[str, str]) -> None:
    # given a server behind a trusted proxy at 127.0.0.1
    env = {"CRM_LOGIN_LIMIT_PER_CLIENT": "5", "CRM_TRUSTED_PROXIES": "10.9.0.0/16, 127.0.0.1"}
    with api_process(env, cli=True) as base:
        # when one client behind it fails five times, writing its own fake entries left of what the proxy appended
        codes = [_wrong_login(base, f"192.0.2.{i}, 203.0.113.7") for i in range(6)]
        # then the right-most untrusted address is the client: it is limited, another client behind the proxy is not
        other = _wrong_login(base, "203.0.113.7, 203.0.113.8, 10.9.0.1")
    assert codes == ["UNAUTHENTICATED"] * 5 + ["RATE_LIMITED"]
    assert other == "UNAUTHENTICATED"
