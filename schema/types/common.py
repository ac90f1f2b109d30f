"""Types every area uses: Node, pages, points, external ids."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types.base import has_object_definition
from strawberry.utils.str_converters import to_camel_case

from domain.pagination import encode_cursor
from graph.paging import Page
from schema.compiled import compiled, is_type_of

T = TypeVar("T")
Row = dict[str, Any]


@strawberry.interface
class Node:
    id: strawberry.ID

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return is_type_of(cls, obj)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class GeoPoint:
    lat: float
    lon: float

    @staticmethod
    def of(value: Row | None) -> GeoPoint | None:
        return GeoPoint(lat=value["lat"], lon=value["lon"]) if value else None


@strawberry.type
class ExternalId:
    system: str
    value: str


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total: strawberry.Private[int | None]

    @strawberry.field
    def total_count(self) -> int:
        if (row := compiled(self)) is not None:
            return int(row["total_count"])
        return self.total or 0

    @classmethod
    def of(cls, page: Page, make: Callable[[Row], Any]) -> Connection[Any]:
        cursors = [encode_cursor(k) for k in page.keys]
        return cls(
            edges=[Edge(cursor=c, node=make(r)) for c, r in zip(cursors, page.rows, strict=True)],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            total=page.total,
        )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)


def ms(value: Any) -> Any:
    """A time from the graph, sent as epoch milliseconds (hydrating Neo4j temporals is slow), as a UTC datetime.

    Any stored value reads: one outside what Python can show (before year 1, after 9999) reads as the
    first or last representable moment instead of failing the whole page.
    """
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        try:
            return EPOCH + timedelta(milliseconds=value)
        except OverflowError:
            return LAST if value > 0 else FIRST
    try:
        return value.to_native()
    except (ValueError, OverflowError):
        return LAST if getattr(value, "year", 0) > 0 else FIRST


def external_ids(row: Row) -> list[ExternalId]:
    return [ExternalId(system=x["system"], value=x["value"]) for x in row.get("externalIds") or []]


def plain(value: Any) -> Any:
    """An input object as a dict of only the fields the client sent (UNSET left out)."""
    if has_object_definition(value):
        return {
            to_camel_case(f.name): plain(getattr(value, f.name))
            for f in dataclasses.fields(value)  # type: ignore[arg-type]
            if getattr(value, f.name) is not strawberry.UNSET
        }
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value
