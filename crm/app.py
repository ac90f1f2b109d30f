"""Starlette app factory: /graphql (HTTP and graphql-transport-ws), /healthz, /readyz, /calendar, /documents."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from config.settings import Settings, get_settings
from crm import documents as documents_http
from crm import logs, web
from crm.exports import routes as export_routes
from crm.graphql_http import GraphQLApp
from crm.http_errors import BodyLimit, request_id
from crm.imports_http import PATH as IMPORTS_PATH
from crm.imports_http import upload_contacts
from crm.mail_routes import routes as mail_routes
from crm.shops import routes as shop_routes
from domain import calendar as calendar_uc
from domain.deps import Deps
from domain.errors import CrmError
from graph.migrations import migrate
from integrations import storage
from integrations.mail import SmtpTransport
from workers.app import app as celery_app
from workers.queue import CeleryQueue

log = logging.getLogger("crm.api")


class RequestLog:
    """Gives each HTTP request an id (X-Request-Id) and logs it as one JSON line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = request_id(headers.get(b"x-request-id")) or uuid.uuid4().hex
        token = logs.request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            logs.request_id.reset(token)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    deps = Deps.connect(settings)
    deps.mail = SmtpTransport(settings.smtp_url)
    deps.tasks = CeleryQueue(celery_app)
    deps.storage = storage.from_settings(settings)
    graphql = GraphQLApp(deps, settings)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        async def redis_ok() -> bool:
            try:
                return bool(await asyncio.wait_for(deps.redis.ping(), 2.0))
            except Exception:  # noqa: BLE001 - any failure means not ready
                return False

        neo4j, redis = await asyncio.gather(asyncio.wait_for(deps.db.ping(), 3.0), redis_ok(), return_exceptions=True)
        checks = {"neo4j": neo4j is True, "redis": redis is True}
        ok = all(checks.values())
        return JSONResponse({"status": "ready" if ok else "unavailable", **checks}, status_code=200 if ok else 503)

    async def calendar(request: Request) -> Response:
        """A technician's bookings as iCalendar: bearer credential or ?token=<calendar token>."""
        try:
            body = await calendar_uc.feed(
                deps,
                request.path_params["user_id"],
                request.headers.get("authorization"),
                request.query_params.get("token"),
            )
        except CrmError as exc:
            status = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}.get(exc.code, 400)
            return JSONResponse({"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}, status)
        return Response(
            body, media_type="text/calendar; charset=utf-8", headers={"cache-control": "private, max-age=60"}
        )

    async def imports_upload(request: Request) -> Response:
        return await upload_contacts(deps, request)

    async def upload_document(request: Request) -> Response:
        return await documents_http.upload(deps, request)

    async def download_document(request: Request) -> Response:
        return await documents_http.download(deps, request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if os.environ.get("CRM_MIGRATE_ON_START", "1") != "0":
            try:
                await migrate(deps.db)
            except Exception:  # the API still starts; /readyz tells the story
                log.exception("migration at start failed")
        relay = None
        if settings.outbox_relay_seconds > 0:
            relay = asyncio.create_task(deps.outbox.run(settings.outbox_relay_seconds))
        yield
        if relay is not None:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
        await deps.close()

    app = Starlette(
        routes=[
            Route("/graphql", graphql),  # every method: the GraphQL app answers others 405 in JSON
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/calendar/{user_id}.ics", calendar, methods=["GET"]),
            Route(IMPORTS_PATH, imports_upload, methods=["POST"]),  # streamed to disk, any size
            *mail_routes(deps, graphql.trusted_proxies),
            *export_routes(deps),
            *shop_routes(deps),
            Route("/documents", upload_document, methods=["POST"]),
            Route("/documents/{doc_id}", download_document, methods=["GET"]),
            *web.routes(),
        ],
        middleware=[
            Middleware(RequestLog),
            # uploads stream to disk and enforce their own limits
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes, unlimited=(IMPORTS_PATH, "/documents")),
        ],
        lifespan=lifespan,
    )
    app.state.deps = deps
    return app


def app_from_env() -> Starlette:
    """Entry for `uvicorn --factory crm.app:app_from_env`."""
    logs.setup(os.environ.get("CRM_LOG_LEVEL", "INFO"))
    return create_app()
