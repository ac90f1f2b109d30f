"""What recipients do with a mail: unsubscribe (link or RFC 8058 one-click), open (pixel), click (signed redirect);
and what the relay reports back (bounces). Every link is a signed token (domain/tokens.py): a changed or foreign
link is refused, a click redirects only to the URL the mailing contained (never an open redirect)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from domain import consent, tokens
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from domain.events import emit
from domain.normalize import normalize_email
from graph import deliveries as q
from graph.db import Tx


def _fields(payload: dict[str, Any], *names: str) -> tuple[str, ...]:
    try:
        return tuple(str(payload[n]) for n in names)
    except KeyError as exc:
        raise BadInput("invalid link", argument="token") from exc


def unsubscribe_token(deps: Deps, delivery_key: str, purpose: str) -> str:
    """The delivery key names the person (runId|personId)."""
    return tokens.sign(deps.settings.secret, "unsubscribe", {"d": delivery_key, "pu": purpose})


def open_token(deps: Deps, delivery_key: str) -> str:
    return tokens.sign(deps.settings.secret, "open", {"d": delivery_key})


def click_token(deps: Deps, delivery_key: str, url: str) -> str:
    return tokens.sign(deps.settings.secret, "click", {"d": delivery_key, "u": url})


async def by_token(deps: Deps, token: str, client: str | None = None) -> bool:
    """Revokes the e-mail consent for the mailing's purpose and marks the delivery unsubscribed; idempotent."""
    payload = tokens.verify(deps.settings.secret, "unsubscribe", token)
    key, purpose = _fields(payload, "d", "pu")
    person_id = key.rpartition("|")[2]

    async def work(tx: Tx) -> bool:
        try:
            state = await consent.lock(tx, person_id, "EMAIL", purpose)
        except NotFound:
            return True  # erased or deleted: nothing left to mail
        if state["consent"].get("status") != "REVOKED":
            evidence = "unsubscribe link" + (f" from {client}" if client else "")
            await consent.apply_revoke(tx, person_id, "EMAIL", purpose, evidence, None)
        rows = await tx.run(q.UNSUBSCRIBED, {"key": key})
        if rows and rows[0]["mailingId"]:
            emit(tx, "MAILING", rows[0]["mailingId"], "UPDATED", ["unsubscribed"])
        return True

    return await deps.db.transaction(work)


async def opened(deps: Deps, token: str) -> None:
    (key,) = _fields(tokens.verify(deps.settings.secret, "open", token), "d")
    await deps.db.write(q.OPENED, {"key": key})


async def clicked(deps: Deps, token: str) -> str:
    """The URL to redirect to (only http and https, as signed into the mail)."""
    key, url = _fields(tokens.verify(deps.settings.secret, "click", token), "d", "u")
    if urlsplit(url).scheme not in ("http", "https"):
        raise BadInput("invalid link", argument="token")
    await deps.db.write(q.CLICKED, {"key": key})
    return url


async def bounces(deps: Deps, reports: list[dict[str, Any]]) -> int:
    """Marks reported deliveries BOUNCED: by `delivery` (the X-CRM-Delivery header of the mail) or by `email`."""
    keys = [str(r["delivery"]) for r in reports if isinstance(r, dict) and r.get("delivery")]
    emails = [e for r in reports if isinstance(r, dict) and (e := normalize_email(str(r.get("email") or "")))]
    if emails:
        keys += [r["key"] for r in await deps.db.read(q.LATEST_BY_EMAIL, {"emails": emails}) if r["key"]]
    reason = next((str(r.get("reason"))[:500] for r in reports if isinstance(r, dict) and r.get("reason")), None)

    async def work(tx: Tx) -> int:
        rows = await tx.run(q.BOUNCE_BY_KEY, {"keys": sorted(set(keys)), "reason": reason})
        for mailing_id in sorted({r["mailingId"] for r in rows if r["mailingId"]}):
            emit(tx, "MAILING", mailing_id, "UPDATED", ["bounced"])
        return len(rows)

    return await deps.db.transaction(work) if keys else 0
