"""Gives every error an `extensions.code`, and hides internals of unexpected ones."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired
from redis.exceptions import ConnectionError as RedisConnectionError
from strawberry.extensions import SchemaExtension

from domain.errors import CrmError

log = logging.getLogger("crm.errors")
UNAVAILABLE = "a backing service (graph database or Redis) is unavailable; retry shortly"


def classify(error: GraphQLError) -> None:
    original = error.original_error
    extensions = dict(error.extensions or {})
    if original is None:
        extensions.setdefault("code", "BAD_USER_INPUT" if error.path is None else "INTERNAL_SERVER_ERROR")
    elif isinstance(original, CrmError):
        extensions["code"] = original.code
        extensions.update({k: v for k, v in original.details.items() if isinstance(v, str | int)})
    elif isinstance(original, GraphQLError) and original.extensions:
        extensions.update(original.extensions)
    elif isinstance(original, ServiceUnavailable | SessionExpired | RedisConnectionError | ConnectionError):
        extensions["code"] = "SERVICE_UNAVAILABLE"
        error.message = UNAVAILABLE
    elif isinstance(original, DriverError | Neo4jError) and "code" not in extensions:
        log.error("graph error", exc_info=original)
        extensions["code"] = "SERVICE_UNAVAILABLE" if isinstance(original, DriverError) else "INTERNAL_SERVER_ERROR"
        error.message = UNAVAILABLE if isinstance(original, DriverError) else "internal error"
    elif "code" not in extensions:
        if type(original).__name__.startswith("StrawberryInputCoercion") or isinstance(
            original, ValueError | TypeError
        ):
            extensions["code"] = "BAD_USER_INPUT"
        else:
            log.error("unexpected error", exc_info=original)
            extensions["code"] = "INTERNAL_SERVER_ERROR"
            error.message = "internal error"
    error.extensions = extensions


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors if result else None) or []:
            classify(error)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription, too."""
        for error in getattr(result, "errors", None) or []:
            classify(error)
        yield
