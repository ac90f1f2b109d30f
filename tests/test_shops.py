"""Shop webhooks: Shopify and WooCommerce order payloads (fixtures in the shape of the shops' documentation),
verified by HMAC-SHA256 of the raw body, stored once, processed by a worker into customers, orders and products."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain import shops
from domain.deps import Deps
from integrations.shops import signature

FIXTURES = Path(__file__).parent / "fixtures" / "shops"
SHOPIFY_SECRET = "shpss_test_secret"
WOO_SECRET = "wc_secret=with=equal=signs"
SHOPIFY_SHOP = "graph-crm-test.myshopify.com"


@pytest.fixture(autouse=True)
def shop_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CRM_SHOP_SECRETS",
        f"shopify:{SHOPIFY_SHOP}={SHOPIFY_SECRET}, woocommerce:https://www.shop.example.com/={WOO_SECRET}",
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def shopify_headers(body: bytes, topic: str = "orders/create", secret: str = SHOPIFY_SECRET) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": SHOPIFY_SHOP,
        "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "x-shopify-hmac-sha256": signature(secret, body),
    }


def woo_headers(body: bytes, topic: str = "order.created") -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-wc-webhook-source": "https://shop.example.com/",
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-delivery-id": "4711",
        "x-wc-webhook-signature": signature(WOO_SECRET, body),
    }


async def count(deps: Deps, label: str) -> int:
    rows = await deps.db.read(f"MATCH (n:{label}) RETURN count(n) AS n")
    return int(rows[0]["n"])


async def nodes(deps: Deps) -> int:
    return int((await deps.db.read("MATCH (n) RETURN count(n) AS n"))[0]["n"])


async def inbox(deps: Deps) -> list[dict[str, Any]]:
    return await deps.db.read(
        "MATCH (i:ShopInbox) RETURN i.status AS status, i.orderId AS orderId, i.body IS NULL AS dropped, "
        "i.error AS error ORDER BY i.receivedAt"
    )


async def orders(deps: Deps) -> list[dict[str, Any]]:
    return await deps.db.read(
        "MATCH (x:ExternalId)-[:IDENTIFIES]->(o:Order)<-[:PLACED]-(p:Person) "
        "RETURN x.system AS system, x.value AS value, o.number AS number, o.total AS total, o.currency AS currency, "
        "p.fullName AS customer, p.email AS email, "
        "COLLECT { MATCH (o)-[c:CONTAINS]->(pr:Product) RETURN [pr.sku, pr.name, c.quantity, c.unitPrice] "
        "ORDER BY c.position } AS lines"
    )


async def test_a_tampered_or_unsigned_shop_body_is_rejected_and_writes_nothing(
    deps: Deps, client: httpx.AsyncClient
) -> None:
    body = fixture("shopify_orders_create.json")
    tampered = body.replace(b'"price": "199.00"', b'"price": "1.00"', 1)
    assert tampered != body
    attempts = [
        ("shopify", tampered, shopify_headers(body)),  # signed body, another body sent
        ("shopify", body, {**shopify_headers(body), "x-shopify-hmac-sha256": ""}),
        ("shopify", body, {k: v for k, v in shopify_headers(body).items() if k != "x-shopify-hmac-sha256"}),
        ("shopify", body, shopify_headers(body, secret="another-shops-secret")),
        ("shopify", body, {**shopify_headers(body), "x-shopify-shop-domain": "unknown.myshopify.com"}),
        (
            "woocommerce",
            fixture("woocommerce_order_created.json") + b" ",
            woo_headers(fixture("woocommerce_order_created.json")),
        ),
    ]
    for platform, sent, headers in attempts:
        response = await client.post(f"/webhooks/shop/{platform}", content=sent, headers=headers)
        assert response.status_code == 401, (platform, headers)
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await nodes(deps) == 0


async def test_the_same_shopify_order_twice_gives_one_order(
    deps: Deps, client: httpx.AsyncClient, worker: None
) -> None:
    body = fixture("shopify_orders_create.json")
    # when Shopify delivers the order, redelivers it, and then sends orders/paid with the same content
    started = time.perf_counter()
    first = await client.post("/webhooks/shop/shopify", content=body, headers=shopify_headers(body))
    acknowledged = time.perf_counter() - started
    second = await client.post("/webhooks/shop/shopify", content=body, headers=shopify_headers(body))
    assert (first.status_code, first.json()) == (200, {"status": "accepted"})
    assert (second.status_code, second.json()) == (200, {"status": "duplicate"})
    print(f"acknowledged after {acknowledged * 1000:.0f} ms")
    await processed(deps, 1)
    paid = json.loads(body)
    paid["financial_status"] = "paid"
    paid["updated_at"] = "2026-11-20T19:05:00-05:00"
    paid_body = json.dumps(paid).encode()
    started = time.perf_counter()
    third = await client.post(
        "/webhooks/shop/shopify", content=paid_body, headers=shopify_headers(paid_body, "orders/paid")
    )
    print(f"then after {(time.perf_counter() - started) * 1000:.0f} ms")
    assert third.json() == {"status": "accepted"}
    await processed(deps, 2)
    # then there is one order, of one customer, with its products
    assert await orders(deps) == [
        {
            "system": f"shopify:{SHOPIFY_SHOP}",
            "value": "820982911946154508",
            "number": "#9999",
            "total": "398.00",
            "currency": "EUR",
            "customer": "John Smith",
            "email": "John@Example.com",
            "lines": [
                ["IPOD2008PINK", "IPod Nano - 8GB", 1, "199.00"],
                ["shopify-variant-808950811", "IPod Nano - 8GB", 1, "199.00"],
            ],
        }
    ]
    assert (await count(deps, "Order"), await count(deps, "Person"), await count(deps, "Product")) == (1, 1, 2)
    assert [(e["status"], e["dropped"]) for e in await inbox(deps)] == [("DONE", True), ("DONE", True)]


async def processed(deps: Deps, done: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for e in await inbox(deps) if e["status"] != "PENDING") >= done:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the worker did not process {done} deliveries: {await inbox(deps)}")


async def test_a_woocommerce_order_becomes_customer_order_and_products(deps: Deps, client: httpx.AsyncClient) -> None:
    # WooCommerce's unsigned URL check when a webhook is saved: acknowledged, nothing written
    ping = await client.post(
        "/webhooks/shop/woocommerce",
        content=b"webhook_id=12",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert (ping.status_code, ping.json()) == (200, {"status": "ping"})
    assert await nodes(deps) == 0
    body = fixture("woocommerce_order_created.json")
    response = await client.post("/webhooks/shop/woocommerce", content=body, headers=woo_headers(body))
    assert response.json() == {"status": "accepted"}
    # stored durably before any processing; processed here as the worker does
    [entry] = await inbox(deps)
    assert (entry["status"], entry["orderId"], entry["dropped"]) == ("PENDING", "727", False)
    key = (await deps.db.read("MATCH (i:ShopInbox) RETURN i.key AS key"))[0]["key"]
    assert await shops.process(deps, key) == "DONE"
    assert await shops.process(deps, key) == "DONE"  # a redelivered task changes nothing
    assert await orders(deps) == [
        {
            "system": "woocommerce:shop.example.com",
            "value": "727",
            "number": "727",
            "total": "18.00",
            "currency": "EUR",
            "customer": "Jane Doe",
            "email": "Jane.Doe@Example.org",
            "lines": [
                ["woocommerce-product-93", "Woo Single #1", 2, "3.00"],
                ["Bar3", "Ship Your Idea &ndash; Color: Black, Size: M Test", 1, "12.00"],
            ],
        }
    ]
    customer = await deps.db.read(
        "MATCH (x:ExternalId {label: 'Person'})-[:IDENTIFIES]->(p:Person) RETURN x.system AS s, x.value AS v"
    )
    assert customer == [{"s": "woocommerce:shop.example.com", "v": "26"}]
    # an order.updated with the same order and no change in its lines: still one order, unchanged
    updated = json.loads(body)
    updated["status"] = "completed"
    updated_body = json.dumps(updated).encode()
    again = await client.post(
        "/webhooks/shop/woocommerce", content=updated_body, headers=woo_headers(updated_body, "order.updated")
    )
    assert again.json() == {"status": "accepted"}
    keys = [r["key"] for r in await deps.db.read("MATCH (i:ShopInbox {status: 'PENDING'}) RETURN i.key AS key")]
    assert [await shops.process(deps, k) for k in keys] == ["DONE"]
    assert (await count(deps, "Order"), await count(deps, "Person"), await count(deps, "Product")) == (1, 1, 2)


async def test_other_topics_are_ignored_and_bad_orders_fail_visibly(deps: Deps, client: httpx.AsyncClient) -> None:
    body = fixture("shopify_orders_create.json")
    ignored = await client.post(
        "/webhooks/shop/shopify", content=body, headers=shopify_headers(body, "customers/create")
    )
    assert (ignored.status_code, ignored.json()) == (200, {"status": "ignored"})
    assert await nodes(deps) == 0
    not_json = b"<xml/>"
    refused = await client.post("/webhooks/shop/shopify", content=not_json, headers=shopify_headers(not_json))
    assert refused.status_code == 400 and await nodes(deps) == 0
    # a verified order without lines is stored, then marked FAILED with the reason, writing no order
    empty = json.loads(body)
    empty["line_items"] = []
    empty_body = json.dumps(empty).encode()
    stored = await client.post("/webhooks/shop/shopify", content=empty_body, headers=shopify_headers(empty_body))
    assert stored.json() == {"status": "accepted"}
    key = (await deps.db.read("MATCH (i:ShopInbox) RETURN i.key AS key"))[0]["key"]
    assert await shops.process(deps, key) == "FAILED"
    assert [(e["status"], e["error"], e["dropped"]) for e in await inbox(deps)] == [
        ("FAILED", "the order has no line_items", False)
    ]
    assert await count(deps, "Order") == 0


def test_shop_secrets_are_read_per_platform_and_normalised_shop() -> None:
    parsed = shops.secrets(
        "shopify:My-Shop.myshopify.com=a=b, woocommerce:https://www.Shop.example/=c, bogus:x=y, shopify:=z"
    )
    assert parsed == {("shopify", "my-shop.myshopify.com"): "a=b", ("woocommerce", "shop.example"): "c"}
