"""[service] Fields of types read outside the compiler: a user's skills and availability."""

from __future__ import annotations

from datetime import datetime

from domain import technicians
from schema.context import Info
from schema.types.service import TimeSlot, UserSkill


async def user_skills(info: Info, user_id: str) -> list[UserSkill]:
    return [UserSkill.of(r) for r in await info.context.loaders.user_skills.load(user_id)]


async def user_availability(info: Info, user_id: str, start: datetime, end: datetime) -> list[TimeSlot]:
    return [TimeSlot.of(r) for r in await technicians.availability(info.context.deps, user_id, start, end)]
