"""Orders from shops and ERPs: batches of up to 1,000, idempotent on the order's external id.

`upsert_orders(deps, principal, rows)` is the one entry point (GraphQL `upsertOrders`, shop
webhooks and other adapters call it). A row is an OrderUpsertInput as a dict (camelCase keys;
`placedAt` a datetime or ISO text, amounts Decimal, str or number). All rows or none are written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_email
from graph import orders as q
from graph.db import Tx

MAX_ROWS = 1000
MAX_LINES = 500
MAX_QUANTITY = 1_000_000
EMAIL_STRIPES = 1024
ORDER_FIELDS = ("number", "placedAt", "total", "currency", "lines")


@dataclass(frozen=True)
class OrderResult:
    index: int
    system: str
    value: str
    id: str
    created: bool
    changed: bool


def email_stripe(email: str) -> str:
    """The lock that serialises creating customers with this (normalised) address; no address is stored."""
    digest = hashlib.sha256(email.encode()).digest()
    return f"person-email-{int.from_bytes(digest[:4], 'big') % EMAIL_STRIPES}"


def _key(ext: Any, where: str) -> tuple[str, str]:
    if not isinstance(ext, dict):
        raise BadInput(f"{where} is required", field=where)
    system = validate.text(ext.get("system"), f"{where}.system", required=True, max_len=100)
    value = validate.text(ext.get("value"), f"{where}.value", required=True, max_len=200)
    return str(system), str(value)


def _moment(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise BadInput("placedAt is not a time", field="placedAt") from exc
    if not isinstance(value, datetime):
        raise BadInput("placedAt is required", field="placedAt")
    return validate.moment(value, "placedAt")


def _cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def _line(position: int, data: dict[str, Any]) -> dict[str, Any]:
    where = f"lines[{position}]"
    sku = str(validate.text(data.get("sku"), f"{where}.sku", required=True, max_len=200))
    name = str(validate.text(data.get("productName"), f"{where}.productName", required=True, max_len=300))
    quantity = data.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise BadInput(f"{where}.quantity must be a whole number from 1 to {MAX_QUANTITY}", field=f"{where}.quantity")
    price = validate.money(data.get("unitPrice"), f"{where}.unitPrice")
    return {
        "position": position,
        "sku": sku,
        "name": name,
        "quantity": quantity,
        "unitPrice": price,
        "unitPriceCents": _cents(price),
    }


def _row(index: int, data: dict[str, Any]) -> dict[str, Any]:
    try:
        system, value = _key(data.get("externalId"), "externalId")
        number = str(validate.text(data.get("number"), "number", required=True, max_len=200))
        placed = _moment(data.get("placedAt"))
        currency = str(validate.text(data.get("currency"), "currency", required=True, max_len=3)).upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise BadInput("currency must be an ISO 4217 code such as EUR", field="currency")
        raw_lines = data.get("lines") or []
        if not raw_lines:
            raise BadInput("lines: an order has at least one line", field="lines")
        if len(raw_lines) > MAX_LINES:
            raise BadInput(f"lines: at most {MAX_LINES} items", field="lines")
        lines = [_line(i, line) for i, line in enumerate(raw_lines)]
        customer = _key(data["customerExternalId"], "customerExternalId") if data.get("customerExternalId") else None
        email_text = validate.email(data.get("customerEmail"), "customerEmail")
        if customer is None and email_text is None:
            raise BadInput("customerExternalId or customerEmail is required", field="customerEmail")
        first = validate.text(data.get("customerFirstName"), "customerFirstName", max_len=200)
        last = validate.text(data.get("customerLastName"), "customerLastName", max_len=200)
    except BadInput as exc:
        raise BadInput(
            f"row {index}: {exc.message}", row=index, **{k: v for k, v in exc.details.items() if k != "row"}
        ) from exc
    total_cents = sum(line["quantity"] * line["unitPriceCents"] for line in lines)
    total = str(Decimal(total_cents).scaleb(-2))
    if Decimal(total) > validate.MAX_AMOUNT:
        raise BadInput(f"row {index}: the order total exceeds {validate.MAX_AMOUNT}", row=index, field="lines")
    placed_iso = placed.isoformat()
    content = [number, placed_iso, currency, [[x["sku"], x["name"], x["quantity"], x["unitPrice"]] for x in lines]]
    email = normalize_email(email_text)
    last_name = last or email_text or f"{customer[0]}:{customer[1]}"  # type: ignore[index]
    full = " ".join(part for part in (first, last_name) if part)
    return {
        "index": index,
        "system": system,
        "value": value,
        "newId": new_id("Order"),
        "number": number,
        "placedAt": placed_iso,
        "currency": currency,
        "total": total,
        "totalCents": total_cents,
        "lines": lines,
        "fingerprint": hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest(),
        "customer": {
            "key": json.dumps([customer, email]),
            "system": customer[0] if customer else None,
            "value": customer[1] if customer else None,
            "email": email,
            "emailText": email_text,
            "firstName": first,
            "lastName": last_name,
            "fullName": full,
            "sortName": validate.sort_key(f"{last_name} {first or ''}"),
            "source": system,
            "newId": new_id("Person"),
            "named": last is not None,
        },
    }


async def upsert_orders(deps: Deps, principal: Principal, rows: list[dict[str, Any]]) -> list[OrderResult]:
    """Creates or replaces the orders (all rows or none); an order sent again unchanged writes and emits
    nothing. Raises BadInput naming the row (`extensions.row`) for a bad row."""
    principal.require(CRM_WRITERS, "synchronise orders")
    if len(rows) > MAX_ROWS:
        raise BadInput(f"at most {MAX_ROWS} rows a call", argument="input")
    prepared = [_row(i, data) for i, data in enumerate(rows)]
    seen: dict[tuple[str, str], int] = {}
    for row in prepared:
        key = (row["system"], row["value"])
        if key in seen:
            raise BadInput(f"rows {seen[key]} and {row['index']} have the same external id", row=row["index"])
        seen[key] = row["index"]
    customers: dict[str, dict[str, Any]] = {}
    for row in prepared:  # one customer per key: the first row that names it, else the first row
        known = customers.get(row["customer"]["key"])
        if known is None or (not known["named"] and row["customer"]["named"]):
            customers[row["customer"]["key"]] = row["customer"]
    params = {
        "orderKeys": [{"system": s, "value": v} for s, v in sorted(seen)],
        "customerKeys": [
            {"system": s, "value": v}
            for s, v in sorted({(c["system"], c["value"]) for c in customers.values() if c["system"] is not None})
        ],
        "stripes": sorted({email_stripe(c["email"]) for c in customers.values() if c["email"]}),
    }
    actor = principal.user_id

    async def work(tx: Tx) -> list[OrderResult]:
        await tx.run(q.LOCK, params)
        found = await tx.run(q.CUSTOMERS, {"customers": list(customers.values())})
        person_of = {r["key"]: r["id"] for r in found}
        for r in found:
            if r["created"]:
                emit(tx, "PERSON", r["id"], "CREATED", ("firstName", "lastName", "email", "source"), actor)
        order_rows = [
            {k: v for k, v in row.items() if k != "customer"} | {"personId": person_of[row["customer"]["key"]]}
            for row in prepared
        ]
        written = {
            r["index"]: r
            for r in await tx.run(q.ORDERS, {"rows": order_rows, "currency": deps.settings.default_currency})
        }
        out: list[OrderResult] = []
        for row in prepared:
            done = written[row["index"]]
            op = done["op"]
            if op != "UNCHANGED":
                emit(tx, "ORDER", done["id"], op, ORDER_FIELDS, actor)
            out.append(
                OrderResult(row["index"], row["system"], row["value"], done["id"], op == "CREATED", op != "UNCHANGED")
            )
        return out

    return await deps.db.transaction(work)
