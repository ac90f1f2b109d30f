"""DateTime and Date: every date and time a client sends is checked here, before any resolver runs.

A value outside the years validate.EARLIEST_YEAR..LATEST_YEAR (a time in UTC) is BAD_USER_INPUT, in a
variable as well as in a literal, so no mutation ever stores a time the reads cannot show.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from graphql import GraphQLError

from domain import validate
from domain.errors import BadInput


def _invalid(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _invalid("a DateTime is an ISO 8601 string such as 2030-01-07T09:00:00+01:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _invalid(f"{value!r} is not an ISO 8601 date and time") from exc
    try:
        return validate.moment(parsed, value)
    except BadInput as exc:
        raise _invalid(exc.message) from exc


def parse_date(value: Any) -> date:
    if not isinstance(value, str):
        raise _invalid("a Date is an ISO 8601 string such as 2030-01-07")
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise _invalid(f"{value!r} is not an ISO 8601 date") from exc
    try:
        return validate.day(parsed, value)
    except BadInput as exc:
        raise _invalid(exc.message) from exc


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
