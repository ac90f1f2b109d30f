"""DateTime and Date: every date and time a client sends is checked here, before any resolver runs.

A value outside the years validate.EARLIEST_YEAR..LATEST_YEAR (a time in UTC) is BAD_USER_INPUT, in a
variable as well as in a literal, so no mutation ever stores a time the reads cannot show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from domain import validate
from domain.errors import BadInput

T = TypeVar("T")


def _invalid(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _parse(value: Any, kind: str, example: str, parse: Callable[[str], T], check: Callable[[T, str], T]) -> T:
    """An ISO 8601 string of `kind`, parsed and checked against the range every date input shares."""
    if not isinstance(value, str):
        raise _invalid(f"a {kind} is an ISO 8601 string such as {example}")
    try:
        parsed = parse(value)
    except ValueError as exc:
        raise _invalid(f"{value!r} is not an ISO 8601 {'date and time' if kind == 'DateTime' else 'date'}") from exc
    try:
        return check(parsed, value)
    except BadInput as exc:
        raise _invalid(exc.message) from exc


def parse_datetime(value: Any) -> datetime:
    return _parse(value, "DateTime", "2030-01-07T09:00:00+01:00", datetime.fromisoformat, validate.moment)


def parse_date(value: Any) -> date:
    return _parse(value, "Date", "2030-01-07", date.fromisoformat, validate.day)


def _iso(value: date) -> str:
    return value.isoformat()


DATETIME = strawberry.scalar(
    name="DateTime",
    description=f"Date and time (ISO 8601) with a UTC offset (none means UTC), in the years "
    f"{validate.EARLIEST_YEAR}..{validate.LATEST_YEAR}.",
    serialize=_iso,
    parse_value=parse_datetime,
)
DATE = strawberry.scalar(
    name="Date",
    description=f"Date (ISO 8601) in the years {validate.EARLIEST_YEAR}..{validate.LATEST_YEAR}.",
    serialize=_iso,
    parse_value=parse_date,
)
# `scalar_overrides` of the schema: every datetime and date input goes through the checks above.
OVERRIDES: dict[object, Any] = {datetime: DATETIME, date: DATE}
