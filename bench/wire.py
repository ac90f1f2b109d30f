"""A lean HTTP/1.1 client for the benches: JSON POSTs over one persistent connection.

httpx costs about 1.5-2 ms of client CPU per request (measured here: `{ __typename }` answered in
2.0 ms through httpx and 0.5 ms through this client, same server). That is the bench's own cost, not the
API's, and on a 2-core machine it also takes CPU from the server under test. The raw side of every ratio
is the Neo4j driver with its Rust extension, so the HTTP side gets a client of similar weight: asyncio
streams, a request written in one go, the response read by Content-Length (or chunked, for Node
servers). Every answer is still parsed as JSON and checked by the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import orjson


class HttpError(Exception):
    """A status other than 2xx, with the body for the message."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status = status


class Wire:
    """One keep-alive connection to `base` (http only); reconnects when the server closed it."""

    def __init__(self, base: str, headers: Mapping[str, str] | None = None) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = dict(headers or {})
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: Mapping[str, Any]) -> Any:
        status, payload = await self.request(path, orjson.dumps(body))
        if not 200 <= status < 300:
            raise HttpError(status, payload)
        return orjson.loads(payload)

    async def request(self, path: str, data: bytes) -> tuple[int, bytes]:
        reused = self._writer is not None and not self._writer.is_closing()
        try:
            return await self._exchange(path, data)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            # A keep-alive connection the server closed while idle (Node closes them after 5 s): the
            # request never reached it, so it is sent once more on a new connection.
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            return await self._exchange(path, data)

    async def _exchange(self, path: str, data: bytes) -> tuple[int, bytes]:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = [f"POST {path} HTTP/1.1", f"host: {self.host}:{self.port}", "content-type: application/json"]
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        head.append(f"content-length: {len(data)}")
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        try:
            return await self._response(self._reader)
        except BaseException:
            await self.close()  # a half-read response leaves the connection unusable
            raise

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked = None, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await reader.readexactly(length or 0)
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers are sent by the servers benched here
                return status, bytes(body)
            body += await reader.readexactly(size)
            await reader.readexactly(2)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._reader = None
