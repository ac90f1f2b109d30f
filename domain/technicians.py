"""Technicians: skills with levels, availability slots (home bases are a user field)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain import refs, validate
from domain.auth import Principal, Role
from domain.deps import Deps
from domain.errors import BadInput, Forbidden
from domain.events import emit
from domain.ids import new_id
from graph import skills as q
from graph.db import Row, Tx

DISPATCHERS = frozenset({Role.ADMIN, Role.SERVICE_AGENT})
MAX_SLOTS = 500


def skill_key(name: str) -> str:
    """Skill names are unique case-insensitively (and with accents and spaces folded)."""
    return validate.sort_key(name)


def _may_manage(who: Principal, user_id: str, action: str) -> None:
    if who.role not in DISPATCHERS and who.user_id != user_id:
        raise Forbidden(f"role {who.role.value} may only {action} for itself")


async def all_skills(deps: Deps) -> list[Row]:
    return [r["skill"] for r in await deps.db.read(q.ALL_SKILLS)]


async def skills_many(deps: Deps, user_ids: list[str]) -> dict[str, list[Row]]:
    rows = await deps.db.read(q.USER_SKILLS, {"ids": user_ids})
    return {r["key"]: r["value"] for r in rows}


def _skill_rows(skills: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(skills):
        field = f"skills[{i}]"
        name = validate.text(item.get("skillName"), f"{field}.skillName", required=True, max_len=100)
        level = item.get("level")
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise BadInput(f"{field}.level must be between 1 and 5", field=f"{field}.level")
        key = skill_key(str(name))
        if key in rows:
            raise BadInput(f"{field}: skill {name!r} is listed twice", field=field)
        rows[key] = {"key": key, "name": name, "level": level, "newId": new_id("Skill")}
    return list(rows.values())


async def set_skills(deps: Deps, who: Principal, user_id: str, skills: list[dict[str, Any]]) -> None:
    if who.role not in DISPATCHERS:
        raise Forbidden("only ADMIN and SERVICE_AGENT may set skills")
    rows = _skill_rows(skills)

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"userId": ("User", user_id)})
        await tx.run(q.SET_SKILLS, {"userId": user_id, "skills": rows})
        emit(tx, "USER", user_id, "UPDATED", ["skills"], who.user_id)

    await deps.db.transaction(work)


def _utc(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise BadInput(f"{field} must be a date and time", field=field)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_slots(slots: list[dict[str, Any]], now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """Checks slots (each start before its end, none overlapping another, none over) and merges
    slots that touch, so a stretch of free time may run from one into the next."""
    if len(slots) > MAX_SLOTS:
        raise BadInput(f"at most {MAX_SLOTS} slots at once", argument="slots")
    now = now or datetime.now(UTC)
    checked: list[tuple[datetime, datetime, int]] = []
    for i, slot in enumerate(slots):
        start, end = _utc(slot.get("start"), f"slots[{i}].start"), _utc(slot.get("end"), f"slots[{i}].end")
        if end <= start:
            raise BadInput(f"slots[{i}] ends before it starts ({start:%Y-%m-%d %H:%M} UTC)", field=f"slots[{i}]")
        if end <= now:
            raise BadInput(f"slots[{i}] is over already; only future slots can be set", field=f"slots[{i}]")
        checked.append((start, end, i))
    checked.sort()
    merged: list[tuple[datetime, datetime]] = []
    previous: tuple[datetime, datetime, int] | None = None
    for start, end, i in checked:
        if previous is not None and start < previous[1]:
            first, second = sorted((previous[2], i))
            raise BadInput(f"slots[{second}] overlaps slots[{first}]", field=f"slots[{second}]")
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
        previous = (start, end, i)
    return merged


async def set_availability(deps: Deps, who: Principal, user_id: str, slots: list[dict[str, Any]]) -> None:
    _may_manage(who, user_id, "set availability")
    merged = normalise_slots(slots)
    params = {"userId": user_id, "slots": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in merged]}

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"userId": ("User", user_id)})
        await tx.run(q.SET_AVAILABILITY, params)
        emit(tx, "USER", user_id, "UPDATED", ["availability"], who.user_id)

    await deps.db.transaction(work)


async def availability(deps: Deps, user_id: str, start: datetime, end: datetime) -> list[Row]:
    if _utc(end, "to") <= _utc(start, "from"):
        raise BadInput("to must be after from", argument="to")
    params = {"userId": user_id, "from": _utc(start, "from").isoformat(), "to": _utc(end, "to").isoformat()}
    return await deps.db.read(q.AVAILABILITY, params)
