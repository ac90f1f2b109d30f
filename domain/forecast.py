"""Pipeline, forecast and sales targets, per currency (amounts are never converted)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain import refs, validate
from domain.auth import TARGET_SETTERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from domain.opportunities import STAGES, cents, currency
from graph import opportunities as q
from graph.db import Row

PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
MAX_PERIODS = 60


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date  # exclusive

    def params(self) -> dict[str, str]:
        return {"name": self.name, "start": self.start.isoformat(), "end": self.end.isoformat()}


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period(name: str) -> Period:
    """'2027-03' (a month) or '2027-Q1' (a quarter)."""
    match = PERIOD.match(name.strip())
    if not match:
        raise BadInput("a period is YYYY-MM or YYYY-Qn", argument="period")
    year = int(match.group(1))
    if not validate.EARLIEST_YEAR <= year <= validate.LATEST_YEAR:
        raise BadInput(
            f"a period lies in the years {validate.EARLIEST_YEAR}..{validate.LATEST_YEAR}", argument="period"
        )
    if match.group(2):
        month, months = int(match.group(2)), 1
    else:
        month, months = (int(match.group(3)) - 1) * 3 + 1, 3
    return Period(name.strip(), _month_start(year, month), _month_start(year, month + months))


def periods(start: date, end: date, granularity: str) -> list[Period]:
    if end < start:
        raise BadInput("`to` is before `from`", argument="to")
    out: list[Period] = []
    step = 3 if granularity == "QUARTER" else 1
    month = start.month if step == 1 else (start.month - 1) // 3 * 3 + 1
    current = date(start.year, month, 1)
    while current <= end:
        name = f"{current.year}-{current.month:02d}" if step == 1 else f"{current.year}-Q{(current.month - 1) // 3 + 1}"
        out.append(period(name))
        current = _month_start(current.year, current.month + step)
        if len(out) > MAX_PERIODS:
            raise BadInput(f"at most {MAX_PERIODS} periods", argument="to")
    return out


def money_of(value_cents: Any) -> Decimal:
    return (Decimal(str(value_cents)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def attainment(won: Decimal, target: Decimal | None) -> float | None:
    return float(won / target) if target else None


async def pipeline(deps: Deps, owner_id: str | None, currency_code: str) -> list[Row]:
    rows = await deps.db.read(
        q.PIPELINE, {"stages": list(STAGES), "currency": currency(currency_code), "ownerId": owner_id}
    )
    return [
        {
            "stage": r["stage"],
            "count": r["count"],
            "amount": money_of(r["cents"]),
            "weightedAmount": money_of(r["weightedCents"]),
        }
        for r in rows
    ]


async def forecast(
    deps: Deps, start: date, end: date, granularity: str, owner_id: str | None, currency_code: str
) -> list[Row]:
    code = currency(currency_code)
    span = periods(start, end, granularity)
    rows = await deps.db.read(
        q.PERIOD_FIGURES, {"periods": [p.params() for p in span], "currency": code, "ownerId": owner_id}
    )
    out = []
    for r in rows:
        target = money_of(r["targetCents"]) if r["targets"] else None
        won = money_of(r["wonCents"])
        out.append(
            {
                "period": r["period"],
                "currency": code,
                "openAmount": money_of(r["openCents"]),
                "weightedAmount": money_of(r["weightedCents"]),
                "wonAmount": won,
                "target": target,
                "attainment": attainment(won, target),
            }
        )
    return out


async def target_status(deps: Deps, period_name: str, user_id: str | None, currency_code: str) -> list[Row]:
    span, code = period(period_name), currency(currency_code)
    if user_id is None:
        found = await deps.db.read_one(q.TARGET_USERS, {"period": span.name, "currency": code, "userId": None})
        user_ids = list(found["userIds"]) if found else []
    else:
        user_ids = [user_id]
    if not user_ids:
        return []
    rows = await deps.db.read(
        q.TARGET_STATUS,
        {
            "userIds": user_ids,
            "period": span.name,
            "currency": code,
            "start": span.start.isoformat(),
            "end": span.end.isoformat(),
        },
    )
    if user_id is not None and not rows:
        await refs.require_read(deps.db, {"userId": ("User", user_id)})
    out = []
    for r in rows:
        target, won = money_of(r["targetCents"]), money_of(r["wonCents"])
        out.append(
            {
                "user": r["user"],
                "period": span.name,
                "currency": code,
                "target": target,
                "wonAmount": won,
                "weightedAmount": money_of(r["weightedCents"]),
                "attainment": attainment(won, target),
            }
        )
    return out


async def set_target(
    deps: Deps, who: Principal, user_id: str, period_name: str, amount: Any, currency_code: str
) -> list[Row]:
    who.require(TARGET_SETTERS, "set sales targets")
    span, code = period(period_name), currency(currency_code)
    params = {"userId": user_id, "period": span.name, "currency": code, "amountCents": cents(amount)}
    if not await deps.db.write(q.SET_TARGET, params):
        raise NotFound(f"userId: no such record {user_id!r}", field="userId")
    return await target_status(deps, span.name, user_id, code)
