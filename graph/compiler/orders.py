"""[b2c] orders for the read compiler: orders, their lines and products, a person's orders and aggregates."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from graph.common import millis
from graph.compiler.core import EXTERNAL_IDS, prop
from graph.compiler.decl import TYPES, Many, One, Page, Same, Type, Val, decimal, declare, ms


def cents(value: Any) -> Decimal:
    """Integer cents -> a Decimal with two places (1250 -> 12.50)."""
    return Decimal(int(value)).scaleb(-2)


def money_totals(value: Any) -> list[dict[str, Any]]:
    """[currency, cents] of each of a person's orders -> sums per currency, shaped as MoneyTotal (keys are the
    Python field names), by currency code. Summed here: an aggregation inside a COLLECT nested in the pattern
    comprehension of `Order.customer` is refused by Neo4j as implicit grouping."""
    sums: dict[str, list[int]] = {}
    for currency, total in value:
        acc = sums.setdefault(currency, [0, 0])
        acc[0] += int(total or 0)
        acc[1] += 1
    return [{"currency": c, "amount": cents(total), "order_count": count} for c, (total, count) in sorted(sums.items())]


PRODUCT = Type("Product", {"sku": prop("sku"), "name": prop("name")})
# Scope: v = the product, r = the CONTAINS relationship that carries quantity and price.
ORDER_LINE = Type(
    "OrderLine",
    {"product": Same("Product"), "quantity": Val("{r}.quantity"), "unitPrice": Val("{r}.unitPrice", decimal)},
)
ORDER = Type(
    "Order",
    {
        "id": prop("id"),
        "number": prop("number"),
        "placedAt": Val(millis("{v}.placedAt"), ms),
        "total": Val("{v}.total", decimal),
        "currency": prop("currency"),
        "lines": Many(
            "MATCH ({v})-[{_c}:CONTAINS]->({t}:Product)", "OrderLine", "{_c}.position", {"v": "t", "r": "_c"}
        ),
        # The contract's `customer: Person!`: a customer erased since (GDPR) answers as an anonymous placeholder,
        # the :ErasedPerson node (its id, country and order aggregates; every name "(erased)", no contact data).
        "customer": One("({v})<-[:PLACED]-({t}) WHERE {t}:Person OR {t}:ErasedPerson", "Person"),
        "externalIds": EXTERNAL_IDS,
    },
)

# A person's orders, newest first on (placedAt, id); the cursor holds the time as a string.
PERSON_ORDERS = Page(
    "MATCH ({v})-[:PLACED]->({t}:Order) WHERE {where}",
    "Order",
    "{t}.placedAt DESC, {t}.id DESC",
    "[toString({t}.placedAt), {t}.id]",
    "({t}.placedAt < datetime(${p}0) OR ({t}.placedAt = datetime(${p}0) AND {t}.id < ${p}1))",
    "COUNT { ({v})-[:PLACED]->(:Order) }",
)

declare(PRODUCT, ORDER_LINE, ORDER)
TYPES["Person"] = replace(
    TYPES["Person"],
    fields={
        **TYPES["Person"].fields,
        "orders": PERSON_ORDERS,
        "orderCount": Val("coalesce({v}.orderCount, 0)"),
        # Only orders in CRM_DEFAULT_CURRENCY (graph/orders.py keeps the sum); spentByCurrency has every currency.
        "totalSpent": Val("coalesce({v}.totalSpentCents, 0)", cents),
        "spentByCurrency": Val(
            "COLLECT { MATCH ({v})-[:PLACED]->({_o}:Order) RETURN [{_o}.currency, {_o}.totalCents] }",
            money_totals,
        ),
        "lastOrderAt": Val(millis("{v}.lastOrderAt"), ms),
    },
)
