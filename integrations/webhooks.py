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
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

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


class _Exchange(Exception):
    """A request that got no (complete) answer; `fresh` when it may be tried again on a new connection."""

    def __init__(self, message: str, fresh: bool) -> None:
        super().__init__(message)
        self.fresh = fresh


class _Connection:
    """One HTTP/1.1 keep-alive connection: a request at a time, the answer read in full (status and headers
    kept, the body drained so that the connection can carry the next request)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reusable = True

    def usable(self) -> bool:
        return self.reusable and not self.reader.at_eof() and not self.writer.is_closing()

    async def exchange(self, request: bytes, reused: bool) -> tuple[int, dict[str, str]]:
        self.writer.write(request)
        try:
            await self.writer.drain()
            while True:
                try:
                    head = await self.reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as exc:
                    # the peer closed a kept-alive connection before answering: try once on a new one
                    raise _Exchange("connection closed before an answer", fresh=reused and not exc.partial) from exc
                lines = head.decode("latin-1").split("\r\n")
                status_line = lines[0].split(" ", 2)
                if len(status_line) < 2 or not status_line[0].startswith("HTTP/1."):
                    raise _Exchange("not an HTTP/1.x answer", fresh=False)
                status = int(status_line[1])
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                if status >= 200 or status == 101:
                    break  # 1xx interim answers are skipped
            await self._body(status, headers, status_line[0] == "HTTP/1.0")
        except (OSError, asyncio.LimitOverrunError, asyncio.IncompleteReadError, ValueError) as exc:
            self.reusable = False
            raise _Exchange(type(exc).__name__, fresh=False) from exc
        except _Exchange:
            self.reusable = False
            raise
        return status, headers

    async def _body(self, status: int, headers: dict[str, str], http10: bool) -> None:
        connection = headers.get("connection", "").lower()
        if "close" in connection or (http10 and "keep-alive" not in connection):
            self.reusable = False
        if status in (204, 304) or 100 <= status < 200:
            return
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while (await self.reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                        pass
                    return
                await self._skip(size)
                await self.reader.readexactly(2)
        elif "content-length" in headers:
            await self._skip(int(headers["content-length"]))
        else:  # delimited by the end of the connection
            self.reusable = False
            while await self.reader.read(1 << 16):
                pass

    async def _skip(self, length: int) -> None:
        while length > 0:
            chunk = await self.reader.read(min(length, 1 << 16))
            if not chunk:
                raise asyncio.IncompleteReadError(b"", length)
            length -= len(chunk)

    def close(self) -> None:
        self.reusable = False
        self.writer.close()


class Sender:
    """POSTs deliveries over keep-alive HTTP/1.1 connections (a small pool per origin, kept between deliveries);
    no redirects are followed (they could lead anywhere). A plain asyncio client: it costs a fraction of a
    general-purpose one per request, which is what bounds a delivery worker's throughput."""

    def __init__(self, timeout: float, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self._checked: dict[str, float] = {}
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def _guard(self, url: str) -> None:
        # Resolved again at most every 30 s per URL: a name that later resolves to a private address is refused.
        if time.monotonic() - self._checked.get(url, float("-inf")) < 30:
            return
        await check_url(url, self.allow_private)
        self._checked[url] = time.monotonic()

    async def _connect(self, origin: tuple[str, str, int]) -> _Connection:
        scheme, host, port = origin
        context = None
        if scheme == "https":
            self._tls = self._tls or ssl.create_default_context()
            context = self._tls
        async with asyncio.timeout(min(self.timeout, 5.0)):
            reader, writer = await asyncio.open_connection(host, port, ssl=context, limit=1 << 16)
        return _Connection(reader, writer)

    async def post(self, url: str, secret: str, delivery_id: str, body: bytes) -> Attempt:
        try:
            await self._guard(url)
        except UrlRefused as exc:
            return Attempt(status=None, error=f"refused: {exc}")
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        origin = (parts.scheme, host, port)
        target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~") + (f"?{parts.query}" if parts.query else "")
        authority = f"[{host}]" if ":" in host else host.encode("idna").decode()
        if parts.port is not None:
            authority += f":{parts.port}"
        timestamp = str(int(time.time()))
        request = (
            f"POST {target} HTTP/1.1\r\nhost: {authority}\r\nuser-agent: graph-crm-webhooks/1\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"x-crm-timestamp: {timestamp}\r\nx-crm-signature: {sign(secret, timestamp, body)}\r\n"
            f"x-crm-delivery: {delivery_id}\r\n\r\n"
        ).encode() + body
        idle = self._idle.setdefault(origin, [])
        connection: _Connection | None = None
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    reused = False
                    connection = None
                    while idle:
                        candidate = idle.pop()
                        if candidate.usable():
                            connection, reused = candidate, True
                            break
                        candidate.close()
                    connection = connection or await self._connect(origin)
                    try:
                        status, headers = await connection.exchange(request, reused)
                        break
                    except _Exchange as exc:
                        connection.close()
                        if not exc.fresh:
                            raise
        except _Exchange as exc:
            return Attempt(status=None, error=str(exc))
        except TimeoutError:
            if connection is not None:
                connection.close()
            return Attempt(status=None, error="timeout")
        except OSError as exc:
            return Attempt(status=None, error=type(exc).__name__)
        assert connection is not None
        if connection.usable():
            idle.append(connection)
        else:
            connection.close()
        return Attempt(status=status, retry_after=retry_after_seconds(headers.get("retry-after")))

    async def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()
