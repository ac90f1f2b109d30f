"""WooCommerce `order.created` (and `order.updated`, `order.restored`) payloads as `upsert_orders` rows.

The payload is WooCommerce's REST API v3 order. External ids are in the system `woocommerce:<shop domain>`: the
order's `id`, a registered customer's `customer_id` (guests, `customer_id` 0, are matched by billing e-mail).
Products are keyed by SKU; a line without a SKU by `woocommerce-product-<id>` (`-<variation id>`). The unit price
is the line's `price` rounded to cents (WooCommerce sends it as a number, excluding tax).
"""

from __future__ import annotations

from typing import Any

from integrations.shops import PayloadError, money, need, part, quantity, text

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})


def system(shop: str) -> str:
    return f"woocommerce:{shop}"


def order_id(payload: dict[str, Any]) -> str:
    return str(need(payload, "id"))


def _sku(line: dict[str, Any]) -> str:
    sku = text(line.get("sku"))
    if sku:
        return sku
    product = need(line, "product_id")
    variation = line.get("variation_id")
    return f"woocommerce-product-{product}" + (f"-{variation}" if variation else "")


def _placed(payload: dict[str, Any]) -> str:
    gmt = text(payload.get("date_created_gmt"))
    if gmt:
        return gmt if gmt.endswith("Z") or "+" in gmt[10:] else gmt + "Z"  # the GMT time comes without an offset
    return str(need(payload, "date_created"))


def row(shop: str, payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise PayloadError("the payload is no JSON object")
    lines = payload.get("line_items")
    if not isinstance(lines, list) or not lines:
        raise PayloadError("the order has no line_items")
    billing = part(payload, "billing")
    out: dict[str, Any] = {
        "externalId": {"system": system(shop), "value": order_id(payload)},
        "number": str(payload.get("number") or order_id(payload)),
        "placedAt": _placed(payload),
        "currency": str(need(payload, "currency")),
        "lines": [
            {
                "sku": _sku(line),
                "productName": text(line.get("name")) or _sku(line),
                "quantity": quantity(need(line, "quantity"), f"line_items[{index}].quantity"),
                "unitPrice": money(need(line, "price"), f"line_items[{index}].price"),
            }
            for index, line in enumerate(lines)
        ],
        "customerEmail": text(billing.get("email")),
        "customerFirstName": text(billing.get("first_name")),
        "customerLastName": text(billing.get("last_name")),
    }
    if payload.get("customer_id"):
        out["customerExternalId"] = {"system": system(shop), "value": str(payload["customer_id"])}
    return out
