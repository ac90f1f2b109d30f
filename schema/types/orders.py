"""[b2c] orders: read through the compiler only (their fields are plain values of compiled dicts)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from schema.types.common import ExternalId, Node
from schema.types.core import Person


@strawberry.type(description="A sum of money in one currency (aggregates are per currency).")
class MoneyTotal:
    currency: str
    amount: Decimal
    order_count: int = strawberry.field(description="How many orders the amount sums")


@strawberry.type
class Product:
    sku: str
    name: str


@strawberry.type
class OrderLine:
    product: Product
    quantity: int
    unit_price: Decimal


@strawberry.type
class Order(Node):
    id: strawberry.ID
    number: str
    placed_at: datetime
    total: Decimal
    currency: str
    lines: list[OrderLine]
    customer: Person
    external_ids: list[ExternalId] = strawberry.field(description="Shop or ERP that reported the order")
