"""Cypher of the web-to-lead form."""

from __future__ import annotations

CAMPAIGN_EXISTS = "MATCH (c:Campaign {id: $id}) RETURN c.id AS id"
LINK_CAMPAIGN = "MATCH (l:Lead {id: $leadId}), (c:Campaign {id: $campaignId}) MERGE (l)-[:FROM_CAMPAIGN]->(c)"
# The consumer a newsletter opt-in is about: the person with this e-mail address (the oldest), if any.
PERSON_BY_EMAIL = "MATCH (p:Person) WHERE p.emailLower = $email RETURN p.id AS id ORDER BY p.createdAt, p.id LIMIT 1"
