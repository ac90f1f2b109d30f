"""Keyset pages: the arguments a page query takes and the page it returns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.db import Db, Row

# A time key as Cypher's toString(datetime) writes it (years may have a sign and more than 4 digits).
TIME_KEY = re.compile(
    r"^([+-]?\d{4,9})-(\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)(?:\[[\w/+\-]+\])?$"
)


INTEGER_SUFFIXES = ("Rank", "Ms")


class InvalidCursor(ValueError):
    """A cursor whose key does not fit the page it is used for (forged, or from another connection)."""


def _is_time_key(value: Any) -> bool:
    match = TIME_KEY.match(value) if isinstance(value, str) else None
    if match is None:
        return False
    year = int(match.group(1))
    proxy = 2000 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 2001  # same calendar as `year`
    offset = "+00:00" if match.group(4) == "Z" else match.group(4)
    try:
        datetime.fromisoformat(f"{proxy}-{match.group(2)}{offset}")
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class PageArgs:
    first: int
    after: list[Any] | None = None
    with_total: bool = False

    @property
    def limit(self) -> int:
        """One more than asked, to learn whether a next page exists."""
        return self.first + 1

    def after_params(self, *names: str) -> dict[str, Any]:
        """The cursor's key as named parameters; a key of another shape raises InvalidCursor.

        Every key part is a string; a part named `afterAt…` is a time as Cypher's toString writes it; a part
        named `…Rank` or `…Ms` (epoch milliseconds) is an integer.
        """
        if self.after is None:
            return dict.fromkeys(names)
        if len(self.after) != len(names):
            raise InvalidCursor("invalid cursor")
        for name, value in zip(names, self.after, strict=True):
            if name.endswith(INTEGER_SUFFIXES):
                if not isinstance(value, int) or isinstance(value, bool):
                    raise InvalidCursor("invalid cursor")
            elif not isinstance(value, str) or (name.startswith("afterAt") and not _is_time_key(value)):
                raise InvalidCursor("invalid cursor")
        return dict(zip(names, self.after, strict=True))


@dataclass
class Page:
    """One page of rows; `keys[i]` is the sort key of `rows[i]`."""

    rows: list[Row]
    keys: list[list[Any]]
    has_next: bool
    has_previous: bool
    total: int | None = None


def to_page(rows: list[Row], args: PageArgs, total: int | None = None) -> Page:
    """`rows` are maps {node, key}; at most `args.limit` of them."""
    has_next = len(rows) > args.first
    rows = rows[: args.first]
    return Page(
        rows=[r["node"] for r in rows],
        keys=[list(r["key"]) for r in rows],
        has_next=has_next,
        has_previous=args.after is not None,
        total=total,
    )


async def read_page(db: Db, query: str, params: dict[str, Any], args: PageArgs) -> Page:
    """Runs a query returning one row {rows, total}."""
    row = await db.read_one(query, {**params, "limit": args.limit, "withTotal": args.with_total})
    if row is None:
        return Page(rows=[], keys=[], has_next=False, has_previous=args.after is not None, total=0)
    return to_page(row["rows"], args, row.get("total"))


async def read_pages(db: Db, query: str, ids: list[str], params: dict[str, Any], args: PageArgs) -> dict[str, Page]:
    """Runs a query for many parents returning rows {key, rows, total}; parents without rows get empty pages."""
    found = await db.read(query, {**params, "ids": ids, "limit": args.limit, "withTotal": args.with_total})
    pages = {r["key"]: to_page(r["rows"], args, r.get("total")) for r in found}
    empty = Page(
        rows=[], keys=[], has_next=False, has_previous=args.after is not None, total=0 if args.with_total else None
    )
    return {i: pages.get(i, empty) for i in ids}
