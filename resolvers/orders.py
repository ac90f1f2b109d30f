"""[b2c] orders: upsertOrders, and a person's order fields when the person was not read by the compiler."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField

from domain import orders, reads
from graph.compiler import Sel
from schema.compiled import selection
from schema.context import Info
from schema.types.common import ExternalId, plain
from schema.types.orders import OrderUpsertInput
from schema.types.upserts import UpsertResult, UpsertRowResult


async def upsert_orders(info: Info, input: list[OrderUpsertInput]) -> UpsertResult:
    done = await orders.upsert_orders(info.context.deps, info.context.who, [plain(i) for i in input])
    return UpsertResult(
        created_count=sum(1 for r in done if r.created),
        updated_count=sum(1 for r in done if r.changed and not r.created),
        results=[
            UpsertRowResult(
                index=r.index,
                external_id=ExternalId(system=r.system, value=r.value),
                id=strawberry.ID(r.id),
                created=r.created,
            )
            for r in done
        ],
    )


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
