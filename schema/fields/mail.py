"""[b2c:mail] Fields of types read outside the compiler: a person's consents, a consent's history."""

from __future__ import annotations

from domain import consent
from schema.context import Info
from schema.types.mail import Consent, ConsentRecord


async def person_consents(info: Info, person_id: str) -> list[Consent]:
    return [Consent.of(r) for r in await consent.of_person(info.context.deps, person_id)]


async def consent_history(info: Info, key: str) -> list[ConsentRecord]:
    return [ConsentRecord.of(r) for r in await consent.history(info.context.deps, key)]
