"""DataLoaders built per request: one batched round trip per nested level, never N+1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from domain import activities, b2b, companies, leads, opportunities, persons, technicians, tickets, units, users
from domain.deps import Deps
from graph.db import Row
from graph.paging import Page, PageArgs

PageBatch = Callable[[Deps, list[str], PageArgs, tuple[str, ...]], Awaitable[dict[str, Page]]]

# Nested connections, each answered for many parents in one round trip.
PAGERS: dict[str, PageBatch] = {
    "contacts": lambda deps, ids, args, inc: persons.contacts_many(deps, ids, args, inc),
    "members": lambda deps, ids, args, inc: persons.members_many(deps, ids, args, inc),
    "opportunities": lambda deps, ids, args, inc: opportunities.company_pages(deps, ids, args, inc),
    "relations": lambda deps, ids, args, inc: b2b.relations_many(deps, ids, args),
    "timeline:Person": lambda deps, ids, args, inc: activities.timelines(deps, "Person", ids, args, inc),
    "timeline:Company": lambda deps, ids, args, inc: activities.timelines(deps, "Company", ids, args, inc),
    "timeline:Opportunity": lambda deps, ids, args, inc: activities.timelines(deps, "Opportunity", ids, args, inc),
}

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
        self.user_skills: DataLoader[str, list[Row]] = _loader(lambda ids: technicians.skills_many(deps, ids), [])
        self.buying_center: DataLoader[str, Row | None] = _loader(lambda ids: b2b.buying_centers(deps, ids))
        self._pages: dict[tuple[Any, ...], DataLoader[str, Page]] = {}

    def pages(self, kind: str, args: PageArgs, include: Iterable[str] = ()) -> DataLoader[str, Page]:
        """The `kind` page (see PAGERS) with these arguments, for any number of parents."""
        parts = tuple(sorted(set(include)))
        key = (kind, args.first, tuple(args.after or ()), args.with_total, parts)
        if key not in self._pages:
            pager = PAGERS[kind]

            async def batch(ids: list[str]) -> dict[str, Any]:
                return await pager(self.deps, ids, args, parts)

            self._pages[key] = _loader(batch)
        return self._pages[key]

    def part(self, label: str, name: str) -> DataLoader[str, Row | None]:
        """Companies, persons or opportunities by id, with the named nested part ("" for the node alone)."""
        key = (label, name)
        if key not in self._parts:
            use = {
                "Company": companies.get_many,
                "Person": persons.get_many,
                "Lead": leads.get_many,
                "Ticket": tickets.get_many,
            }.get(label, opportunities.get_many)
            include = (name,) if name else ()

            async def batch(ids: list[str]) -> dict[str, Any]:
                return await use(self.deps, ids, include)

            self._parts[key] = _loader(batch)
        return self._parts[key]
