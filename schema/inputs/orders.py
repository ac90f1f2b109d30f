"""Input objects of the [b2c] orders (synchronised by upsert)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from schema.inputs.common import ExternalIdInput

UNSET = strawberry.UNSET


@strawberry.input
class OrderLineInput:
    sku: str
    product_name: str
    quantity: int
    unit_price: Decimal


@strawberry.input
class OrderUpsertInput:
    external_id: ExternalIdInput
    number: str
    placed_at: datetime
    currency: str
    lines: list[OrderLineInput]
    customer_external_id: ExternalIdInput | None = strawberry.field(
        default=UNSET, description="the customer, matched by external id, then by email; created when absent"
    )
    customer_email: str | None = UNSET
    customer_first_name: str | None = UNSET
    customer_last_name: str | None = UNSET
