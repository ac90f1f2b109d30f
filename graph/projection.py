"""Composes a map projection from constant Cypher fragments chosen by name.

Only fragment constants defined in this package are ever joined; user input
reaches the query as parameters alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graph.db import Db, Row


def project(var: str, base: str, fragments: Mapping[str, str], include: Iterable[str]) -> str:
    parts = [base, *(fragments[name] for name in sorted(set(include)) if name in fragments)]
    return f"{var} {{{', '.join(p for p in parts if p)}}}"


def where(conditions: Mapping[str, str], active: Iterable[str], *always: str) -> str:
    """AND of the constant conditions named in `active` (and `always`); "true" when empty."""
    parts = [*always, *(conditions[name] for name in sorted(set(active)) if name in conditions)]
    return " AND ".join(parts) if parts else "true"


@dataclass(frozen=True)
class Nodes:
    """Reads one kind of node by id, projected with the nested parts a caller names.

    `by_id` and `by_ids` are constant templates with a `{projection}` slot; `by_ids` returns
    rows {key, value}.
    """

    var: str
    base: str
    fragments: Mapping[str, str]
    by_id: str
    by_ids: str

    def projection(self, include: Iterable[str] = ()) -> str:
        return project(self.var, self.base, self.fragments, include)

    async def get(self, db: Db, node_id: str, include: Iterable[str] = ()) -> Row | None:
        row = await db.read_one(self.by_id.format(projection=self.projection(include)), {"id": node_id})
        return row["node"] if row else None

    async def get_many(self, db: Db, ids: list[str], include: Iterable[str] = ()) -> dict[str, Row]:
        rows = await db.read(self.by_ids.format(projection=self.projection(include)), {"ids": ids})
        return {r["key"]: r["value"] for r in rows}
