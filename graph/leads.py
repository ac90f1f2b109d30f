"""Cypher for leads: qualification over several attempts, then conversion."""

from __future__ import annotations

from graph.activities import FIELDS as ACTIVITY_FIELDS
from graph.activities import LEAD_BASE
from graph.projection import Nodes
from graph.users import USER

BASE = LEAD_BASE
FRAGMENTS = {
    "owner": f"owner: [(l)-[:OWNED_BY]->(u:User) | {USER}][0]",
    "convertedPerson": "convertedPerson: [(l)-[:CONVERTED_TO]->(p:Person) | p.id][0]",
    "attempts": (
        "attempts: COLLECT { MATCH (a:Activity)-[:ABOUT]->(l) RETURN a {"
        + ACTIVITY_FIELDS
        + "} ORDER BY a.occurredAt, a.id }"
    ),
}

# Score 0..100 from what is known and done: contact data, company, source, up to three attempts,
# and qualification. Recomputed on every change.
RESCORE = """
WITH l, COUNT { (:Activity)-[:ABOUT]->(l) } AS attempts
WITH l, CASE WHEN l.email IS NULL THEN 0 ELSE 20 END + CASE WHEN l.phone IS NULL THEN 0 ELSE 15 END
  + CASE WHEN l.companyName IS NULL THEN 0 ELSE 10 END + CASE WHEN l.companyDomain IS NULL THEN 0 ELSE 15 END
  + CASE WHEN l.source IS NULL THEN 0 ELSE 5 END + 10 * CASE WHEN attempts > 3 THEN 3 ELSE attempts END
  + CASE WHEN l.status IN ['QUALIFIED', 'CONVERTED'] THEN 25 ELSE 0 END AS points
SET l.score = CASE WHEN l.status = 'DISQUALIFIED' THEN 0 WHEN points > 100 THEN 100 ELSE points END
"""

CREATE = (
    """
OPTIONAL MATCH (o:User {id: $ownerId})
CREATE (l:Lead:Entity {id: $id, firstName: $firstName, lastName: $lastName,
  fullName: trim(coalesce($firstName, '') + ' ' + $lastName), email: $email, emailLower: toLower($email),
  phone: $phone, companyName: $companyName, companyDomain: $companyDomain, source: $source,
  status: 'NEW', createdAt: datetime(), updatedAt: datetime()})
FOREACH (x IN CASE WHEN o IS NULL THEN [] ELSE [o] END | CREATE (l)-[:OWNED_BY]->(x))
"""
    + RESCORE
    + """
RETURN l.id AS id
"""
)

# Read for a change: the write lock comes first, so writers of one lead run one after another and each
# sees the status the previous one committed (a lead converts once; a closed lead takes no attempts).
STATE = (
    "MATCH (l:Lead {id: $id}) SET l._lock = true REMOVE l._lock "
    "RETURN l {.*, createdAt: null, updatedAt: null, nextAttemptAt: null} AS lead"
)

UPDATE = (
    """
MATCH (l:Lead {id: $id})
SET l += $props, l.updatedAt = datetime(),
    l.fullName = trim(coalesce(l.firstName, '') + ' ' + l.lastName), l.emailLower = toLower(l.email)
WITH l
CALL (l) {
  WITH l WHERE $setOwner
  OPTIONAL MATCH (l)-[old:OWNED_BY]->() DELETE old
  WITH l MATCH (u:User {id: $ownerId}) CREATE (l)-[:OWNED_BY]->(u)
}
"""
    + RESCORE
    + """
RETURN l.id AS id
"""
)

ATTEMPT = (
    """
MATCH (l:Lead {id: $id})
SET l.status = $status, l.nextAttemptAt = CASE WHEN $nextAttemptAt IS NULL THEN null ELSE datetime($nextAttemptAt) END,
    l.updatedAt = datetime()
"""
    + RESCORE
    + """
RETURN l.id AS id
"""
)

DISQUALIFY = (
    """
MATCH (l:Lead {id: $id})
SET l.status = 'DISQUALIFIED', l.disqualifiedReason = $reason, l.nextAttemptAt = null, l.updatedAt = datetime()
"""
    + RESCORE
    + """
RETURN l.id AS id
"""
)

OWNER = "MATCH (l:Lead {id: $id}) RETURN [(l)-[:OWNED_BY]->(u:User) | u.id][0] AS id"
COMPANY_BY_DOMAIN = "MATCH (c:Company) WHERE c.domain = $domain RETURN c.id AS id ORDER BY c.createdAt LIMIT 1"

# The person takes over the lead's history: its attempts are about the person too.
CONVERT = (
    """
MATCH (l:Lead {id: $id}), (p:Person {id: $personId})
SET l.status = 'CONVERTED', l.convertedAt = datetime(), l.nextAttemptAt = null, l.updatedAt = datetime()
CREATE (l)-[:CONVERTED_TO]->(p)
WITH l, p
CALL (l, p) {
  MATCH (a:Activity)-[:ABOUT]->(l)
  MERGE (a)-[:ABOUT]->(p)
}
"""
    + RESCORE
    + """
RETURN l.id AS id
"""
)

PAGE = """
CALL () {{
  MATCH (l:Lead)
  WHERE ($status IS NULL OR l.status = $status)
    AND ($ownerId IS NULL OR EXISTS {{ (l)-[:OWNED_BY]->(:User {{id: $ownerId}}) }})
    AND ($minScore IS NULL OR l.score >= $minScore)
    AND ($campaignId IS NULL OR EXISTS {{ (l)-[:FROM_CAMPAIGN]->(:Campaign {{id: $campaignId}}) }})
    AND ($afterAt IS NULL OR l.createdAt < datetime($afterAt) OR (l.createdAt = datetime($afterAt) AND l.id < $afterId))
  WITH l ORDER BY l.createdAt DESC, l.id DESC LIMIT $limit
  RETURN collect({{node: {projection}, key: [toString(l.createdAt), l.id]}}) AS rows
}}
CALL () {{
  MATCH (l:Lead)
  WHERE $withTotal AND ($status IS NULL OR l.status = $status)
    AND ($ownerId IS NULL OR EXISTS {{ (l)-[:OWNED_BY]->(:User {{id: $ownerId}}) }})
    AND ($minScore IS NULL OR l.score >= $minScore)
    AND ($campaignId IS NULL OR EXISTS {{ (l)-[:FROM_CAMPAIGN]->(:Campaign {{id: $campaignId}}) }})
  RETURN count(l) AS total
}}
RETURN rows, total
"""

BY_ID = "MATCH (l:Lead {{id: $id}}) RETURN {projection} AS node"
BY_IDS = "UNWIND $ids AS id MATCH (l:Lead {{id: id}}) RETURN id AS key, {projection} AS value"

NODES = Nodes("l", BASE, FRAGMENTS, BY_ID, BY_IDS)
