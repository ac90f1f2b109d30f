"""Look-ahead over the selection set, so one Cypher query can fetch what the client asked for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.context import Info


def _flatten(selections: Iterable[Selection]) -> list[SelectedField]:
    out: list[SelectedField] = []
    for sel in selections:
        if isinstance(sel, SelectedField):
            out.append(sel)
        elif isinstance(sel, FragmentSpread | InlineFragment):
            out.extend(_flatten(sel.selections))
    return out


def fields_at(info: Info, path: Sequence[str] = ()) -> set[str]:
    """Names selected at `path` below the current field (e.g. ("edges", "node"))."""
    level: list[SelectedField] = _flatten(info.selected_fields)
    level = _flatten(sel for field in level for sel in field.selections)
    for name in path:
        level = _flatten(sel for field in level if field.name == name for sel in field.selections)
    return {field.name for field in level}


def wants_total(info: Info) -> bool:
    return "totalCount" in fields_at(info)


def node_includes(info: Info, fragments: Any, path: Sequence[str] = ("edges", "node")) -> set[str]:
    """Nested parts of a node (owner, units, ...) that the client selected and a fragment can prefetch."""
    return {name for name in fields_at(info, path) if name in fragments}
