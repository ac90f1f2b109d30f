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

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from neo4j.exceptions import DriverError, Neo4jError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from config.settings import Settings, get_settings
from crm import documents as documents_http
from crm import logs, web
from crm.clients import client_address, networks
from crm.exports import routes as export_routes
from crm.http_errors import BodyLimit, BodyTooLarge, error_body, media_type, request_id
from crm.imports_http import PATH as IMPORTS_PATH
from crm.imports_http import upload_contacts
from crm.mail_routes import routes as mail_routes
from crm.shops import routes as shop_routes
from domain import calendar as calendar_uc
from domain.deps import Deps
from domain.errors import CrmError, Unavailable
from graph.db import current_round_trips, start_counting
from graph.migrations import migrate
from integrations import storage
from integrations.mail import SmtpTransport
from resolvers.loaders import Loaders
from schema.context import Context
from schema.errors import UNAVAILABLE
from schema.root import build_schema
from workers.app import app as celery_app
from workers.queue import CeleryQueue

log = logging.getLogger("crm.api")
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_TYPES = ("application/json", GRAPHQL_RESPONSE)


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, deps: Deps, settings: Settings) -> None:
        super().__init__(
            build_schema(),
            graphql_ide="graphiql" if settings.dev else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=50,
        )
        self.deps = deps
        self.settings = settings
        self.trusted_proxies = networks(settings.trusted_proxies)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        context = Context(
            request=request,
            response=response,
            deps=self.deps,
            loaders=Loaders(self.deps),
            round_trips=start_counting(),
        )
        context.client = client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.trusted_proxies,
        )
        if isinstance(request, Request):
            if isinstance(response, Response) and GRAPHQL_RESPONSE in request.headers.get("accept", ""):
                # GraphQL over HTTP: the client understands application/graphql-response+json.
                response.headers["content-type"] = GRAPHQL_RESPONSE
                request.state.graphql_response = response
            await self._authenticate(context, request.headers.get("authorization"))
            context.round_trips = start_counting()  # authentication is not the operation's cost
        return context

    async def _authenticate(self, context: Context, credential: str | None) -> None:
        context.credential = credential
        try:
            context.principal = await self.deps.auth.authenticate(credential)
        except CrmError as exc:
            context.auth_error = exc
        except (DriverError, Neo4jError, OSError) as exc:
            log.warning("authentication backend unavailable: %s", exc)
            context.auth_error = Unavailable(UNAVAILABLE)

    async def render_graphql_ide(self, request: Request) -> Response:
        # GraphiQL from the local build (web/dist), not strawberry's page that loads it from unpkg.com.
        page = web.graphiql_html()
        return HTMLResponse(page) if page is not None else await super().render_graphql_ide(request)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        media_type = sub_response.headers.get("content-type")
        if media_type != GRAPHQL_RESPONSE:
            return super().create_response(response_data, sub_response)
        del sub_response.headers["content-type"]
        response = Response(
            self.encode_json(response_data), status_code=sub_response.status_code or 200, media_type=GRAPHQL_RESPONSE
        )
        response.headers.raw.extend(sub_response.headers.raw)
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            # Strawberry answers text/plain here; GraphQL over HTTP wants JSON with a code.
            response = self._error(request, exc.status_code, exc.reason)
        except BodyTooLarge:
            raise  # answered 413 by BodyLimit
        except Exception:
            log.exception("request failed")
            response = self._error(request, 500, "internal error")
        await response(scope, receive, send)

    @staticmethod
    def _error(request: Request, status: int, message: str) -> Response:
        media = media_type(request.headers.get("accept", ""))
        return Response(error_body(message, status), status_code=status, media_type=media)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "POST" and content_type not in JSON_TYPES:
            raise HTTPException(415, "send the GraphQL request as application/json")
        return await super().parse_http_body(request)

    def parse_json(self, data: str | bytes) -> Any:
        """A request body (and GET's `variables`, `extensions`) must be a JSON object."""
        try:
            value = self.decode_json(data)
        except ValueError as exc:
            raise HTTPException(400, "the request body is not valid JSON") from exc
        if not isinstance(value, dict):
            raise HTTPException(400, "the request body must be a JSON object with a `query`")
        return value

    def encode_json(self, data: object) -> str:
        # Text, not bytes: graphql-transport-ws clients expect text frames.
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        credential = params.get("Authorization") or params.get("authorization") or params.get("token")
        await self._authenticate(context, str(credential) if credential else None)
        if context.principal is None:
            raise ConnectionRejectionError({"message": "sign in with a token or API key in connection_init"})
        return None

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        sub_response = getattr(request.state, "graphql_response", None)
        request_error = result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or [])
        if sub_response is not None and request_error:
            # The request never executed (parse, validation, variables): 400 and no `data` entry.
            sub_response.status_code = 400
            response.pop("data", None)
        if self.settings.env != "prod":
            count = current_round_trips()
            if count is not None:
                extensions = dict(response.get("extensions") or {})
                extensions["cypherRoundTrips"] = count
                response["extensions"] = extensions
        return response


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
