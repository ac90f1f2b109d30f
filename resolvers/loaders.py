"""DataLoaders built per request: one batched round trip per nested level, never N+1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from domain import companies, opportunities, persons, units, users
from domain.deps import Deps
from graph.db import Row

Batch = Callable[[list[str]], Awaitable[dict[str, Any]]]


def _loader(batch: Batch, default: Any = None) -> DataLoader[str, Any]:
    async def load(keys: Sequence[str]) -> list[Any]:
        found = await batch(list(keys))
        return [found.get(k, default) for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._parts: dict[tuple[str, str], DataLoader[str, Row | None]] = {}
        self.user: DataLoader[str, Row | None] = _loader(lambda ids: users.get_many(deps, ids))
        self.unit: DataLoader[str, Row | None] = _loader(lambda ids: units.get_many(deps, ids))
        self.unit_children: DataLoader[str, list[Row]] = _loader(lambda ids: units.children(deps, ids), [])

    def part(self, label: str, name: str) -> DataLoader[str, Row | None]:
        """Companies, persons or opportunities by id, with the named nested part ("" for the node alone)."""
        key = (label, name)
        if key not in self._parts:
            use = {"Company": companies.get_many, "Person": persons.get_many}.get(label, opportunities.get_many)
            include = (name,) if name else ()

            async def batch(ids: list[str]) -> dict[str, Any]:
                return await use(self.deps, ids, include)

            self._parts[key] = _loader(batch)
        return self._parts[key]
