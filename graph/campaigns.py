"""[b2c] Campaigns: Cypher of the writes (reads are compiled, graph/compiler/b2c.py)."""

from __future__ import annotations

CREATE = """
CREATE (c:Campaign:Entity {id: $id, name: $name, channel: $channel, status: 'PLANNED', budget: $budget,
  currency: $currency,
  startsAt: CASE WHEN $startsAt IS NULL THEN null ELSE datetime($startsAt) END,
  endsAt: CASE WHEN $endsAt IS NULL THEN null ELSE datetime($endsAt) END,
  createdAt: datetime(), updatedAt: datetime()})
RETURN c.id AS id
"""

# The write lock first: updates of one campaign run one after another, each seeing the status before it.
STATE = (
    "MATCH (c:Campaign {id: $id}) SET c._lock = true REMOVE c._lock "
    "RETURN c.status AS status, toString(c.startsAt) AS startsAt, toString(c.endsAt) AS endsAt"
)

UPDATE = """
MATCH (c:Campaign {id: $id})
SET c += $props, c.updatedAt = datetime(),
  c.startsAt = CASE WHEN $setStartsAt THEN
    CASE WHEN $startsAt IS NULL THEN null ELSE datetime($startsAt) END ELSE c.startsAt END,
  c.endsAt = CASE WHEN $setEndsAt THEN CASE WHEN $endsAt IS NULL THEN null ELSE datetime($endsAt) END ELSE c.endsAt END
RETURN c.id AS id
"""

# Leads and opportunities point at the campaign they came from (at most one).
LINK = """
MATCH (n:{label} {id: $id})
OPTIONAL MATCH (n)-[old:FROM_CAMPAIGN]->(:Campaign)
DELETE old
WITH DISTINCT n
MATCH (c:Campaign {id: $campaignId})
CREATE (n)-[:FROM_CAMPAIGN]->(c)
"""
UNLINK = "MATCH (n:{label} {id: $id})-[old:FROM_CAMPAIGN]->(:Campaign) DELETE old"


def link(label: str) -> str:
    """`label` is a constant of the caller (Lead, Opportunity), never input."""
    assert label in ("Lead", "Opportunity")
    return LINK.replace("{label}", label)


def unlink(label: str) -> str:
    assert label in ("Lead", "Opportunity")
    return UNLINK.replace("{label}", label)


def campaign_of(label: str) -> str:
    assert label in ("Lead", "Opportunity")
    return "MATCH (:" + label + " {id: $id})-[:FROM_CAMPAIGN]->(c:Campaign) RETURN c.id AS id"
