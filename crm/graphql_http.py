"""/graphql over HTTP and graphql-transport-ws: Strawberry's ASGI view with the CRM's context, errors and codes.

The common request, a POST of `application/json` that asks for no streamed answer, takes a short path
(`_run_post`): the same steps as Strawberry's `run` (context with authentication, body parsed and checked
with the same messages, `execute_single`, `process_result`) without the checks that only other requests need
(GraphiQL, GET, multipart, streaming transports, content types parsed through `email.message`), and the
answer encoded once to bytes. Every other request takes Strawberry's `run`.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from neo4j.exceptions import DriverError, Neo4jError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from config.settings import Settings
from crm import web
from crm.clients import client_address, networks
from crm.http_errors import BodyTooLarge, error_body, media_type
from domain.deps import Deps
from domain.errors import CrmError, Unavailable
from graph.db import current_round_trips, start_counting
from resolvers.loaders import Loaders
from schema.context import Context
from schema.errors import UNAVAILABLE
from schema.root import build_schema

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
        """The answer encoded once, to bytes (Strawberry encodes to text, then Starlette to bytes again)."""
        graphql_response = sub_response.headers.get("content-type") == GRAPHQL_RESPONSE
        if graphql_response:
            del sub_response.headers["content-type"]
        response = Response(
            orjson.dumps(response_data),
            status_code=sub_response.status_code or 200,
            media_type=GRAPHQL_RESPONSE if graphql_response else "application/json",
        )
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            if self._plain_post(request):
                response = await self._run_post(request)
            else:
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

    def _plain_post(self, request: Request) -> bool:
        """A POST of JSON that asks for no streamed answer (SSE, multipart): what `_run_post` serves."""
        if request.method != "POST":
            return False
        content_type = request.headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != "application/json":
            return False
        return self._get_stream_transport_from_headers(request.headers) is None

    async def _run_post(self, request: Request) -> Response:
        """Strawberry's `run` for a plain POST of JSON, step for step (see the module's docstring)."""
        adapter = self.request_adapter_class(request)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        request_data = self._request_data(self.parse_json(await request.body()))
        result = await self.execute_single(
            request=request,
            request_adapter=adapter,
            sub_response=sub_response,
            context=context,
            root_value=None,
            request_data=request_data,
        )
        response_data = await self.process_result(request=request, result=result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    @staticmethod
    def _request_data(data: dict[str, Any]) -> GraphQLRequestData:
        """The operation of a JSON body, checked as Strawberry checks it (same messages)."""
        query = data.get("query")
        if not isinstance(query, (str, type(None))):
            raise HTTPException(400, "The GraphQL operation's `query` must be a string or null, if provided.")
        variables = data.get("variables")
        if not isinstance(variables, (dict, type(None))):
            raise HTTPException(400, "The GraphQL operation's `variables` must be an object or null, if provided.")
        extensions = data.get("extensions")
        if not isinstance(extensions, (dict, type(None))):
            raise HTTPException(400, "The GraphQL operation's `extensions` must be an object or null, if provided.")
        return GraphQLRequestData(
            query=query,
            variables=variables,
            operation_name=data.get("operationName"),
            extensions=extensions,
            protocol="http",
        )

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
