"""Opaque ids: a short type prefix and a random part, so `node(id)` knows where to look."""

from __future__ import annotations

import uuid

PREFIXES = {
    "User": "usr",
    "ApiKey": "key",
    "Mailing": "mlg",  # [b2c:mail]
    "Company": "cmp",
    "Unit": "unt",
    "Person": "per",
    "Opportunity": "opp",
    "Activity": "act",
    "Lead": "led",
    "Skill": "skl",
    "Ticket": "tkt",
    # [b2c:imports]
    "Order": "ord",
    "ImportJob": "imp",
    # [b2c:segments]
    "Campaign": "cpg",
    "Segment": "seg",
    "Event": "evt",
    "Material": "mat",
    # [integrations:webhooks]
    "Webhook": "whk",
    "WebhookDelivery": "whd",
    "Project": "prj",
    "Document": "doc",
}
LABELS = {prefix: label for label, prefix in PREFIXES.items()}


def new_id(label: str) -> str:
    return f"{PREFIXES[label]}_{uuid.uuid4().hex}"


def label_of(node_id: str) -> str | None:
    prefix, _, rest = node_id.partition("_")
    return LABELS.get(prefix) if rest else None
