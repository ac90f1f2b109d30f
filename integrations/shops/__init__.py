"""Online shops: webhook signatures and order payloads mapped to `upsert_orders` rows (pure, no I/O)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


class PayloadError(ValueError):
    """The payload is no order of the shop's documented shape."""


def signature(secret: str, body: bytes) -> str:
    """Base64 of the HMAC-SHA256 of the raw body: what Shopify (X-Shopify-Hmac-Sha256) and WooCommerce
    (X-WC-Webhook-Signature) send."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verified(secret: str, body: bytes, sent: str | None) -> bool:
    """Compares in constant time; a missing header is never valid."""
    if not sent:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), sent.strip().encode())


def money(value: Any, where: str) -> str:
    """A price as text with two decimals (shops may send numbers with more; rounded half up)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise PayloadError(f"{where} is not an amount") from exc
    if not amount.is_finite() or amount < 0:
        raise PayloadError(f"{where} is not an amount")
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def quantity(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(f"{where} is not a whole number")
    try:
        return int(value)
    except ValueError as exc:
        raise PayloadError(f"{where} is not a whole number") from exc


def text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def part(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object of the payload; empty when absent or of another type."""
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def need(payload: dict[str, Any], key: str) -> Any:
    value = payload.get(key)
    if value is None or value == "":
        raise PayloadError(f"the order has no {key}")
    return value
