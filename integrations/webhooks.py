"""Outbound webhooks: signing, the SSRF guard and one HTTP attempt (httpx).

A delivery is `POST url` with the JSON body and three headers:

* `X-CRM-Timestamp`: seconds since the epoch when the attempt was made;
* `X-CRM-Signature`: `sha256=` + hex HMAC-SHA256 with the webhook's secret over `timestamp + "." + body`;
* `X-CRM-Delivery`: the delivery id, the same in every attempt (deduplicate on it).

Receivers should refuse timestamps older than a few minutes (replays) and compare signatures in constant time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

RETRY_STATUSES = frozenset({408, 429})


class UrlRefused(ValueError):
    """A URL a webhook may not call."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (in constant time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def check_syntax(url: str) -> str:
    """Only absolute http(s) URLs with a host; returns the host."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError as exc:
        raise UrlRefused(f"not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("only http and https URLs are allowed")
    if not parts.hostname:
        raise UrlRefused("the URL has no host")
    if parts.username or parts.password:
        raise UrlRefused("the URL may not carry credentials")
    _ = port
    return parts.hostname


async def check_url(url: str, allow_private: bool) -> None:
    """Refuses what is not http(s) and, unless allowed, hosts that resolve to loopback, link-local, private or
    otherwise non-public addresses (every address the name resolves to must be public)."""
    host = check_syntax(url)
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UrlRefused(f"the host {host!r} does not resolve") from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or any(_forbidden_address(a) for a in addresses):
        raise UrlRefused(f"the host {host!r} resolves to a loopback, link-local or private address")


@dataclass(frozen=True)
class Attempt:
    """The outcome of one POST: a status code, or an error (no answer)."""

    status: int | None
    retry_after: float | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Connection errors and timeouts, 5xx, 408 and 429 are tried again; other answers are final."""
        return self.status is None or self.status >= 500 or self.status in RETRY_STATUSES

    @property
    def refused(self) -> bool:
        return self.error is not None and self.error.startswith("refused:")


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class Sender:
    """POSTs deliveries over one keep-alive client; no redirects are followed (they could lead anywhere)."""

    def __init__(self, timeout: float, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
            headers={"user-agent": "graph-crm-webhooks/1", "content-type": "application/json"},
        )
        self._checked: dict[str, float] = {}

    async def _guard(self, url: str) -> None:
        # Resolved again at most every 30 s per URL: a name that later resolves to a private address is refused.
        if time.monotonic() - self._checked.get(url, float("-inf")) < 30:
            return
        await check_url(url, self.allow_private)
        self._checked[url] = time.monotonic()

    async def post(self, url: str, secret: str, delivery_id: str, body: bytes) -> Attempt:
        try:
            await self._guard(url)
        except UrlRefused as exc:
            return Attempt(status=None, error=f"refused: {exc}")
        timestamp = str(int(time.time()))
        headers = {
            "x-crm-timestamp": timestamp,
            "x-crm-signature": sign(secret, timestamp, body),
            "x-crm-delivery": delivery_id,
        }
        try:
            response = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Attempt(status=None, error=type(exc).__name__)
        await response.aclose()
        return Attempt(
            status=response.status_code, retry_after=retry_after_seconds(response.headers.get("retry-after"))
        )

    async def close(self) -> None:
        await self.client.aclose()
