"""Subscription webhooks: management, signed ordered deliveries with retries, restarts that lose nothing."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from crm.webhook_dispatch import Dispatcher, EventFilter, event_filter
from domain import webhooks as webhook_uc
from domain.auth import Principal, Role
from domain.deps import Deps
from domain.errors import BadInput
from domain.events import ChangeEvent
from integrations.webhooks import UrlRefused, check_url, verify
from tests.conftest import Gql, data, error_code
from tests.servers import ROOT
from tests.webhook_receiver import Receiver, receiver

CREATE = """mutation($i: CreateWebhookInput!) {
  createWebhook(input: $i) { secret webhook { id url active subscriptionQuery createdBy { email } } }
}"""
COMPANIES = "subscription { entityChanged(types: [COMPANY]) { type nodeId op idempotencyKey } }"
DELIVERIES = """query($id: ID!) { node(id: $id) { ... on Webhook {
  deliveries(first: 100) { totalCount edges { node { id eventId attempt status responseCode nextAttemptAt } } }
} } }"""
FAST_RETRIES = {"CRM_WEBHOOK_RETRY_BASE": "0.2", "CRM_WEBHOOK_RETRY_MAX": "1"}


@contextlib.contextmanager
def webhook_worker(env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker on the webhooks queue (a thread pool, as `crm webhook-worker` runs it)."""
    celery = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "webhooks", "--pool", "threads"]
    proc = subprocess.Popen(
        [*celery, "--concurrency", "4", "--loglevel", "WARNING", "-n", f"webhooks-{os.getpid()}@%h"],
        cwd=ROOT,
        env={**os.environ, **FAST_RETRIES, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def enqueue(webhook_id: str) -> None:
    """Queues over a fresh broker connection: the test fixture `clean` flushes Redis, queue bindings included,
    and a pooled connection would believe the webhooks queue still declared (its message would go nowhere)."""
    from workers.app import app
    from workers.webhooks import deliver

    with app.connection_for_write() as connection:
        deliver.apply_async(args=[webhook_id], queue="webhooks", connection=connection)


@pytest.fixture
async def dispatcher(deps: Deps) -> AsyncIterator[Dispatcher]:
    running = Dispatcher(deps, enqueue=enqueue)
    task = asyncio.create_task(running.run())
    yield running
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10)
    if not done:
        for t in asyncio.all_tasks():
            t.print_stack()
        raise AssertionError("dispatcher did not stop")


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


async def create_webhook(gql: Gql, token: str, url: str, query: str = COMPANIES, **extra: Any) -> dict[str, Any]:
    result = await gql(CREATE, {"i": {"url": url, "subscriptionQuery": query, **extra}}, token)
    return data(result)["createWebhook"]  # type: ignore[no-any-return]


async def create_companies(gql: Gql, token: str, names: list[str]) -> list[str]:
    ids = []
    for name in names:
        created = await gql("mutation($n: String!) { createCompany(input: {name: $n}) { id } }", {"n": name}, token)
        ids.append(data(created)["createCompany"]["id"])
    return ids


async def deliveries(gql: Gql, token: str, webhook_id: str) -> list[dict[str, Any]]:
    page = data(await gql(DELIVERIES, {"id": webhook_id}, token))["node"]["deliveries"]
    return [edge["node"] for edge in page["edges"]]


async def until(check: Any, timeout: float = 90.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


# ---- management


async def test_create_webhook_shows_the_secret_once_and_emits_a_change(gql: Gql, admin_token: str) -> None:
    # when an ADMIN creates a webhook without a secret
    created = await create_webhook(gql, admin_token, "https://erp.example.com/hook")
    # then a secret is generated and shown, the webhook is listed (without it) and a WEBHOOK event is in the feed
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["webhook"] == {
        "id": created["webhook"]["id"],
        "url": "https://erp.example.com/hook",
        "active": True,
        "subscriptionQuery": COMPANIES,
        "createdBy": {"email": "admin@crm.test"},
    }
    listed = data(await gql("{ webhooks { id active } }", token=admin_token))["webhooks"]
    assert listed == [{"id": created["webhook"]["id"], "active": True}]
    feed = data(await gql("{ changes(types: [WEBHOOK]) { edges { node { type nodeId op } } } }", token=admin_token))
    assert feed["changes"]["edges"] == [
        {"node": {"type": "WEBHOOK", "nodeId": created["webhook"]["id"], "op": "CREATED"}}
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("subscription { entityChanged { nope } }", "Cannot query field 'nope' on type 'ChangeEvent'."),
        ("subscription {", "subscriptionQuery: Syntax Error: Expected Name, found <EOF>."),
        ("{ me { id } }", "subscriptionQuery: must hold exactly one subscription operation"),
        (
            "subscription($t: [EntityType!]) { entityChanged(types: $t) { nodeId } }",
            "subscriptionQuery: variables need default values (a webhook sends none)",
        ),
    ],
)
async def test_a_document_the_schema_refuses_is_bad_user_input(
    gql: Gql, admin_token: str, query: str, message: str
) -> None:
    result = await gql(CREATE, {"i": {"url": "https://erp.example.com/hook", "subscriptionQuery": query}}, admin_token)
    assert error_code(result) == "BAD_USER_INPUT"
    assert message in result["errors"][0]["message"]
    assert data(await gql("{ webhooks { id } }", token=admin_token))["webhooks"] == []


@pytest.mark.parametrize(
    "url", ["ftp://erp.example.com/hook", "erp.example.com/hook", "https://", "https://user:pw@erp.example.com/"]
)
async def test_only_http_urls_are_accepted(gql: Gql, admin_token: str, url: str) -> None:
    result = await gql(CREATE, {"i": {"url": url, "subscriptionQuery": COMPANIES}}, admin_token)
    assert error_code(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["field"] == "url"


async def test_only_admin_and_integration_manage_webhooks(gql: Gql, make_user: Any) -> None:
    _, rep = await make_user("SALES_REP")
    _, integration = await make_user("INTEGRATION")
    refused = await gql(CREATE, {"i": {"url": "https://erp.example.com/", "subscriptionQuery": COMPANIES}}, rep)
    assert error_code(refused) == "FORBIDDEN"
    assert error_code(await gql("{ webhooks { id } }", token=rep)) == "FORBIDDEN"
    created = await create_webhook(gql, integration, "https://erp.example.com/", secret="a-secret-of-enough-length")
    assert created["secret"] == "a-secret-of-enough-length"
    hook_id = created["webhook"]["id"]
    assert data(await gql("query($id: ID!) { node(id: $id) { id } }", {"id": hook_id}, rep))["node"] is None
    paused = await gql(
        "mutation($id: ID!) { setWebhookActive(id: $id, active: false) { active } }", {"id": hook_id}, integration
    )
    assert data(paused)["setWebhookActive"] == {"active": False}
    deleted = await gql("mutation($id: ID!) { deleteWebhook(id: $id) }", {"id": hook_id}, integration)
    assert data(deleted)["deleteWebhook"] == hook_id
    assert data(await gql("{ webhooks { id } }", token=integration))["webhooks"] == []
    again = await gql("mutation($id: ID!) { deleteWebhook(id: $id) }", {"id": hook_id}, integration)
    assert error_code(again) == "NOT_FOUND"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
    ],
)
async def test_private_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(UrlRefused):
        await check_url(url, allow_private=False)
    await check_url(url, allow_private=True)


async def test_create_refuses_a_private_url_in_production_settings(deps: Deps, admin: tuple[str, str]) -> None:
    user = await deps.db.read_one("MATCH (u:User) RETURN u {.*} AS user")
    assert user is not None
    who = Principal(user["user"], Role.ADMIN)
    strict = dataclasses.replace(deps, settings=dataclasses.replace(deps.settings, webhook_allow_private=False))

    async def refuse(url: str, allow_private: bool) -> None:
        try:
            await check_url(url, allow_private)
        except UrlRefused as exc:
            raise ValueError(str(exc)) from exc

    with pytest.raises(BadInput) as refused:
        await webhook_uc.create(
            strict, who, {"url": "http://127.0.0.1/x", "subscriptionQuery": COMPANIES}, lambda _: None, refuse
        )
    assert refused.value.details == {"field": "url"}
    assert "loopback, link-local or private" in refused.value.message


# ---- delivery


async def test_a_receiver_failing_twice_gets_one_accepted_signed_delivery_after_three_attempts(
    gql: Gql, admin_token: str, hooks: Receiver, dispatcher: Dispatcher
) -> None:
    # given a webhook on a loopback receiver that answers 500, then 503, then 200
    hooks.script["/erp"].extend([500, 503])
    created = await create_webhook(gql, admin_token, hooks.base + "/erp")
    hook_id, secret = created["webhook"]["id"], created["secret"]
    with webhook_worker():
        # when a company is created
        (company_id,) = await create_companies(gql, admin_token, ["Acme"])
        accepted = await asyncio.to_thread(hooks.wait, "/erp", 1)
    # then exactly one attempt was accepted, after three, all with the same delivery id and a valid signature
    attempts = hooks.on("/erp")
    assert [r.status for r in attempts] == [500, 503, 200]
    assert len(accepted) == 1
    delivery_ids = {r.headers["x-crm-delivery"] for r in attempts}
    assert len(delivery_ids) == 1
    for request in attempts:
        assert verify(secret, request.headers["x-crm-timestamp"], request.body, request.headers["x-crm-signature"])
        assert request.headers["content-type"] == "application/json"
    body = accepted[0].json
    assert body["data"]["entityChanged"]["nodeId"] == company_id
    assert body["data"]["entityChanged"]["op"] == "CREATED"
    # and the delivery records the three attempts
    recorded = await until(
        lambda: _succeeded(gql, admin_token, hook_id),
    )
    assert recorded == [
        {
            "id": delivery_ids.pop(),
            "eventId": recorded[0]["eventId"],
            "attempt": 3,
            "status": "SUCCEEDED",
            "responseCode": 200,
            "nextAttemptAt": None,
        }
    ]


async def _succeeded(gql: Gql, token: str, hook_id: str) -> list[dict[str, Any]] | None:
    rows = await deliveries(gql, token, hook_id)
    return rows if rows and all(r["status"] == "SUCCEEDED" for r in rows) else None


async def test_deliveries_keep_the_event_order_and_a_failing_receiver_delays_no_other(
    gql: Gql, admin_token: str, hooks: Receiver, dispatcher: Dispatcher
) -> None:
    # given a receiver that answers 503 for now and a healthy one
    hooks.default["/down"] = 503
    down = await create_webhook(gql, admin_token, hooks.base + "/down")
    await create_webhook(gql, admin_token, hooks.base + "/up")
    with webhook_worker():
        # when ten companies are created
        ids = await create_companies(gql, admin_token, [f"C{i}" for i in range(10)])
        # then the healthy receiver gets all ten, in commit order, while the other is still failing
        got = await asyncio.to_thread(hooks.wait, "/up", 10, 90.0)
        assert [r.json["data"]["entityChanged"]["nodeId"] for r in got] == ids
        await asyncio.to_thread(hooks.wait, "/down", 2, 90.0, False)
        assert hooks.accepted("/down") == []
        # and the failing one holds its queue: only its first delivery was attempted
        assert {r.json["data"]["entityChanged"]["nodeId"] for r in hooks.on("/down")} == {ids[0]}
        rows = await deliveries(gql, admin_token, down["webhook"]["id"])
        assert [r["status"] for r in rows] == ["PENDING"] * 9 + ["RETRYING"]
        # when it recovers, it gets the ten in order
        hooks.default["/down"] = 200
        recovered = await asyncio.to_thread(hooks.wait, "/down", 10, 90.0)
    assert [r.json["data"]["entityChanged"]["nodeId"] for r in recovered] == ids


async def test_a_client_error_fails_the_delivery_at_once_and_retry_delivery_replays_it(
    gql: Gql, admin_token: str, hooks: Receiver, dispatcher: Dispatcher
) -> None:
    hooks.script["/erp"].append(410)
    created = await create_webhook(gql, admin_token, hooks.base + "/erp")
    hook_id = created["webhook"]["id"]
    with webhook_worker():
        ids = await create_companies(gql, admin_token, ["First", "Second"])
        # the 410 is final (dead letter); the next delivery goes on
        second = await asyncio.to_thread(hooks.wait, "/erp", 1)
        assert second[0].json["data"]["entityChanged"]["nodeId"] == ids[1]
        rows = await until(lambda: _settled(gql, admin_token, hook_id))
        assert [(r["status"], r["attempt"], r["responseCode"]) for r in rows] == [
            ("SUCCEEDED", 1, 200),
            ("FAILED", 1, 410),
        ]
        # retryDelivery replays the failed one now
        retried = await gql(
            "mutation($id: ID!) { retryDelivery(deliveryId: $id) { id status } }", {"id": rows[1]["id"]}, admin_token
        )
        assert data(retried)["retryDelivery"] == {"id": rows[1]["id"], "status": "RETRYING"}
        replayed = await asyncio.to_thread(hooks.wait, "/erp", 2)
        assert replayed[1].json["data"]["entityChanged"]["nodeId"] == ids[0]
        assert replayed[1].headers["x-crm-delivery"] == rows[1]["id"]
    # a delivery that succeeded is not replayed
    again = await gql(
        "mutation($id: ID!) { retryDelivery(deliveryId: $id) { id } }", {"id": rows[0]["id"]}, admin_token
    )
    assert error_code(again) == "CONFLICT"


async def _settled(gql: Gql, token: str, hook_id: str) -> list[dict[str, Any]] | None:
    rows = await deliveries(gql, token, hook_id)
    return rows if len(rows) == 2 and all(r["status"] in ("SUCCEEDED", "FAILED") for r in rows) else None


async def test_a_revoked_api_key_stops_its_webhook(
    gql: Gql, admin_token: str, hooks: Receiver, dispatcher: Dispatcher
) -> None:
    # given a webhook created through an INTEGRATION key
    key = data(
        await gql('mutation { createApiKey(name: "erp", role: INTEGRATION) { key apiKey { id } } }', token=admin_token)
    )["createApiKey"]
    await create_webhook(gql, key["key"], hooks.base + "/erp")
    with webhook_worker():
        await create_companies(gql, admin_token, ["Before"])
        await asyncio.to_thread(hooks.wait, "/erp", 1)
        # when the key is revoked
        revoked = await gql("mutation($id: ID!) { revokeApiKey(id: $id) }", {"id": key["apiKey"]["id"]}, admin_token)
        assert data(revoked)
        await asyncio.sleep(6)  # the dispatcher re-checks the creator every 5 s
        await create_companies(gql, admin_token, ["After"])
        await asyncio.sleep(3)
    # then nothing more is delivered
    assert [r.json["data"]["entityChanged"]["op"] for r in hooks.on("/erp")] == ["CREATED"]


async def test_a_document_runs_with_its_creators_permissions(
    gql: Gql, admin_token: str, make_user: Any, hooks: Receiver, dispatcher: Dispatcher, deps: Deps
) -> None:
    # given an INTEGRATION user's webhook, and the user is then made SALES_REP (who may not follow every change)
    user_id, integration = await make_user("INTEGRATION")
    created = await create_webhook(gql, integration, hooks.base + "/erp")
    demoted = await gql(
        "mutation($id: ID!) { updateUser(id: $id, input: {role: SALES_REP}) { role } }", {"id": user_id}, admin_token
    )
    assert data(demoted)
    with webhook_worker():
        await create_companies(gql, admin_token, ["Hidden"])
        await asyncio.sleep(4)
    # then the event yields no delivery
    assert hooks.on("/erp") == []
    assert await deliveries(gql, admin_token, created["webhook"]["id"]) == []


async def test_redis_and_worker_restarted_mid_stream_lose_no_event(
    gql: Gql, admin_token: str, hooks: Receiver, dispatcher: Dispatcher
) -> None:
    port = str(urlsplit(os.environ["REDIS_URL"]).port)
    redis_env = {**os.environ, "REDIS_PORT": port, "REDIS_DIR": ".data/test-redis"}
    await create_webhook(gql, admin_token, hooks.base + "/erp")
    names = [f"R{i}" for i in range(30)]
    worker = webhook_worker()
    proc = worker.__enter__()
    try:
        ids = await create_companies(gql, admin_token, names[:10])
        await asyncio.to_thread(hooks.wait, "/erp", 3)
        # the worker dies mid-stream (kill -9) and Redis restarts while companies are written
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        subprocess.run(["scripts/redis.sh", "stop"], cwd=ROOT, env=redis_env, check=True, capture_output=True)
        ids += await create_companies(gql, admin_token, names[10:20])  # their events wait in the outbox
        subprocess.run(["scripts/redis.sh", "start"], cwd=ROOT, env=redis_env, check=True, capture_output=True)
    finally:
        worker.__exit__(None, None, None)
    with webhook_worker():
        ids += await create_companies(gql, admin_token, names[20:])
        await asyncio.to_thread(hooks.wait, "/erp", 30, 120.0)
        await asyncio.sleep(1)
    got = hooks.accepted("/erp")
    # then every event arrived; a delivery id arrives at most twice (an attempt cut by the kill), never two ids
    # for one event
    events: dict[str, set[str]] = {}
    for request in got:
        change = request.json["data"]["entityChanged"]
        events.setdefault(change["idempotencyKey"], set()).add(request.headers["x-crm-delivery"])
    assert sorted({r.json["data"]["entityChanged"]["nodeId"] for r in got}) == sorted(ids)
    assert all(len(ids_of_event) == 1 for ids_of_event in events.values())
    assert len(events) == 30


def test_the_webhook_part_of_the_integrations_contract_is_served() -> None:
    # the rest of [integrations] (orders, import progress) belongs to other areas
    check = ROOT.parent / "shared" / "contract" / "check.py"
    result = subprocess.run(
        [sys.executable, str(check), str(ROOT / "schema.graphql"), "--sections", "integrations"],
        capture_output=True,
        text=True,
        check=False,
    )
    section = result.stdout.split("[integrations]", 1)[1].split("\n[", 1)[0]
    missing = [line.strip() for line in section.splitlines()[1:] if line.strip()]
    assert not [line for line in missing if "ebhook" in line or "Delivery" in line or "EntityType" in line], missing


async def test_deliveries_page_newest_first_and_a_batch_recorded_twice_counts_once(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given a webhook whose dispatcher recorded three deliveries (and then tried the same batch again)
    hook_id = (await create_webhook(gql, admin_token, "https://erp.example.com/hook"))["webhook"]["id"]
    start = (await deps.db.read_one("MATCH (w:Webhook {id: $id}) RETURN w.position AS p", {"id": hook_id}) or {})["p"]
    rows = [
        {"id": webhook_uc.delivery_id(hook_id, f"k{i}"), "eventId": f"1-{i}", "key": f"k{i}", "body": "{}"}
        for i in range(3)
    ]
    assert await webhook_uc.record(deps, hook_id, start, "1-2", rows) is True
    assert await webhook_uc.record(deps, hook_id, start, "1-2", rows) is False
    # when the deliveries are paged two at a time
    page = """query($id: ID!, $after: String) { node(id: $id) { ... on Webhook {
      deliveries(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { eventId status } } }
    } } }"""
    first = data(await gql(page, {"id": hook_id}, admin_token))["node"]["deliveries"]
    second = data(await gql(page, {"id": hook_id, "after": first["pageInfo"]["endCursor"]}, admin_token))["node"][
        "deliveries"
    ]
    # then they come newest first, each once
    assert first["totalCount"] == 3
    assert [e["node"] for e in first["edges"]] == [
        {"eventId": "1-2", "status": "PENDING"},
        {"eventId": "1-1", "status": "PENDING"},
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"] for e in second["edges"]] == [{"eventId": "1-0", "status": "PENDING"}]
    assert second["pageInfo"]["hasNextPage"] is False
    # a waiting delivery is not replayed; an unknown one is not found
    pending = await gql(
        "mutation($id: ID!) { retryDelivery(deliveryId: $id) { id } }", {"id": rows[0]["id"]}, admin_token
    )
    assert error_code(pending) == "CONFLICT"
    unknown = await gql('mutation { retryDelivery(deliveryId: "whd_nope") { id } }', token=admin_token)
    assert error_code(unknown) == "NOT_FOUND"
    found = await gql(
        "query($id: ID!) { node(id: $id) { ... on WebhookDelivery { eventId } } }", {"id": rows[2]["id"]}, admin_token
    )
    assert data(found)["node"] == {"eventId": "1-2"}


def test_a_document_is_fed_only_the_changes_its_field_can_yield_for() -> None:
    # given documents whose root field tells the change types (and node) it yields for, and documents that do not
    companies = event_filter("subscription { entityChanged(types: [COMPANY, PERSON]) { nodeId } }")
    assert companies == EventFilter(frozenset({"COMPANY", "PERSON"}))
    assert event_filter("subscription { entityChanged(types: TICKET) { nodeId } }") == EventFilter(
        frozenset({"TICKET"})
    )
    owner = event_filter('subscription { o: opportunityChanged(ownerId: "u") { op } }')
    assert owner == EventFilter(frozenset({"OPPORTUNITY"}))
    one = event_filter('subscription { opportunityChanged(opportunityId: "opp_1") { op } }')
    assert one == EventFilter(frozenset({"OPPORTUNITY"}), "opp_1")
    assert event_filter('subscription { ticketChanged(ticketId: "tck_1") { op } }') == EventFilter(
        frozenset({"TICKET"}), "tck_1"
    )
    assert event_filter('subscription { ticketChanged(ticketId: "") { op } }') == EventFilter(frozenset({"TICKET"}))
    assert event_filter("subscription { leadCreated { id } }") == EventFilter(frozenset({"LEAD"}))
    # then only those changes pass
    now = datetime.now(UTC)
    assert one.passes(ChangeEvent("1-1", "OPPORTUNITY", "opp_1", "UPDATED", now))
    assert not one.passes(ChangeEvent("1-2", "OPPORTUNITY", "opp_2", "UPDATED", now))
    assert not companies.passes(ChangeEvent("1-3", "TICKET", "tck_1", "UPDATED", now))
    # and documents that may yield for any change are fed every event
    assert event_filter("subscription { entityChanged { nodeId } }") == EventFilter()
    assert event_filter("subscription { entityChanged(types: []) { nodeId } }") == EventFilter()
    variable = "subscription($t: [EntityType!] = [COMPANY]) { entityChanged(types: $t) { nodeId } }"
    assert event_filter(variable) == EventFilter()
    assert (
        event_filter("subscription { entityChanged(types: [COMPANY]) @include(if: true) { nodeId } }") == EventFilter()
    )
    assert event_filter("subscription { ...F } fragment F on Subscription { ticketChanged { op } }") == EventFilter()
