"""Signed tokens for links in mails: consent confirmation, unsubscribe, open pixel and click tracking.

A token is `base64url(JSON payload) . base64url(HMAC-SHA256(CRM_SECRET, kind + payload))`: the payload is
readable by anyone, forged by nobody without the secret. The kind is part of what is signed, so a token of one kind
(an unsubscribe link) is never accepted as another (a confirmation). `exp` (epoch seconds) is checked when present;
single use is not a property of the token but enforced in Neo4j (a `UsedToken {jti}` node under a uniqueness
constraint, see domain/consent.py).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import time
from typing import Any

from domain.errors import BadInput

KINDS = frozenset({"confirm", "unsubscribe", "open", "click"})


_URLSAFE = bytes.maketrans(b"+/", b"-_")
_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


def _b64(data: bytes) -> str:
    """base64url without padding (as `base64.urlsafe_b64encode(data).rstrip(b"=")`, with fewer calls)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.lru_cache(maxsize=32)
def _keyed(secret: str, kind: str) -> hmac.HMAC:
    """The HMAC with the key and the kind's prefix already absorbed (copied per token: mails sign many links)."""
    return hmac.new(secret.encode(), f"crm-link:{kind}:".encode(), hashlib.sha256)


def _mac(secret: str, kind: str, body: str) -> str:
    mac = _keyed(secret, kind).copy()
    mac.update(body.encode())
    return _b64(mac.digest())


def sign(secret: str, kind: str, payload: dict[str, Any]) -> str:
    assert kind in KINDS, kind
    body = _b64(_JSON.encode(payload).encode())
    return f"{body}.{_mac(secret, kind, body)}"


def verify(secret: str, kind: str, token: str, now: float | None = None) -> dict[str, Any]:
    """The payload of a token of this kind; BadInput when it was altered, is of another kind or has expired."""
    body, _, mac = (token or "").strip().partition(".")
    if not body or not mac or len(token) > 4096 or not hmac.compare_digest(mac, _mac(secret, kind, body)):
        raise BadInput("invalid link", argument="token")
    try:
        payload = json.loads(_unb64(body))
    except ValueError as exc:
        raise BadInput("invalid link", argument="token") from exc
    if not isinstance(payload, dict):
        raise BadInput("invalid link", argument="token")
    exp = payload.get("exp")
    if exp is not None and float(exp) < (time.time() if now is None else now):
        raise BadInput("the link has expired", argument="token")
    return payload
