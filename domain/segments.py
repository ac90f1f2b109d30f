"""[b2c] Segments: rules over persons compiled into ONE parameterised Cypher predicate over `p:Person`.

A rule is a tree (`SegmentRule`, one key per node): all / any / not, a condition on a whitelisted field,
purchased, attendedEventId, inSegmentId (the other segment's rule, inlined), hasConsent. Values reach
Cypher only as parameters ($seg0, $seg1, ...); field expressions and operators come from the constants
of graph/segments.py. A wrong operator or value is BAD_USER_INPUT naming its path
(`rule.all[2].condition.value`), as is nesting deeper than MAX_DEPTH levels or a segment that includes
itself, directly or through others. Members and sizes are always read from the current data (no cache).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain import validate
from domain.auth import MARKETERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_domain
from graph import segments as q
from graph.db import Tx

MAX_DEPTH = 5
MAX_INCLUSIONS = 50  # segments inlined into one predicate (each once per place it is named)
MAX_LIST = 1000
MAX_DAYS = 36500
KINDS = ("all", "any", "not", "condition", "purchased", "attendedEventId", "inSegmentId", "hasConsent")
CHANNELS = ("EMAIL", "SMS", "PHONE", "POST")
TOKEN = re.compile(r"\{(f|x|n|d|e|sku|ch|pu)\}")

# Which operators each field accepts (README "Segments" documents the same table).
OPS: dict[str, tuple[str, ...]] = {
    "CITY": ("EQ", "NEQ", "IN", "CONTAINS", "EXISTS"),
    "COUNTRY": ("EQ", "NEQ", "IN", "CONTAINS", "EXISTS"),
    "SOURCE": ("EQ", "NEQ", "IN", "CONTAINS", "EXISTS"),
    "TAGS": ("CONTAINS", "NEQ", "IN", "EXISTS"),
    "CREATED_AT": ("GT", "GTE", "LT", "LTE", "WITHIN_DAYS"),
    "LAST_ORDER_AT": ("GT", "GTE", "LT", "LTE", "WITHIN_DAYS", "EXISTS"),
    "ORDER_COUNT": ("EQ", "NEQ", "IN", "GT", "GTE", "LT", "LTE"),
    "TOTAL_SPENT": ("EQ", "NEQ", "GT", "GTE", "LT", "LTE"),
    "EMAIL_DOMAIN": ("EQ", "NEQ", "IN", "EXISTS"),
}
TEXT_FIELDS = ("CITY", "COUNTRY", "SOURCE")
TIME_FIELDS = ("CREATED_AT", "LAST_ORDER_AT")


def _fill(template: str, **names: str) -> str:
    return TOKEN.sub(lambda m: names[m.group(1)], template)


@dataclass
class RuleCompiler:
    """One predicate's worth of parameters; `segment_id` is the segment being saved (None: an ad-hoc rule)."""

    deps: Deps
    segment_id: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    included: dict[str, str] = field(default_factory=dict)  # segment id -> path of its first mention (top rule)
    events: dict[str, str] = field(default_factory=dict)  # event id -> path
    inclusions: int = 0

    def param(self, value: Any) -> str:
        name = f"seg{len(self.params)}"
        self.params[name] = value
        return "$" + name

    async def compile(
        self, rule: Any, path: str = "rule", depth: int = 1, stack: tuple[str, ...] = (), anchored: bool = False
    ) -> str:
        """`anchored`: a sibling in the same conjunction is an equality on an indexed field (city, country);
        time ranges then compile so the planner seeks that index instead of a wide range of times."""
        if depth > MAX_DEPTH:
            raise BadInput(f"{path}: rules nest at most {MAX_DEPTH} levels deep", field=path)
        if not isinstance(rule, dict):
            raise BadInput(f"{path}: a rule is an object", field=path)
        set_keys = [k for k in rule if rule[k] is not None]
        if len(set_keys) != 1 or set_keys[0] not in KINDS:
            raise BadInput(f"{path}: exactly one of {', '.join(KINDS)} must be set", field=path)
        kind = set_keys[0]
        value = rule[kind]
        at = f"{path}.{kind}"
        if kind in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise BadInput(f"{at}: at least one rule", field=at)
            if len(value) > MAX_LIST:
                raise BadInput(f"{at}: at most {MAX_LIST} rules", field=at)
            anchor = kind == "all" and any(_is_anchor(r) for r in value)
            parts = [await self.compile(r, f"{at}[{i}]", depth + 1, stack, anchor) for i, r in enumerate(value)]
            return "(" + (" AND " if kind == "all" else " OR ").join(parts) + ")"
        if kind == "not":
            # null (a missing property) counts as false, so NOT of it is true
            return f"(NOT coalesce({await self.compile(value, at, depth + 1, stack)}, false))"
        if kind == "condition":
            return self.condition(value, at, anchored)
        if kind == "purchased":
            return self.purchased(value, at, anchored)
        if kind == "attendedEventId":
            event_id = _id(value, at)
            self.events.setdefault(event_id, at)
            return _fill(q.ATTENDED, x=self.param(event_id))
        if kind == "hasConsent":
            return self.consent(value, at)
        return await self.segment(_id(value, at), at, stack)

    async def segment(self, other: str, at: str, stack: tuple[str, ...]) -> str:
        if other == self.segment_id or other in stack:
            raise BadInput(f"{at}: a segment cannot include itself (directly or through others)", field=at)
        self.inclusions += 1
        if self.inclusions > MAX_INCLUSIONS:
            raise BadInput(f"{at}: a rule may include at most {MAX_INCLUSIONS} segments", field=at)
        if not stack:
            self.included.setdefault(other, at)
        rows = await self.deps.db.read(q.RULES, {"ids": [other]})
        if not rows:
            raise NotFound(f"{at}: no segment {other!r}", field=at)
        try:
            inner = await self.compile(json.loads(rows[0]["rule"]), at, 1, (*stack, other))
        except (BadInput, NotFound) as exc:
            if stack:
                raise
            # named where the rule being compiled includes the segment (its own rule was valid when saved)
            raise type(exc)(f"{at}: {exc.message.split(': ', 1)[-1]}", field=at) from exc
        return f"({inner})"

    def condition(self, cond: Any, at: str, anchored: bool = False) -> str:
        if not isinstance(cond, dict):
            raise BadInput(f"{at}: a condition has field, op and value", field=at)
        name, op, value = cond.get("field"), cond.get("op"), cond.get("value")
        if name not in OPS:
            raise BadInput(f"{at}.field: unknown field {name!r}", field=f"{at}.field")
        if op not in OPS[name]:
            raise BadInput(f"{at}.op: {name} accepts {', '.join(OPS[name])}", field=f"{at}.op")
        f = q.FIELDS[name]
        vat = f"{at}.value"
        if op == "EXISTS":
            if not isinstance(value, bool):
                raise BadInput(f"{vat}: EXISTS takes true or false", field=vat)
            test = q.TAGS_EXIST if name == "TAGS" else q.EXISTS
            expr = _fill(test, f=f)
            return expr if value else f"(NOT {expr})"
        negate = op == "NEQ"
        op = "EQ" if negate else op
        if name == "TAGS":
            if negate:
                op = "CONTAINS"
            value = _strings(value, vat, listed=op == "IN")
            expr = _fill(q.TAGS[op], f=f, x=self.param(value))
            return f"(NOT coalesce({expr}, false))" if negate else expr
        if name in TEXT_FIELDS:
            value = _strings(value, vat, listed=op == "IN")
            expr = _fill(q.TEXT[op], f=f, x=self.param(value))
        elif name == "EMAIL_DOMAIN":
            value = _domains(value, vat, listed=op == "IN")
            expr = _fill(q.EMAIL_DOMAIN[op], f=f, x=self.param(value))
        elif name in TIME_FIELDS:
            if op == "WITHIN_DAYS":
                days = _int(value, vat, 0, MAX_DAYS)
                expr = _fill(q.TIME[op], f=f, x=self.param(days))
            else:
                expr = _fill(q.TIME[op], f=f, x=self.param(_time(value, vat)))
            if anchored:
                expr = _fill(q.NO_SEEK, e=expr)
        elif name == "ORDER_COUNT":
            count: Any = (
                [_int(v, vat, 0, 10**9) for v in _list(value, vat)] if op == "IN" else _int(value, vat, 0, 10**9)
            )
            expr = _fill(q.NUMBER[op], f=f, x=self.param(count))
        else:  # TOTAL_SPENT, compared in cents
            expr = _fill(q.NUMBER[op], f=f, x=self.param(_cents(value, vat)))
        return f"(NOT coalesce({expr}, false))" if negate else expr

    def purchased(self, cond: Any, at: str, anchored: bool = False) -> str:
        if not isinstance(cond, dict):
            raise BadInput(f"{at}: productSku, withinDays, minCount", field=at)
        sku = cond.get("productSku")
        if sku is not None:
            sku = validate.text(sku, f"{at}.productSku", required=True, max_len=100)
        days = cond.get("withinDays")
        if days is not None:
            days = _int(days, f"{at}.withinDays", 0, MAX_DAYS)
        least = 1 if cond.get("minCount") is None else _int(cond["minCount"], f"{at}.minCount", 1, 10**6)
        # Index-backed forms over the person's exact aggregates when no product is named.
        if sku is None and days is None:
            return _fill(q.PURCHASED_ANY, n=self.param(least))
        if sku is None and least == 1:
            recently = _fill(q.PURCHASED_RECENTLY, d=self.param(days))
            return _fill(q.NO_SEEK, e=recently) if anchored else recently
        return _fill(q.PURCHASED, d=self.param(days), sku=self.param(sku), n=self.param(least))

    def consent(self, cond: Any, at: str) -> str:
        if not isinstance(cond, dict) or cond.get("channel") not in CHANNELS:
            raise BadInput(f"{at}.channel: one of {', '.join(CHANNELS)}", field=f"{at}.channel")
        purpose = cond.get("purpose")
        if purpose is not None:
            purpose = validate.text(purpose, f"{at}.purpose", max_len=200)
        return _fill(q.HAS_CONSENT, ch=self.param(cond["channel"]), pu=self.param(purpose))


def _is_anchor(rule: Any) -> bool:
    cond = rule.get("condition") if isinstance(rule, dict) else None
    return isinstance(cond, dict) and cond.get("field") in ("CITY", "COUNTRY") and cond.get("op") in ("EQ", "IN")


def _id(value: Any, at: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadInput(f"{at}: an id", field=at)
    return value


def _list(value: Any, at: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise BadInput(f"{at}: IN takes a non-empty list", field=at)
    if len(value) > MAX_LIST:
        raise BadInput(f"{at}: at most {MAX_LIST} values", field=at)
    return value


def _string(value: Any, at: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise BadInput(f"{at}: a text of 1 to 200 characters", field=at)
    return value.strip()


def _strings(value: Any, at: str, *, listed: bool) -> Any:
    return [_string(v, at) for v in _list(value, at)] if listed else _string(value, at)


def _domains(value: Any, at: str, *, listed: bool) -> Any:
    def one(v: Any) -> str:
        domain = normalize_domain(_string(v, at))
        if not domain:
            raise BadInput(f"{at}: a domain such as example.com", field=at)
        return domain

    return [one(v) for v in _list(value, at)] if listed else one(value)


def _int(value: Any, at: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(f"{at}: a whole number from {low} to {high}", field=at)
    return value


def _time(value: Any, at: str) -> str:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise BadInput(f"{at}: an ISO 8601 date and time", field=at)
    try:
        validate.moment(moment, at)
    except BadInput as exc:
        raise BadInput(exc.message, field=at) from exc
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _cents(value: Any, at: str) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadInput(f'{at}: an amount such as "99.90"', field=at)
    try:
        return int(Decimal(validate.money(value, at)) * 100)
    except (BadInput, InvalidOperation) as exc:
        raise BadInput(f"{at}: an amount from 0 with at most two decimals", field=at) from exc


# ---- use cases


async def compile_rule(deps: Deps, rule: dict[str, Any], segment_id: str | None = None) -> tuple[str, dict[str, Any]]:
    """The rule as a Cypher WHERE predicate over `p` and its parameters (values only as parameters)."""
    compiled = RuleCompiler(deps, segment_id)
    predicate = await compiled.compile(rule)
    await _check_events(deps, compiled)
    return predicate, compiled.params


async def _check_events(deps: Deps, compiled: RuleCompiler) -> None:
    if compiled.events:
        found = {row["id"] for row in await deps.db.read(q.EVENTS_EXIST, {"ids": list(compiled.events)})}
        for event_id, at in compiled.events.items():
            if event_id not in found:
                raise NotFound(f"{at}: no event {event_id!r}", field=at)


async def size(deps: Deps, rule: dict[str, Any]) -> int:
    predicate, params = await compile_rule(deps, rule)
    row = await deps.db.read_one(q.SIZE.replace("{predicate}", predicate), params)
    return int(row["size"]) if row else 0


async def stored_rule(deps: Deps, segment_id: str, stored: str | None = None) -> dict[str, Any]:
    """The segment's rule; `stored` is its JSON text when the caller has read the segment already (no round trip)."""
    if stored is None:
        rows = await deps.db.read(q.RULES, {"ids": [segment_id]})
        if not rows:
            raise NotFound(f"no segment {segment_id!r}")
        stored = rows[0]["rule"]
    return json.loads(stored)  # type: ignore[no-any-return]


async def segment_size(deps: Deps, segment_id: str, stored: str | None = None) -> int:
    return await size(deps, await stored_rule(deps, segment_id, stored))


async def members_match(deps: Deps, segment_id: str, stored: str | None = None) -> tuple[str, dict[str, Any]]:
    """The MATCH of the segment's members (`p`, with a `{keyset}` slot) and its parameters."""
    predicate, params = await compile_rule(deps, await stored_rule(deps, segment_id, stored))
    return q.MEMBERS.replace("{predicate}", predicate), params


async def member_ids_page(deps: Deps, segment_id: str, after_id: str | None, limit: int) -> list[str]:
    """The segment's members in id order after `after_id` (None: from the start), at most `limit`: how the
    mailer walks the recipients, always over the current data."""
    predicate, params = await compile_rule(deps, await stored_rule(deps, segment_id))
    rows = await deps.db.read(
        q.MEMBER_IDS.replace("{predicate}", predicate), {**params, "afterId": after_id or "", "limit": limit}
    )
    return [str(i) for i in rows[0]["ids"]] if rows else []


def _name(value: Any) -> str:
    return str(validate.text(value, "name", required=True, max_len=200))


async def _save(tx: Tx, segment_id: str, compiled: RuleCompiler) -> None:
    """Inside the segments lock: the INCLUDES edges of the rule, then no cycle through them."""
    included = list(compiled.included)
    rows = await tx.run(q.SET_INCLUDES, {"id": segment_id, "included": included})
    linked = set(rows[0]["linked"]) if rows else set()
    for other in included:
        if other not in linked:  # deleted since the rule was compiled
            at = compiled.included[other]
            raise NotFound(f"{at}: no segment {other!r}", field=at)
    cyclic = (await tx.run(q.CYCLES, {"id": segment_id, "included": included}))[0]["cyclic"]
    if cyclic:
        at = compiled.included[cyclic[0]]
        raise BadInput(f"{at}: a segment cannot include itself (directly or through others)", field=at)


async def create(deps: Deps, who: Principal, name: str, rule: dict[str, Any]) -> str:
    who.require(MARKETERS, "create segments")
    segment_id = new_id("Segment")
    params = {"id": segment_id, "name": _name(name), "rule": json.dumps(rule)}
    compiled = RuleCompiler(deps, segment_id)
    await compiled.compile(rule)
    await _check_events(deps, compiled)

    async def work(tx: Tx) -> None:
        await tx.run(q.LOCK)
        await tx.run(q.CREATE, params)
        await _save(tx, segment_id, compiled)
        emit(tx, "SEGMENT", segment_id, "CREATED", ["name", "rule"], who.user_id)

    await deps.db.transaction(work)
    return segment_id


async def update(deps: Deps, who: Principal, segment_id: str, name: str | None, rule: dict[str, Any] | None) -> str:
    who.require(MARKETERS, "update segments")
    params = {
        "id": segment_id,
        "name": None if name is None else _name(name),
        "rule": None if rule is None else json.dumps(rule),
    }
    compiled = RuleCompiler(deps, segment_id)
    if rule is not None:
        await compiled.compile(rule)
        await _check_events(deps, compiled)

    async def work(tx: Tx) -> None:
        await tx.run(q.LOCK)
        if not await tx.run(q.STATE, {"id": segment_id}):
            raise NotFound(f"no segment {segment_id!r}")
        await tx.run(q.UPDATE, params)
        if rule is not None:
            await _save(tx, segment_id, compiled)
        fields = [k for k, v in (("name", name), ("rule", rule)) if v is not None]
        emit(tx, "SEGMENT", segment_id, "UPDATED", fields, who.user_id)

    await deps.db.transaction(work)
    return segment_id


async def delete(deps: Deps, who: Principal, segment_id: str) -> str:
    """CONFLICT while a mailing sends to the segment or another segment includes it."""
    who.require(MARKETERS, "delete segments")

    async def work(tx: Tx) -> None:
        await tx.run(q.LOCK)
        rows = await tx.run(q.USED, {"id": segment_id})
        if not rows:
            raise NotFound(f"no segment {segment_id!r}")
        if rows[0]["mailings"]:
            raise Conflict(f"the segment is the audience of {rows[0]['mailings']} mailing(s)")
        if rows[0]["segments"]:
            raise Conflict(f"the segment is included by {rows[0]['segments']} other segment(s)")
        await tx.run(q.DELETE, {"id": segment_id})
        emit(tx, "SEGMENT", segment_id, "DELETED", [], who.user_id)

    await deps.db.transaction(work)
    return segment_id
