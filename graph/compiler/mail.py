"""[b2c:mail] types for the read compiler: a person's consents and their evidence."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graph.compiler.core import prop
from graph.compiler.decl import TYPES, Many, One, Type, Val, declare, ms


def maybe_ms(value: Any) -> Any:
    return None if value is None else ms(value)


def at(name: str) -> Val:
    return Val("{v}." + name + ".epochMillis", maybe_ms)


CONSENT_RECORD = Type(
    "ConsentRecord",
    {"at": at("at"), "status": prop("status"), "source": prop("source"), "evidence": prop("evidence")},
)
CONSENT = Type(
    "Consent",
    {
        "channel": prop("channel"),
        "purpose": prop("purpose"),
        "status": prop("status"),
        "source": prop("source"),
        "grantedAt": at("grantedAt"),
        "confirmedAt": at("confirmedAt"),
        "revokedAt": at("revokedAt"),
        "history": Many("MATCH ({v})-[:HAD]->({t}:ConsentRecord)", "ConsentRecord", "{t}.at, elementId({t})"),
    },
)
# A consent node exists from the first write of its (person, channel, purpose); status is set by that write.
PERSON_CONSENTS = Many(
    "MATCH ({v})-[:HAS_CONSENT]->({t}:Consent) WHERE {t}.status IS NOT NULL", "Consent", "{t}.channel, {t}.purpose"
)

declare(CONSENT_RECORD, CONSENT)
TYPES["Person"] = replace(TYPES["Person"], fields={**TYPES["Person"].fields, "consents": PERSON_CONSENTS})

MAILING = Type(
    "Mailing",
    {
        "id": prop("id"),
        "subject": prop("subject"),
        "bodyTemplate": prop("bodyTemplate"),
        "fromAddress": prop("fromAddress"),
        "consentPurpose": prop("consentPurpose"),
        "status": prop("status"),
        "recurrence": prop("recurrence"),
        "timezone": prop("timezone"),
        "sendAt": at("sendAt"),
        "lastRunAt": at("lastRunAt"),
        "nextRunAt": at("nextRunAt"),
        # Exact: counted over the index on (mailingId, status).
        "sentCount": Val(
            "COUNT { MATCH ({_d}:Delivery) WHERE {_d}.mailingId = {v}.id AND {_d}.status IN ['SENT', 'BOUNCED'] }"
        ),
        "campaign": One("({v})-[:OF_CAMPAIGN]->({t}:Campaign)", "Campaign"),
        "segment": One("({v})-[:TO_SEGMENT]->({t}:Segment)", "Segment"),
    },
)
declare(MAILING)
TYPES["Campaign"] = replace(
    TYPES["Campaign"],
    fields={
        **TYPES["Campaign"].fields,
        "mailings": Many("MATCH ({v})<-[:OF_CAMPAIGN]-({t}:Mailing)", "Mailing", "{t}.createdAt, {t}.id"),
    },
)
