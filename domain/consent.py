"""Consent per person, channel and purpose, with its evidence (README "Consent and mailings").

The current state is one `Consent` node per (person, channel, purpose); every change adds a `ConsentRecord`
(time, status, source, evidence, actor) that is never deleted. Double opt-in: `request` sets PENDING and mails a
signed, expiring link; `confirm` grants once per link (the link's id becomes a `UsedToken` node under a uniqueness
constraint, so parallel confirmations of one link yield exactly one `True`), and only for the latest request (a
revocation or a new request makes older links void).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

from neo4j.exceptions import ConstraintError

from domain import tokens, validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound, Unavailable
from domain.events import emit
from domain.mailer import MailTransient, Outgoing
from graph import consent as q
from graph.db import Row, Tx

log = logging.getLogger("crm.consent")
CHANNELS = ("EMAIL", "SMS", "PHONE", "POST")
STATUSES = ("PENDING", "GRANTED", "REVOKED")


def consent_key(person_id: str, channel: str, purpose: str) -> str:
    return f"{person_id}|{channel}|{purpose}"


def purpose_of(value: str | None, field: str = "purpose") -> str:
    purpose = validate.text(value, field, required=True, max_len=100)
    assert purpose is not None
    if "|" in purpose:
        raise BadInput(f"{field} must not contain '|'", argument=field)
    return purpose


def _channel(value: str) -> str:
    if value not in CHANNELS:
        raise BadInput(f"channel must be one of {', '.join(CHANNELS)}", argument="channel")
    return value


async def of_person(deps: Deps, person_id: str) -> list[Row]:
    return [r["consent"] for r in await deps.db.read(q.OF_PERSON, {"personId": person_id})]


async def history(deps: Deps, key: str) -> list[Row]:
    return [r["record"] for r in await deps.db.read(q.HISTORY, {"key": key})]


async def lock(tx: Tx, person_id: str, channel: str, purpose: str) -> Row:
    rows = await tx.run(
        q.LOCK,
        {
            "personId": person_id,
            "key": consent_key(person_id, channel, purpose),
            "channel": channel,
            "purpose": purpose,
        },
    )
    if not rows:
        raise NotFound(f"no person {person_id!r}", argument="personId")
    return rows[0]


async def _apply(
    tx: Tx,
    key: str,
    set_: dict[str, Any],
    stamp: list[str],
    evidence: str,
    actor: str | None,
    expires_at: str | None = None,
) -> Row:
    rows = await tx.run(
        q.APPLY,
        {"key": key, "set": set_, "stamp": stamp, "evidence": evidence, "actor": actor, "expiresAt": expires_at},
    )
    person_id = key.split("|", 1)[0]
    emit(tx, "PERSON", person_id, "UPDATED", ["consents"], actor)
    return dict(rows[0]["consent"])


def confirmation_token(deps: Deps, person_id: str, channel: str, purpose: str, jti: str, exp: int) -> str:
    payload = {"p": person_id, "ch": channel, "pu": purpose, "jti": jti, "exp": exp}
    return tokens.sign(deps.settings.secret, "confirm", payload)


def confirmation_mail(deps: Deps, to: str, name: str | None, purpose: str, token: str) -> Outgoing:
    link = f"{deps.settings.public_url}/consent/confirm?token={token}"
    greeting = f"Hello {name}," if name else "Hello,"
    text = (
        f"{greeting}\n\nplease confirm that we may send you mail about: {purpose}\n\n{link}\n\n"
        "If you did not ask for this, ignore this mail: nothing happens without your confirmation.\n"
    )
    sender = deps.settings.mail_senders[0] if deps.settings.mail_senders else "crm@localhost"
    return Outgoing(sender=sender, to=to, subject="Please confirm your subscription", text=text)


async def send_now(deps: Deps, outgoing: Outgoing) -> None:
    """Sends one message through the configured transport (on a thread: smtplib blocks)."""
    transport = deps.mail
    if transport is None:
        raise Unavailable("no mail transport configured")

    def work() -> None:
        session = transport.session()
        try:
            result = session.send(outgoing)
        finally:
            session.close()
        if result.status != "SENT":
            raise BadInput(f"the mail relay refused {outgoing.to}: {result.code} {result.detail}", field="email")

    await asyncio.to_thread(work)


async def request_in(
    tx: Tx, deps: Deps, person_id: str, channel: str, purpose: str, source: str, actor: str | None, jti: str, exp: int
) -> Row:
    """PENDING and the confirmation mail, inside the caller's transaction (see `request`)."""
    state = await lock(tx, person_id, channel, purpose)
    email = state["email"]
    if not email:
        raise BadInput("the person has no e-mail address to confirm with", argument="personId")
    key = consent_key(person_id, channel, purpose)
    if state["consent"].get("status") == "GRANTED":
        return dict((await tx.run(q.READ, {"key": key}))[0]["consent"])
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp))
    set_ = {"status": "PENDING", "source": source, "pendingJti": jti}
    row = await _apply(tx, key, set_, [], "double opt-in requested", actor, expires)
    # Sent before the commit, holding the consent's lock: a mail that fails writes nothing (the mutation fails),
    # and a link mailed by an attempt that then does not commit names a request that does not exist (void).
    token = confirmation_token(deps, person_id, channel, purpose, jti, exp)
    outgoing = confirmation_mail(deps, email, state.get("firstName"), purpose, token)
    try:
        await send_now(deps, outgoing)
    except (MailTransient, OSError) as exc:
        log.warning("confirmation mail to %s not sent: %s", person_id, exc)
        raise Unavailable("the confirmation mail could not be sent; try again later") from exc
    return row


def new_link(deps: Deps) -> tuple[str, int]:
    """A confirmation link's id and expiry (made once, outside the transaction: every attempt mails the same)."""
    return secrets.token_urlsafe(16), int(time.time()) + deps.settings.consent_token_ttl


async def request(deps: Deps, who: Principal, person_id: str, channel: str, purpose: str, source: str) -> Row:
    """PENDING and a confirmation mail (when already GRANTED: unchanged, no mail); the request of a pending consent
    sends a new link and voids the previous one."""
    who.require(CRM_WRITERS, "record consent")
    channel, purpose = _channel(channel), purpose_of(purpose)
    source = validate.text(source, "source", required=True, max_len=200) or ""
    jti, exp = new_link(deps)

    async def work(tx: Tx) -> Row:
        return await request_in(tx, deps, person_id, channel, purpose, source, who.user_id, jti, exp)

    return await deps.db.transaction(work)


async def record(deps: Deps, who: Principal, person_id: str, channel: str, purpose: str, evidence: str) -> Row:
    who.require(CRM_WRITERS, "record consent")
    channel, purpose = _channel(channel), purpose_of(purpose)
    evidence_text = validate.text(evidence, "evidence", required=True, max_len=2000) or ""

    async def work(tx: Tx) -> Row:
        await lock(tx, person_id, channel, purpose)
        set_ = {"status": "GRANTED", "source": evidence_text[:200], "pendingJti": None}
        return await _apply(
            tx, consent_key(person_id, channel, purpose), set_, ["grantedAt"], evidence_text, who.user_id
        )

    return await deps.db.transaction(work)


async def apply_revoke(tx: Tx, person_id: str, channel: str, purpose: str, evidence: str, actor: str | None) -> Row:
    """REVOKED (the consent's lock taken before)."""
    set_ = {"status": "REVOKED", "pendingJti": None}
    return await _apply(tx, consent_key(person_id, channel, purpose), set_, ["revokedAt"], evidence, actor)


async def revoke(deps: Deps, who: Principal, person_id: str, channel: str, purpose: str) -> Row:
    who.require(CRM_WRITERS, "record consent")
    channel, purpose = _channel(channel), purpose_of(purpose)

    async def work(tx: Tx) -> Row:
        await lock(tx, person_id, channel, purpose)
        return await apply_revoke(tx, person_id, channel, purpose, "revoked by a user", who.user_id)

    return await deps.db.transaction(work)


async def confirm(deps: Deps, token: str, client: str | None = None) -> bool:
    """True when this link granted the consent; False when it was used before or is void (a newer request, a
    revocation). A forged or expired link is BadInput."""
    payload = tokens.verify(deps.settings.secret, "confirm", token)
    try:
        person_id, channel, purpose, jti = (str(payload[k]) for k in ("p", "ch", "pu", "jti"))
    except KeyError as exc:
        raise BadInput("invalid link", argument="token") from exc

    async def work(tx: Tx) -> bool:
        await tx.run(q.USE_TOKEN, {"jti": jti, "kind": "confirm"})
        try:
            state = await lock(tx, person_id, channel, purpose)
        except NotFound:
            return False  # erased or deleted since: the link is used up all the same
        consent = state["consent"]
        if consent.get("status") != "PENDING" or consent.get("pendingJti") != jti:
            return False
        evidence = "double opt-in confirmed" + (f" from {client}" if client else "")
        set_ = {"status": "GRANTED", "pendingJti": None}
        await _apply(tx, consent_key(person_id, channel, purpose), set_, ["grantedAt", "confirmedAt"], evidence, None)
        return True

    try:
        return await deps.db.transaction(work)
    except ConstraintError:
        return False
