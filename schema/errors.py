"""Gives every error an `extensions.code`, and hides internals of unexpected ones."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, parse
from graphql.validation import ASTValidationRule
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired
from redis.exceptions import ConnectionError as RedisConnectionError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from domain.errors import CrmError
from graph.paging import InvalidCursor

log = logging.getLogger("crm.errors")
UNAVAILABLE = "a backing service (graph database or Redis) is unavailable; retry shortly"


# graphql-core names the place of a bad value inside a variable: "Variable '$i' has invalid value at .occurredAt: ..."
VARIABLE_PATH = re.compile(r"^Variable '\$\w+' has invalid value(?: at )?((?:\.\w+|\[\d+\])*)")


def _bad_variable(error: GraphQLError, extensions: dict[str, Any]) -> None:
    """A variable of the wrong type or out of range: BAD_USER_INPUT naming the input field when there is one."""
    match = VARIABLE_PATH.match(error.message)
    names = re.findall(r"\.(\w+)", match.group(1)) if match else []
    if names and "field" not in extensions:
        extensions["field"] = names[-1]


def classify(error: GraphQLError) -> None:
    original = error.original_error
    extensions = dict(error.extensions or {})
    if original is None:
        extensions.setdefault("code", "BAD_USER_INPUT" if error.path is None else "INTERNAL_SERVER_ERROR")
    elif isinstance(original, CrmError):
        extensions["code"] = original.code
        extensions.update({k: v for k, v in original.details.items() if isinstance(v, str | int)})
    elif isinstance(original, GraphQLError):
        # Coercion errors of variables and literals (wrong type, out of range) come wrapped this way.
        extensions.update(original.extensions or {})
        if error.path is None:
            extensions.setdefault("code", "BAD_USER_INPUT")
            _bad_variable(error, extensions)
        elif "code" not in extensions:
            log.error("unexpected error", exc_info=original)
            extensions["code"] = "INTERNAL_SERVER_ERROR"
            error.message = "internal error"
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
            if isinstance(original, InvalidCursor):
                extensions["argument"] = "after"
        else:
            log.error("unexpected error", exc_info=original)
            extensions["code"] = "INTERNAL_SERVER_ERROR"
            error.message = "internal error"
    error.extensions = extensions


class RequestPipeline(SchemaExtension):
    """What five stock extensions did, as one (each extension costs a context and hook lookups per request):

    * the parsed document of a query text is cached (LRU, `CACHE_SIZE`), parsing stops after `MAX_TOKENS`;
    * validation adds `rules` (depth and alias limits) and its result is cached per (schema, document, rules);
    * every error of the result, and of each subscription event, gets its code (`classify`).
    """

    MAX_TOKENS = 5000
    CACHE_SIZE = 256

    def __init__(self, rules: tuple[type[ASTValidationRule], ...] = ()) -> None:
        super().__init__()
        self.rules = rules

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.MAX_TOKENS
        context.validation_rules = context.validation_rules + self.rules
        yield
        result = context.result
        for error in (result.errors if result else None) or []:
            classify(error)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = _parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result of a subscription, too."""
        for error in getattr(result, "errors", None) or []:
            classify(error)
        yield


_parse = lru_cache(maxsize=RequestPipeline.CACHE_SIZE)(parse)
_validate = lru_cache(maxsize=RequestPipeline.CACHE_SIZE)(validate_document)
