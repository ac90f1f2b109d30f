"""Resolvers of the [b2c] mail section: consent (public confirm/unsubscribe), mailings."""

from __future__ import annotations

from typing import cast

import strawberry

from domain import consent, mailings, reads, tracking
from domain.errors import NotFound
from schema.compiled import selection
from schema.context import Info
from schema.enums import Channel
from schema.inputs.mail import CreateMailingInput, UpdateMailingInput
from schema.types.common import plain
from schema.types.mail import Consent, Mailing


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


# ---- mailings


async def mailing(info: Info, id: strawberry.ID) -> Mailing | None:
    found = await reads.node(info.context.deps, info.context.who, "Mailing", id, selection(info))
    return cast(Mailing | None, found)


async def _mailing(info: Info, mailing_id: str) -> Mailing:
    found = await mailing(info, strawberry.ID(mailing_id))
    if found is None:
        raise NotFound(f"no mailing {mailing_id!r}")
    return found


async def create_mailing(info: Info, input: CreateMailingInput) -> Mailing:
    return await _mailing(info, await mailings.create(info.context.deps, info.context.who, plain(input)))


async def update_mailing(info: Info, id: strawberry.ID, input: UpdateMailingInput) -> Mailing:
    return await _mailing(info, await mailings.update(info.context.deps, info.context.who, id, plain(input)))


async def send_mailing(info: Info, id: strawberry.ID) -> Mailing:
    return await _mailing(info, await mailings.send(info.context.deps, info.context.who, id))


async def pause_mailing(info: Info, id: strawberry.ID) -> Mailing:
    return await _mailing(info, await mailings.pause(info.context.deps, info.context.who, id))
