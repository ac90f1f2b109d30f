"""Shopify `orders/create` (and `orders/updated`, `orders/paid`) payloads as `upsert_orders` rows.

The payload is Shopify's Order resource (REST Admin API). External ids are in the system `shopify:<shop domain>`:
the order's `id`, the customer's `id`. Products are keyed by SKU; a line without a SKU by `shopify-variant-<id>`
(or `shopify-product-<id>`). Order totals are the lines' sums (shipping, taxes and discounts are not orders lines).
"""

from __future__ import annotations

from typing import Any

from integrations.shops import PayloadError, money, need, part, quantity, text

ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid", "orders/fulfilled"})


def system(shop: str) -> str:
    return f"shopify:{shop}"


def order_id(payload: dict[str, Any]) -> str:
    return str(need(payload, "id"))


def _sku(line: dict[str, Any]) -> str:
    sku = text(line.get("sku"))
    if sku:
        return sku
    if line.get("variant_id"):
        return f"shopify-variant-{line['variant_id']}"
    if line.get("product_id"):
        return f"shopify-product-{line['product_id']}"
    return f"shopify-line-{need(line, 'id')}"


def row(shop: str, payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise PayloadError("the payload is no JSON object")
    lines = payload.get("line_items")
    if not isinstance(lines, list) or not lines:
        raise PayloadError("the order has no line_items")
    customer = part(payload, "customer")
    billing = part(payload, "billing_address")
    out: dict[str, Any] = {
        "externalId": {"system": system(shop), "value": order_id(payload)},
        "number": text(payload.get("name")) or str(need(payload, "order_number")),
        "placedAt": text(payload.get("processed_at")) or str(need(payload, "created_at")),
        "currency": str(need(payload, "currency")),
        "lines": [
            {
                "sku": _sku(line),
                "productName": text(line.get("name")) or text(line.get("title")) or _sku(line),
                "quantity": quantity(need(line, "quantity"), f"line_items[{index}].quantity"),
                "unitPrice": money(need(line, "price"), f"line_items[{index}].price"),
            }
            for index, line in enumerate(lines)
        ],
        "customerEmail": text(customer.get("email"))
        or text(payload.get("email"))
        or text(payload.get("contact_email")),
        "customerFirstName": text(customer.get("first_name")) or text(billing.get("first_name")),
        "customerLastName": text(customer.get("last_name")) or text(billing.get("last_name")),
    }
    if customer.get("id"):
        out["customerExternalId"] = {"system": system(shop), "value": str(customer["id"])}
    return out
