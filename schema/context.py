"""The typed per-request context every resolver receives."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from domain.auth import Principal
from domain.deps import Deps
from domain.errors import CrmError, Unauthenticated
from domain.events import ChangeEvent
from graph.db import RoundTrips

if TYPE_CHECKING:
    from resolvers.loaders import Loaders


class EventQueue(Protocol):
    async def get(self) -> ChangeEvent: ...


class EventFeed(Protocol):
    """Where subscriptions take their events from: the change stream, or a webhook's dispatcher."""

    def subscribe(self) -> AbstractAsyncContextManager[EventQueue]: ...


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    deps: Deps
    loaders: Loaders
    round_trips: RoundTrips
    principal: Principal | None = None
    auth_error: CrmError | None = None
    credential: str | None = None
    client: str | None = None  # the client's address (X-Forwarded-For only from a trusted proxy)
    connection_params: dict[str, Any] | None = field(default=None)
    # A webhook's subscription runs on the events its dispatcher feeds (which checks the creator itself).
    events: EventFeed | None = None

    @property
    def who(self) -> Principal:
        if self.principal is None:
            raise self.auth_error or Unauthenticated("sign in: send Authorization: Bearer <token or API key>")
        return self.principal


Info = StrawberryInfo[Context, None]
