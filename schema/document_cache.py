"""What a request derives from the nodes of its parsed document and its variables, kept for the next request.

The parse cache hands the same document (the same node objects) to every request of the same query text, so a
value computed from some of its nodes and the variables (a selection tree, a completion plan) holds for every
request that brings the same nodes and variables. Keys hold the nodes' ids; each entry keeps its nodes alive and
a hit checks them by identity, so an id is never taken for a node that replaced a collected one.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")


def variables_text(values: Mapping[str, Any] | None) -> str:
    """The coerced variables as text: part of every key (skip/include and argument values read them)."""
    return repr(sorted(values.items())) if values else ""


class DocumentCache(Generic[V]):
    """Values by (scope, variables, document nodes), at most `size` of them (cleared when full)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: dict[tuple[Any, ...], tuple[tuple[Any, ...], V]] = {}

    def get(self, scope: Hashable, variables: str, nodes: tuple[Any, ...]) -> V | None:
        hit = self._entries.get((scope, variables, *map(id, nodes)))
        if hit is None or len(hit[0]) != len(nodes) or not all(a is b for a, b in zip(hit[0], nodes, strict=True)):
            return None
        return hit[1]

    def put(self, scope: Hashable, variables: str, nodes: tuple[Any, ...], value: V) -> None:
        """Keeps `value` unless a variable has no stable text (its repr names an address)."""
        if " at 0x" in variables:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[(scope, variables, *map(id, nodes))] = (nodes, value)
