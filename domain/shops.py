"""Online shops: Shopify and WooCommerce order webhooks.

`receive` runs in the API: it finds the shop's secret (CRM_SHOP_SECRETS), verifies the HMAC-SHA256 of the RAW
body in constant time (a bad or missing signature is Unauthenticated and nothing is written), and stores the
verified body once in a `(:ShopInbox {key})` node (unique key: platform, shop, the shop's order id and the body's
SHA-256, so a redelivery matches the stored one). `process` runs in a worker: it maps the stored body
(integrations/shops/) into one `upsert_orders` row (idempotent on the shop's order id: an order delivered twice,
or updated without change, writes nothing) and marks the entry DONE (dropping the body) or FAILED (keeping it,
with the error). `stale` lists entries still PENDING after a while (their task was lost), for the beat to hand out
again.

CRM_SHOP_SECRETS: comma-separated `platform:shop=secret`, e.g.
`shopify:myshop.myshopify.com=shpss_…,woocommerce:shop.example.com=wc_secret`; the shop is the domain Shopify
sends in X-Shopify-Shop-Domain, or the site WooCommerce sends in X-WC-Webhook-Source (normalised: scheme, `www.`
and path dropped). Only the API reads it (workers never see a secret).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import orjson

from domain.auth import Principal, Role
from domain.deps import Deps
from domain.errors import BadInput, CrmError, Unauthenticated, Unavailable
from domain.normalize import normalize_domain
from domain.orders import upsert_orders
from graph import shops as q
from integrations.shops import PayloadError, shopify, verified, woocommerce

PLATFORMS: dict[str, ModuleType] = {"shopify": shopify, "woocommerce": woocommerce}
STALE_SECONDS = 60


def secrets(raw: str | None = None) -> dict[tuple[str, str], str]:
    raw = os.environ.get("CRM_SHOP_SECRETS", "") if raw is None else raw
    out: dict[tuple[str, str], str] = {}
    for item in raw.split(","):
        name, eq, secret = item.strip().partition("=")
        platform, colon, shop = name.partition(":")
        domain = normalize_domain(shop)
        if eq and colon and secret and domain and platform.strip().lower() in PLATFORMS:
            out[(platform.strip().lower(), domain)] = secret
    return out


@dataclass(frozen=True)
class Delivery:
    platform: str
    shop: str | None  # as the shop's header names it
    topic: str | None
    delivery_id: str | None
    signature: str | None
    body: bytes


@dataclass(frozen=True)
class Received:
    status: str  # accepted, duplicate, ignored
    key: str | None = None


def _shop(delivery: Delivery) -> tuple[str, str]:
    """The shop and its secret; Unauthenticated when either is unknown or the signature does not match."""
    shop = normalize_domain(delivery.shop)
    secret = secrets().get((delivery.platform, shop)) if shop else None
    if secret is None or shop is None or not verified(secret, delivery.body, delivery.signature):
        raise Unauthenticated("bad or missing webhook signature")
    return shop, secret


async def receive(deps: Deps, delivery: Delivery) -> Received:
    """Verifies and stores the delivery; `accepted` when it is new (hand its key to `process`)."""
    adapter = PLATFORMS[delivery.platform]
    shop, _ = _shop(delivery)
    if delivery.topic not in adapter.ORDER_TOPICS:
        return Received("ignored")
    try:
        payload = orjson.loads(delivery.body)
        order_id = adapter.order_id(payload) if isinstance(payload, dict) else None
    except (orjson.JSONDecodeError, PayloadError) as exc:
        raise BadInput(f"the body is no {delivery.platform} order: {exc}", argument="body") from exc
    if order_id is None:
        raise BadInput(f"the body is no {delivery.platform} order", argument="body")
    digest = hashlib.sha256(delivery.body).hexdigest()
    key = f"{delivery.platform}:{shop}:{order_id}:{digest}"
    row = await deps.db.write(
        q.STORE,
        {
            "key": key,
            "platform": delivery.platform,
            "shop": shop,
            "topic": delivery.topic,
            "orderId": order_id,
            "deliveryId": delivery.delivery_id,
            "body": delivery.body.decode("utf-8", errors="replace"),
        },
    )
    return Received("accepted" if row[0]["created"] else "duplicate", key)


def shop_principal(platform: str, shop: str) -> Principal:
    """Who a shop's writes are by: an INTEGRATION principal named after the shop (no user node)."""
    name = f"shop:{platform}:{shop}"
    return Principal({"id": name, "name": name, "email": None, "role": Role.INTEGRATION.value}, Role.INTEGRATION)


async def process(deps: Deps, key: str) -> str:
    """Maps a stored delivery into orders, customers and products; returns the entry's status afterwards.
    Idempotent: a DONE entry is left alone, and the upsert of an unchanged order writes nothing."""
    entry = await deps.db.read_one(q.ENTRY, {"key": key})
    if entry is None or entry["status"] in ("DONE", "ERASED"):
        return "MISSING" if entry is None else str(entry["status"])
    platform, shop = str(entry["platform"]), str(entry["shop"])
    try:
        row: dict[str, Any] = PLATFORMS[platform].row(shop, orjson.loads(entry["body"]))
        results = await upsert_orders(deps, shop_principal(platform, shop), [row])
    except Unavailable:
        raise  # transient: the task is retried
    except (PayloadError, CrmError, orjson.JSONDecodeError, KeyError) as exc:
        # Retrying cannot help (no order of the shop's shape, a row upsert_orders refuses): on record, not retried.
        await deps.db.write(q.FAILED, {"key": key, "error": str(getattr(exc, "message", exc))[:2000]})
        return "FAILED"
    await deps.db.write(q.DONE, {"key": key, "orderId": results[0].id})
    return "DONE"


async def stale(deps: Deps, limit: int = 500) -> list[str]:
    rows = await deps.db.read(q.STALE, {"seconds": STALE_SECONDS, "limit": limit})
    return [str(row["key"]) for row in rows]
