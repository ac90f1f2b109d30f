"""Resolvers of the [b2c] mail section: consent (public confirm/unsubscribe), mailings."""

from __future__ import annotations

import strawberry

from domain import consent, tracking
from schema.context import Info
from schema.types.campaigns import Channel
from schema.types.mail import Consent, ConsentRecord


async def person_consents(info: Info, person_id: str) -> list[Consent]:
    return [Consent.of(r) for r in await consent.of_person(info.context.deps, person_id)]


async def consent_history(info: Info, key: str) -> list[ConsentRecord]:
    return [ConsentRecord.of(r) for r in await consent.history(info.context.deps, key)]


async def request_consent(info: Info, person_id: strawberry.ID, channel: Channel, purpose: str, source: str) -> Consent:
    row = await consent.request(info.context.deps, info.context.who, person_id, channel.value, purpose, source)
    return Consent.of(row)


async def record_consent(
    info: Info, person_id: strawberry.ID, channel: Channel, purpose: str, evidence: str
) -> Consent:
    row = await consent.record(info.context.deps, info.context.who, person_id, channel.value, purpose, evidence)
    return Consent.of(row)


async def revoke_consent(info: Info, person_id: strawberry.ID, channel: Channel, purpose: str) -> Consent:
    row = await consent.revoke(info.context.deps, info.context.who, person_id, channel.value, purpose)
    return Consent.of(row)


async def confirm_consent(info: Info, token: str) -> bool:
    return await consent.confirm(info.context.deps, token, info.context.client)


async def unsubscribe_(info: Info, token: str) -> bool:
    return await tracking.by_token(info.context.deps, token, info.context.client)
