"""The webhook dispatcher's execution: a batch of events fed at once, and the routing of events to documents."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from crm.webhook_dispatch import Dispatcher, Runner, _Group, event_filter, shard_of
from domain import webhooks as webhook_uc
from domain.auth import Principal, Role
from domain.deps import Deps
from domain.events import ChangeEvent
from tests.conftest import Gql
from tests.test_webhooks import create_companies, create_webhook, enqueue, webhook_worker
from tests.webhook_receiver import receiver

ADMIN = Principal(
    {"id": "usr_dispatch", "email": "d@crm.test", "name": "D", "role": "ADMIN", "active": True}, Role.ADMIN
)
NOW = datetime(2026, 11, 27, tzinfo=UTC)

# Documents with literal filters, variables (with defaults), aliases, fragments, directives and no filter at all.
DOCUMENTS = [
    'subscription { opportunityChanged(opportunityId: "opp_1") { op opportunityId } }',
    'subscription { o: opportunityChanged(opportunityId: "opp_9") { kind: op } }',
    'subscription($id: ID = "opp_2") { opportunityChanged(opportunityId: $id) { op opportunityId } }',
    "subscription { opportunityChanged { op opportunityId } }",
    "subscription { ...F } fragment F on Subscription { opportunityChanged { opportunityId } }",
    'subscription { opportunityChanged(opportunityId: "opp_3") { op opportunityId @skip(if: true) } }',
    "subscription { entityChanged(types: [COMPANY]) { nodeId op } }",
    "subscription($t: [EntityType!] = [TICKET]) { entityChanged(types: $t) { type nodeId } }",
    "subscription { entityChanged { type nodeId } }",
    "subscription { e: entityChanged(types: [OPPORTUNITY, TICKET]) { ... on ChangeEvent { nodeId } } }",
    'subscription { ticketChanged(ticketId: "tck_1") { op ticketId } }',
    'subscription { ticketChanged(ticketId: "") { op ticketId } }',
    "subscription { leadCreated { id } }",
]


def events() -> list[ChangeEvent]:
    out = []
    for n, (type_, node) in enumerate(
        [
            ("OPPORTUNITY", "opp_1"),
            ("COMPANY", "cmp_1"),
            ("OPPORTUNITY", "opp_2"),
            ("TICKET", "tck_1"),
            ("OPPORTUNITY", "opp_3"),
            ("OPPORTUNITY", "opp_1"),
            ("TICKET", "tck_2"),
            ("LEAD", "led_1"),
            ("PERSON", "per_1"),
            ("OPPORTUNITY", "opp_9"),
        ]
    ):
        out.append(ChangeEvent(f"1-{n}", type_, node, "DELETED", NOW, key=f"k{n}"))
    return out


async def alone(deps: Deps, document: str, batch: list[ChangeEvent]) -> list[list[dict[str, Any]]]:
    """What each event yields when it is the only one fed to a fresh subscription."""
    out = []
    for event in batch:
        runner = Runner(Dispatcher(deps).schema, deps, document, ADMIN)
        out.append(await runner.run(event))
        await runner.close()
    return out


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_a_batch_fed_at_once_yields_per_event_what_each_yields_alone(deps: Deps, document: str) -> None:
    # given a document and a batch of change events of several types and nodes
    batch = events()
    runner = Runner(Dispatcher(deps).schema, deps, document, ADMIN)
    # when the batch is fed at once, twice (the subscription lives on)
    first = await runner.run_many(batch)
    second = await runner.run_many(batch[3:])
    await runner.close()
    # then each event yields exactly what it yields alone
    expected = await alone(deps, document, batch)
    assert first == expected
    assert second == expected[3:]
    assert any(expected) or "leadCreated" in document  # (a lead yields only when it exists)


async def test_the_routing_never_withholds_an_event_the_document_yields_for(deps: Deps) -> None:
    # given the dispatcher's index of documents by what their root field can yield for
    dispatcher = Dispatcher(deps)
    for document in DOCUMENTS:
        dispatcher.groups[(document, "usr_dispatch", None)] = _Group(only=event_filter(document))
    dispatcher._route()
    batch = events()
    for document in DOCUMENTS:
        key = (document, "usr_dispatch", None)
        routed = [n for n, event in enumerate(batch) if key in dispatcher._concerned(event)]
        # when every event is run through the document
        yielded = await alone(deps, document, batch)
        # then every event that yields anything is routed to it, and filtered documents are not fed the others
        assert {n for n, out in enumerate(yielded) if out} <= set(routed), document
        if event_filter(document).types is not None:
            assert len(routed) < len(batch), document
    # literal ids: one look-up finds the one document of the node
    opp_1 = batch[0]
    assert [k[0] for k in dispatcher._concerned(opp_1) if "opportunityId:" in k[0] and "$id" not in k[0]] == [
        DOCUMENTS[0]
    ]


async def test_an_event_the_resolver_fails_on_keeps_its_place_and_the_batch_goes_on(deps: Deps) -> None:
    # given a batch whose second event makes the resolver fail (a stage the schema does not know)
    document = "subscription { opportunityChanged { op opportunityId previousStage } }"
    batch = [
        ChangeEvent("1-1", "OPPORTUNITY", "opp_1", "DELETED", NOW, key="a"),
        ChangeEvent("1-2", "OPPORTUNITY", "opp_2", "DELETED", NOW, extra={"previousStage": "NO_SUCH_STAGE"}, key="b"),
        ChangeEvent("1-3", "OPPORTUNITY", "opp_3", "DELETED", NOW, key="c"),
    ]
    runner = Runner(Dispatcher(deps).schema, deps, document, ADMIN)
    # when it is fed at once
    got = await runner.run_many(batch)
    await runner.close()
    # then the failing event yields its error (the subscription ends there), the events around it their changes
    # (the last from the subscription started afresh): each as it yields alone
    assert got == await alone(deps, document, batch)
    message = "'NO_SUCH_STAGE' is not a valid OpportunityStage"
    assert got[1] == [{"data": None, "errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}]
    assert got[0] == [
        {"data": {"opportunityChanged": {"op": "DELETED", "opportunityId": "opp_1", "previousStage": None}}}
    ]
    assert got[2] == [
        {"data": {"opportunityChanged": {"op": "DELETED", "opportunityId": "opp_3", "previousStage": None}}}
    ]


async def test_sharded_dispatchers_each_follow_their_own_webhooks_and_together_deliver_every_event_once(
    gql: Gql, admin: tuple[str, str], admin_token: str, deps: Deps
) -> None:
    # given eight webhooks with documents of their own, and two dispatchers sharing them (CRM_WEBHOOK_DISPATCHERS=2)
    with receiver() as hooks:
        documents = [
            f"subscription {{ c{n}: entityChanged(types: [COMPANY]) {{ nodeId idempotencyKey }} }}" for n in range(8)
        ]
        created = [
            (await create_webhook(gql, admin_token, f"{hooks.base}/h{n}", document))["webhook"]["id"]
            for n, document in enumerate(documents)
        ]
        shards = [Dispatcher(deps, enqueue=enqueue, shard=(index, 2)) for index in range(2)]
        tasks = [asyncio.create_task(shard.run()) for shard in shards]
        try:
            with webhook_worker():
                # when three companies are created
                ids = await create_companies(gql, admin_token, ["A", "B", "C"])
                for n in range(8):
                    await asyncio.to_thread(hooks.wait, f"/h{n}", 3, 90.0)
                await asyncio.sleep(1)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=10)
        # then each webhook was followed by exactly one dispatcher: the one its group hashes to
        owned = [set(shard.subs) for shard in shards]
        assert owned[0] | owned[1] == set(created)
        assert not owned[0] & owned[1]
        for n, hook_id in enumerate(created):
            assert hook_id in owned[shard_of((documents[n], admin[0], None), 2)]
        # and every webhook got every change once, in order, with the delivery id of (webhook, event)
        for n, hook_id in enumerate(created):
            requests = hooks.accepted(f"/h{n}")
            assert [r.json["data"][f"c{n}"]["nodeId"] for r in requests] == ids
            assert [r.headers["x-crm-delivery"] for r in requests] == [
                webhook_uc.delivery_id(hook_id, r.json["data"][f"c{n}"]["idempotencyKey"]) for r in requests
            ]


async def test_two_dispatchers_on_the_same_webhooks_record_each_delivery_once(
    gql: Gql, admin_token: str, deps: Deps
) -> None:
    # given two dispatchers that both follow every webhook (as during a change of CRM_WEBHOOK_DISPATCHERS)
    with receiver() as hooks:
        hook_id = (await create_webhook(gql, admin_token, f"{hooks.base}/erp"))["webhook"]["id"]
        both = [Dispatcher(deps, enqueue=enqueue) for _ in range(2)]
        tasks = [asyncio.create_task(dispatcher.run()) for dispatcher in both]
        try:
            with webhook_worker():
                # when companies are created
                ids = await create_companies(gql, admin_token, [f"D{n}" for n in range(12)])
                await asyncio.to_thread(hooks.wait, "/erp", 12, 90.0)
                await asyncio.sleep(2)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=10)
        # then each change was recorded and delivered once, in order (positions move by compare-and-set)
        requests = hooks.accepted("/erp")
        assert [r.json["data"]["entityChanged"]["nodeId"] for r in requests] == ids
        assert len({r.headers["x-crm-delivery"] for r in requests}) == 12
        recorded = await deps.db.read(
            "MATCH (d:WebhookDelivery) WHERE d.webhookId = $id RETURN d.seq AS seq ORDER BY seq", {"id": hook_id}
        )
        assert [r["seq"] for r in recorded] == list(range(12))
