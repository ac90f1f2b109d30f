"""Caller recognition: who is calling, with what is open for them (one index seek, one round trip)."""

from __future__ import annotations

from domain import validate
from domain.deps import Deps
from graph import phones as q
from graph.db import Row


async def lookup(deps: Deps, phone: str) -> list[Row]:
    """Every person and company under the number, in any notation; BAD_USER_INPUT for text that is
    no phone number."""
    e164 = validate.phone(phone, "phone", deps.settings.default_region)
    return await deps.db.read(q.CALLER_LOOKUP, {"e164": e164})
