"""Consent: double opt-in with signed, expiring, single-use links; recorded and revoked consent with evidence."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest

from domain import tokens
from domain.deps import Deps
from integrations.mail import SmtpTransport
from tests.conftest import Gql, data, error_code
from tests.mail_sink import Sink, text_of, use_sink
from tests.servers import free_port

CONSENT = "channel purpose status source grantedAt confirmedAt revokedAt history { status source evidence }"
REQUEST = (
    'mutation($p: ID!, $pu: String!) { requestConsent(personId: $p, channel: EMAIL, purpose: $pu, source: "shop") '
    "{ " + CONSENT + " } }"
)
RECORD = (
    'mutation($p: ID!, $e: String!) { recordConsent(personId: $p, channel: EMAIL, purpose: "newsletter", '
    "evidence: $e) { " + CONSENT + " } }"
)
REVOKE = 'mutation($p: ID!) { revokeConsent(personId: $p, channel: EMAIL, purpose: "newsletter") { status } }'
CONFIRM = "mutation($t: String!) { confirmConsent(token: $t) }"
CONSENTS = "query($p: ID!) { person(id: $p) { consents { " + CONSENT + " } } }"


sink = pytest.fixture(name="sink")(use_sink)


async def consumer(gql: Gql, token: str, email: str = "eve@shop.example") -> str:
    result = await gql(
        'mutation($e: String!) { createPerson(input: {firstName: "Eve", lastName: "Shopper", email: $e}) { id } }',
        {"e": email},
        token,
    )
    return str(data(result)["createPerson"]["id"])


def link_token(sink: Sink, address: str) -> str:
    (message,) = sink.to(address)
    match = re.search(r"/consent/confirm\?token=(\S+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


async def consents(gql: Gql, token: str, person_id: str) -> list[dict[str, Any]]:
    return data(await gql(CONSENTS, {"p": person_id}, token))["person"]["consents"]  # type: ignore[no-any-return]


async def test_double_opt_in_grants_once_after_the_confirmation_link(gql: Gql, admin_token: str, sink: Sink) -> None:
    # given a consumer
    eve = await consumer(gql, admin_token)
    # when double opt-in is requested
    pending = data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))["requestConsent"]
    # then the consent is PENDING and exactly one confirmation mail went to the consumer
    assert pending == {
        "channel": "EMAIL",
        "purpose": "newsletter",
        "status": "PENDING",
        "source": "shop",
        "grantedAt": None,
        "confirmedAt": None,
        "revokedAt": None,
        "history": [{"status": "PENDING", "source": "shop", "evidence": "double opt-in requested"}],
    }
    assert sink.recipients() == ["eve@shop.example"]
    assert sink.messages[0]["Subject"] == "Please confirm your subscription"
    token = link_token(sink, "eve@shop.example")
    # when the link is confirmed (no bearer token: public)
    assert data(await gql(CONFIRM, {"t": token}))["confirmConsent"] is True
    # then it is GRANTED with the time of confirmation, and the evidence says how
    (granted,) = await consents(gql, admin_token, eve)
    assert granted["status"] == "GRANTED"
    assert granted["confirmedAt"] == granted["grantedAt"] is not None
    assert [h["status"] for h in granted["history"]] == ["PENDING", "GRANTED"]
    assert granted["history"][1]["evidence"].startswith("double opt-in confirmed")
    # and the link works once
    assert data(await gql(CONFIRM, {"t": token}))["confirmConsent"] is False


async def test_parallel_confirmations_of_one_link_yield_exactly_one_true(
    gql: Gql, admin_token: str, sink: Sink
) -> None:
    eve = await consumer(gql, admin_token)
    data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))
    token = link_token(sink, "eve@shop.example")
    results = await asyncio.gather(*(gql(CONFIRM, {"t": token}) for _ in range(12)))
    assert sorted(data(r)["confirmConsent"] for r in results) == [False] * 11 + [True]
    (granted,) = await consents(gql, admin_token, eve)
    assert [h["status"] for h in granted["history"]] == ["PENDING", "GRANTED"]


async def test_tampered_expired_and_voided_links_grant_nothing(
    gql: Gql, admin_token: str, sink: Sink, deps: Deps
) -> None:
    eve = await consumer(gql, admin_token)
    data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))
    token = link_token(sink, "eve@shop.example")
    payload = tokens.verify(deps.settings.secret, "confirm", token)
    # a changed payload with the old signature, a link of another kind, a link past its expiry
    forged = tokens.sign("another-secret", "confirm", payload)
    other_kind = tokens.sign(deps.settings.secret, "unsubscribe", payload)
    expired = tokens.sign(deps.settings.secret, "confirm", {**payload, "exp": int(time.time()) - 1})
    for bad in (forged, other_kind, expired, token[:-2], "garbage"):
        assert error_code(await gql(CONFIRM, {"t": bad})) == "BAD_USER_INPUT"
    # a revocation voids the pending link
    assert data(await gql(REVOKE, {"p": eve}, admin_token))["revokeConsent"]["status"] == "REVOKED"
    assert data(await gql(CONFIRM, {"t": token}))["confirmConsent"] is False
    (revoked,) = await consents(gql, admin_token, eve)
    assert [h["status"] for h in revoked["history"]] == ["PENDING", "REVOKED"]
    # a new request sends a new link and voids the one before
    data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))
    data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))
    first, second = (re.search(r"token=(\S+)", text_of(m)).group(1) for m in sink.messages[1:])  # type: ignore[union-attr]
    assert data(await gql(CONFIRM, {"t": first}))["confirmConsent"] is False
    assert data(await gql(CONFIRM, {"t": second}))["confirmConsent"] is True


async def test_the_link_expiry_is_configurable(gql: Gql, admin_token: str, sink: Sink, deps: Deps) -> None:
    eve = await consumer(gql, admin_token)
    data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))
    payload = tokens.verify(deps.settings.secret, "confirm", link_token(sink, "eve@shop.example"))
    assert deps.settings.consent_token_ttl - 5 <= payload["exp"] - time.time() <= deps.settings.consent_token_ttl


async def test_recorded_consent_needs_evidence_and_revocation_keeps_the_history(
    gql: Gql, admin_token: str, sink: Sink
) -> None:
    eve = await consumer(gql, admin_token)
    assert error_code(await gql(RECORD, {"p": eve, "e": "  "}, admin_token)) == "BAD_USER_INPUT"
    assert await consents(gql, admin_token, eve) == []
    recorded = data(await gql(RECORD, {"p": eve, "e": "paper form 2026-03-01, filed in box 7"}, admin_token))
    assert recorded["recordConsent"]["status"] == "GRANTED"
    assert recorded["recordConsent"]["confirmedAt"] is None
    data(await gql(REVOKE, {"p": eve}, admin_token))
    (state,) = await consents(gql, admin_token, eve)
    assert state["status"] == "REVOKED"
    assert state["revokedAt"] is not None
    assert state["history"] == [
        {
            "status": "GRANTED",
            "source": "paper form 2026-03-01, filed in box 7",
            "evidence": "paper form 2026-03-01, filed in box 7",
        },
        {"status": "REVOKED", "source": "paper form 2026-03-01, filed in box 7", "evidence": "revoked by a user"},
    ]
    # a granted consent asked for again stays granted and sends nothing
    data(await gql(RECORD, {"p": eve, "e": "shop checkout"}, admin_token))
    again = data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))["requestConsent"]
    assert again["status"] == "GRANTED"
    assert sink.messages == []


async def test_refusals_write_nothing(gql: Gql, admin_token: str, deps: Deps, make_user: Any) -> None:
    eve = await consumer(gql, admin_token)
    # the relay is down: the mutation fails and nothing is recorded
    previous = deps.mail
    deps.mail = SmtpTransport(f"smtp://127.0.0.1:{free_port()}")
    try:
        assert error_code(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token)) == "SERVICE_UNAVAILABLE"
    finally:
        deps.mail = previous
    assert await consents(gql, admin_token, eve) == []
    assert await deps.db.read("MATCH (r:ConsentRecord) RETURN r") == []
    assert error_code(await gql(REQUEST, {"p": "per_nobody", "pu": "newsletter"}, admin_token)) == "NOT_FOUND"
    assert error_code(await gql(REQUEST, {"p": eve, "pu": "a|b"}, admin_token)) == "BAD_USER_INPUT"
    nomail = data(await gql('mutation { createPerson(input: {lastName: "NoMail"}) { id } }', token=admin_token))
    assert (
        error_code(await gql(REQUEST, {"p": nomail["createPerson"]["id"], "pu": "newsletter"}, admin_token))
        == "BAD_USER_INPUT"
    )
    _, tech = await make_user("TECHNICIAN")
    assert error_code(await gql(RECORD, {"p": eve, "e": "form"}, tech)) == "FORBIDDEN"
    assert error_code(await gql(REVOKE, {"p": eve})) == "UNAUTHENTICATED"
    assert error_code(await gql(REQUEST, {"p": eve, "pu": "newsletter"})) == "UNAUTHENTICATED"


async def test_confirmation_page_never_confirms_on_get(
    gql: Gql, admin_token: str, sink: Sink, client: httpx.AsyncClient
) -> None:
    eve = await consumer(gql, admin_token)
    data(await gql(REQUEST, {"p": eve, "pu": "newsletter"}, admin_token))
    token = link_token(sink, "eve@shop.example")
    page = await client.get(f"/consent/confirm?token={token}")
    assert page.status_code == 200
    assert (await consents(gql, admin_token, eve))[0]["status"] == "PENDING"
    assert (await client.get("/consent/confirm?token=x.y")).status_code == 400
    done = await client.post(f"/consent/confirm?token={token}")
    assert done.status_code == 200
    assert "confirmed" in done.text
    assert (await consents(gql, admin_token, eve))[0]["status"] == "GRANTED"
