"""HTTP-level errors as GraphQL-over-HTTP JSON, and the request body limit.

Whatever goes wrong before a GraphQL operation runs (a body that is no JSON object, an unsupported
content type, a body over the limit) answers JSON `{"errors": [{"message", "extensions": {"code"}}]}`,
never text/plain.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GRAPHQL_RESPONSE = "application/graphql-response+json"
CODES = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 429: "RATE_LIMITED", 503: "SERVICE_UNAVAILABLE"}


def error_body(message: str, status: int) -> bytes:
    code = CODES.get(status, "BAD_USER_INPUT" if status < 500 else "INTERNAL_SERVER_ERROR")
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


def media_type(accept: str) -> str:
    return GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else "application/json"


async def send_error(scope: Scope, send: Send, status: int, message: str) -> None:
    headers = dict(scope.get("headers") or [])
    body = error_body(message, status)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type(headers.get(b"accept", b"").decode("latin-1")).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised from `receive` once a request body passes the limit."""


class BodyLimit:
    """Answers 413 to a request whose body is larger than `max_bytes`: at once when Content-Length says so,
    otherwise as soon as the bytes received pass the limit (the body is never read whole)."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # POST paths that stream their body and enforce their own limit ([field] POST /documents).
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope.get("method") == "POST" and scope.get("path") in self.exempt):
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is larger than {self.max_bytes} bytes"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await send_error(scope, send, 400, "Content-Length is not a number")
                return
            if int(declared) > self.max_bytes:
                await send_error(scope, send, 413, too_large)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await send_error(scope, send, 413, too_large)


def request_id(raw: Any) -> str | None:
    """A client's X-Request-Id (its first 64 bytes) when it is visible ASCII; None for anything else."""
    if not isinstance(raw, bytes) or not raw or not all(0x21 <= b <= 0x7E for b in raw[:64]):
        return None
    return raw[:64].decode("ascii")
