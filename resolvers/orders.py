"""[b2c] orders: upsertOrders (a person's order fields read outside the compiler: schema/fields/orders.py)."""

from __future__ import annotations

import strawberry

from domain import orders
from schema.context import Info
from schema.inputs.orders import OrderUpsertInput
from schema.types.common import ExternalId, plain
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
