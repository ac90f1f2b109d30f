"""Full-text search over the CRM's records, best match first."""

from __future__ import annotations

from typing import Any

from domain import validate
from domain.deps import Deps
from domain.errors import BadInput
from domain.pagination import MAX_FIRST
from graph import search as q
from graph.db import Row


async def search(
    deps: Deps, text: str, first: int, projections: dict[str, str] | None = None, params: dict[str, Any] | None = None
) -> list[tuple[str, Row]]:
    """Hits as (label, row); `projections` (by label, over p, c, o, l) may replace the base fields."""
    if first < 0 or first > MAX_FIRST:
        raise BadInput(f"first must be between 0 and {MAX_FIRST}", argument="first")
    cleaned = validate.text(text, "text", max_len=200)
    query = q.lucene_query(cleaned or "")
    if not query or first == 0:
        return []
    rows = await deps.db.read(q.search_query(projections), {**(params or {}), "query": query, "limit": first})
    return [(r["label"], r["hit"]) for r in rows]
