"""Cypher of deliveries: (:Delivery {key: runId|personId}) per recipient and run, and what happened to the mail."""

from __future__ import annotations

UNSUBSCRIBED = (
    "MATCH (d:Delivery {key: $key}) SET d.unsubscribedAt = coalesce(d.unsubscribedAt, datetime()) "
    "RETURN d.mailingId AS mailingId"
)
OPENED = (
    "MATCH (d:Delivery {key: $key}) WHERE d.openedAt IS NULL SET d.openedAt = datetime() "
    "RETURN d.mailingId AS mailingId"
)
CLICKED = (
    "MATCH (d:Delivery {key: $key}) WHERE d.clickedAt IS NULL "
    "SET d.clickedAt = datetime(), d.openedAt = coalesce(d.openedAt, datetime()) RETURN d.mailingId AS mailingId"
)
# A relay's report: by the delivery key (header X-CRM-Delivery) or by address (the latest delivery to it).
BOUNCE_BY_KEY = """
UNWIND $keys AS key
MATCH (d:Delivery {key: key}) WHERE d.status IN ['SENT', 'SENDING']
SET d.status = 'BOUNCED', d.bouncedAt = datetime(), d.bounceReason = $reason
RETURN d.key AS key, d.mailingId AS mailingId
"""
LATEST_BY_EMAIL = """
UNWIND $emails AS email
MATCH (p:Person {emailLower: email})
MATCH (d:Delivery {personId: p.id}) WHERE d.status = 'SENT'
WITH email, d ORDER BY d.sentAt DESC
WITH email, collect(d)[0] AS d
RETURN d.key AS key
"""
