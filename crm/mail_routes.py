"""HTTP endpoints of the [b2c] mail section: the web-to-lead form, links in mails (confirm, unsubscribe incl.
RFC 8058 one-click, open pixel, click redirect) and the relay's bounce reports."""

from __future__ import annotations

import base64
import hmac
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from crm.clients import Network, client_address
from domain import consent, forms, tokens, tracking
from domain.auth import FEED_ROLES
from domain.deps import Deps
from domain.errors import CrmError, Unauthenticated

log = logging.getLogger("crm.mail")
STATUS = {"BAD_USER_INPUT": 400, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "RATE_LIMITED": 429}
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"cache-control": "no-store"}


def _error(exc: CrmError) -> JSONResponse:
    body: dict[str, Any] = {"message": exc.message, "extensions": {"code": exc.code, **exc.details}}
    return JSONResponse({"errors": [body]}, STATUS.get(exc.code, 503 if exc.code == "SERVICE_UNAVAILABLE" else 500))


def _page(title: str, text: str, form_action: str | None = None, button: str = "") -> HTMLResponse:
    form = (
        f'<form method="post" action="{html.escape(form_action)}"><button type="submit">{html.escape(button)}'
        "</button></form>"
        if form_action
        else ""
    )
    body = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{form}</body></html>"
    )
    return HTMLResponse(body, headers=NO_STORE)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            value = orjson.loads(raw or b"{}")
        except orjson.JSONDecodeError as exc:
            raise CrmErrorBadBody("the request body is not valid JSON") from exc
        if not isinstance(value, dict):
            raise CrmErrorBadBody("the request body must be a JSON object")
        return value
    if kind in ("application/x-www-form-urlencoded", ""):
        return dict(parse_qsl(raw.decode(errors="replace"), keep_blank_values=True))
    raise CrmErrorBadBody("send JSON or a form (application/x-www-form-urlencoded)")


class CrmErrorBadBody(CrmError):
    code = "BAD_USER_INPUT"


def routes(deps: Deps, trusted: tuple[Network, ...]) -> list[Route]:
    def client(request: Request) -> str | None:
        return client_address(
            request.client.host if request.client else None, request.headers.get("x-forwarded-for"), trusted
        )

    def guarded(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except CrmError as exc:
                return _error(exc)

        return run

    async def lead_form(request: Request) -> Response:
        lead_id = await forms.submit(deps, await _body(request), client(request))
        return JSONResponse({"accepted": True, **({"leadId": lead_id} if lead_id else {})}, headers=NO_STORE)

    async def confirm_page(request: Request) -> Response:
        # A GET never confirms: mail scanners open links. The page posts back to confirm.
        token = request.query_params.get("token", "")
        tokens.verify(deps.settings.secret, "confirm", token)
        return _page(
            "Confirm your subscription", "Press the button to confirm.", f"/consent/confirm?token={token}", "Confirm"
        )

    async def confirm(request: Request) -> Response:
        token = request.query_params.get("token", "")
        done = await consent.confirm(deps, token, client(request))
        text = (
            "Thank you, your subscription is confirmed." if done else "This link was used before or is no longer valid."
        )
        return _page("Subscription", text)

    async def unsubscribe_page(request: Request) -> Response:
        token = request.path_params["token"]
        tokens.verify(deps.settings.secret, "unsubscribe", token)
        return _page("Unsubscribe", "Press the button to unsubscribe.", f"/mail/unsubscribe/{token}", "Unsubscribe")

    async def unsubscribe(request: Request) -> Response:
        # RFC 8058 one-click: POST with the body List-Unsubscribe=One-Click (also the page's button).
        await tracking.by_token(deps, request.path_params["token"], client(request))
        return _page("Unsubscribed", "You will receive no more of these mails.")

    async def opened(request: Request) -> Response:
        await tracking.opened(deps, request.path_params["token"])
        return Response(PIXEL, media_type="image/gif", headers=NO_STORE)

    async def clicked(request: Request) -> Response:
        url = await tracking.clicked(deps, request.path_params["token"])
        return RedirectResponse(url, status_code=302, headers=NO_STORE)

    async def bounces(request: Request) -> Response:
        await _bounce_auth(deps, request.headers.get("authorization"))
        body = await _body(request)
        reports = body.get("bounces")
        if not isinstance(reports, list):
            reports = [body]
        return JSONResponse({"bounced": await tracking.bounces(deps, reports)})

    return [
        Route("/forms/lead", guarded(lead_form), methods=["POST"]),
        Route("/consent/confirm", guarded(confirm_page), methods=["GET"]),
        Route("/consent/confirm", guarded(confirm), methods=["POST"]),
        Route("/mail/unsubscribe/{token}", guarded(unsubscribe_page), methods=["GET"]),
        Route("/mail/unsubscribe/{token}", guarded(unsubscribe), methods=["POST"]),
        Route("/t/o/{token}", guarded(opened), methods=["GET"]),
        Route("/t/c/{token}", guarded(clicked), methods=["GET"]),
        Route("/mail/bounces", guarded(bounces), methods=["POST"]),
    ]


async def _bounce_auth(deps: Deps, credential: str | None) -> None:
    """CRM_BOUNCE_TOKEN (the relay's webhook secret) or an API key / token acting as ADMIN or INTEGRATION."""
    secret = deps.settings.bounce_token
    given = (credential or "").removeprefix("Bearer ").strip()
    if secret and given and hmac.compare_digest(given.encode(), secret.encode()):
        return
    who = await deps.auth.authenticate(credential)
    if who is None:
        raise Unauthenticated("send Authorization: Bearer <CRM_BOUNCE_TOKEN or an INTEGRATION API key>")
    who.require(FEED_ROLES, "report bounces")
