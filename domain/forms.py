"""The public web-to-lead form (`POST /forms/lead`): a lead attributed to a campaign, an optional newsletter opt-in
(double opt-in: the consumer is found by e-mail address or created, its consent PENDING and a confirmation mail
sent), a honeypot field and a rate limit per client address."""

from __future__ import annotations

from typing import Any

from domain import consent, validate
from domain.deps import Deps
from domain.errors import BadInput, NotFound, RateLimited
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_email
from graph import forms as q
from graph import leads as lead_q
from graph import persons as person_q
from graph.db import Tx

HONEYPOT = "website"  # a field humans never see (hidden by the form's CSS); bots fill it in
FIELDS = {"firstName": 200, "lastName": 200, "companyName": 300, "source": 200}
TRUE = frozenset({"1", "true", "on", "yes"})
DEFAULT_PURPOSE = "newsletter"


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in TRUE)


def _text(data: dict[str, Any], key: str, max_len: int, required: bool = False) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise BadInput(f"{key} must be text", field=key)
    return validate.text(value, key, required=required, max_len=max_len)


async def limit(deps: Deps, client: str | None) -> None:
    """At most CRM_FORM_LIMIT_PER_CLIENT submissions per client address in CRM_FORM_LIMIT_WINDOW seconds
    (counted with INCR before anything is checked, so parallel submissions count too)."""
    key = f"crm:form:lead:{client or 'unknown'}"
    count = int(await deps.redis.incr(key))
    if count == 1:
        await deps.redis.expire(key, deps.settings.form_limit_window)
    if count > deps.settings.form_limit_per_client:
        raise RateLimited("too many submissions from this address; try again later")


async def submit(deps: Deps, data: dict[str, Any], client: str | None) -> str | None:
    """The new lead's id; None when the honeypot was filled (the bot is told `accepted`, nothing is written)."""
    await limit(deps, client)
    if data.get(HONEYPOT):
        return None
    props = {key: _text(data, key, max_len, required=key == "lastName") for key, max_len in FIELDS.items()}
    props["source"] = props["source"] or "web form"
    email = validate.email(_text(data, "email", 254))
    phone_text = _text(data, "phone", 50)
    phone = validate.phone(phone_text, "phone") if phone_text else None
    campaign_id = _text(data, "campaignId", 100)
    newsletter = _flag(data.get("newsletter"))
    purpose = consent.purpose_of(_text(data, "purpose", 100) or DEFAULT_PURPOSE) if newsletter else ""
    if newsletter and not email:
        raise BadInput("a newsletter subscription needs an e-mail address", field="email")
    lead_id = new_id("Lead")
    jti, exp = consent.new_link(deps)

    async def work(tx: Tx) -> str:
        if campaign_id and not await tx.run(q.CAMPAIGN_EXISTS, {"id": campaign_id}):
            raise NotFound("campaignId: no such campaign", field="campaignId")
        params = {
            **props,
            "id": lead_id,
            "email": email,
            "phone": phone,
            "companyDomain": None,
            "ownerId": None,
        }
        await tx.run(lead_q.CREATE, params)
        if campaign_id:
            await tx.run(q.LINK_CAMPAIGN, {"leadId": lead_id, "campaignId": campaign_id})
        fields = [k for k, v in {**props, "email": email, "phone": phone, "campaignId": campaign_id}.items() if v]
        emit(tx, "LEAD", lead_id, "CREATED", fields, None, {"campaignId": campaign_id} if campaign_id else None)
        if newsletter:
            person_id = await _consumer(tx, props, email)
            await consent.request_in(tx, deps, person_id, "EMAIL", purpose, "web form", None, jti, exp)
        return lead_id

    return await deps.db.transaction(work)


async def _consumer(tx: Tx, props: dict[str, Any], email: str | None) -> str:
    rows = await tx.run(q.PERSON_BY_EMAIL, {"email": normalize_email(email)})
    if rows:
        return str(rows[0]["id"])
    person_id = new_id("Person")
    last, first = props["lastName"], props.get("firstName")
    params = {
        "id": person_id,
        "firstName": first,
        "lastName": last,
        "sortName": validate.sort_key(f"{last} {first or ''}".strip()),
        "email": email,
        "phones": [],
        "jobTitle": None,
        "city": None,
        "country": None,
        "tags": [],
        "source": "web form",
        "location": None,
        "companyId": None,
        "unitId": None,
        "ownerId": None,
    }
    await tx.run(person_q.CREATE, params)
    emit(tx, "PERSON", person_id, "CREATED", ["firstName", "lastName", "email", "source"], None)
    return person_id
