"""[b2c:imports] A person's order fields when the person was not read by the compiler."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from strawberry.types.nodes import SelectedField

from domain import reads
from graph.compiler import Sel
from schema.compiled import selection
from schema.context import Info


def person_field(info: Info, person_id: str, key: str) -> Awaitable[Any]:
    """The current field of a person that came from elsewhere (a DataLoader, a subscription payload), read
    with its selection by one compiled statement; `key` is where the shaped person keeps it."""
    field = info.selected_fields[0]
    assert isinstance(field, SelectedField)
    sel = Sel(field.name, field.arguments, selection(info))

    async def load() -> Any:
        shaped = await reads.node(info.context.deps, info.context.who, "Person", person_id, [sel])
        return None if shaped is None else shaped[key]

    return load()
