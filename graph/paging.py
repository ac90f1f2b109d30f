"""Keyset pages: the arguments a page query takes and the page it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.db import Db, Row


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
        values = list(self.after or [])
        values += [None] * (len(names) - len(values))
        return dict(zip(names, values, strict=False))


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
