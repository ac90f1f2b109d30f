"""Cypher of consent: (:Person)-[:HAS_CONSENT]->(:Consent {key})-[:HAD]->(:ConsentRecord) and used tokens."""

from __future__ import annotations

CONSENT_FIELDS = (
    "channel: {c}.channel, purpose: {c}.purpose, status: {c}.status, source: {c}.source, "
    "grantedAt: {c}.grantedAt.epochMillis, confirmedAt: {c}.confirmedAt.epochMillis, "
    "revokedAt: {c}.revokedAt.epochMillis"
)
CONSENT = "{key: c.key, " + CONSENT_FIELDS.format(c="c") + "}"

# Takes the consent's write lock first (created when new), so writers of one consent run one after another and
# each decides on what the previous one committed. No row: no such person.
# The person's write lock comes first: a consent written while the person is erased waits for the erasure and then
# finds no person (no consent is created after the erasure removed them).
LOCK = """
MATCH (p:Person {id: $personId})
SET p._lock = true REMOVE p._lock
WITH p WHERE p:Person
MERGE (c:Consent {key: $key})
  ON CREATE SET c.personId = $personId, c.channel = $channel, c.purpose = $purpose, c.createdAt = datetime()
MERGE (p)-[:HAS_CONSENT]->(c)
SET c._lock = true REMOVE c._lock
RETURN c {.status, .pendingJti, .source} AS consent, p.email AS email, p.firstName AS firstName,
  p.fullName AS fullName
"""

# One state change and its evidence record (never deleted). $set holds the properties to change; times that are
# named in $stamp are set to the transaction's time.
APPLY = (
    """
MATCH (c:Consent {key: $key})
SET c += $set, c.updatedAt = datetime(),
    c.grantedAt = CASE WHEN 'grantedAt' IN $stamp THEN datetime() ELSE c.grantedAt END,
    c.confirmedAt = CASE WHEN 'confirmedAt' IN $stamp THEN datetime() ELSE c.confirmedAt END,
    c.revokedAt = CASE WHEN 'revokedAt' IN $stamp THEN datetime() ELSE c.revokedAt END,
    c.pendingExpiresAt = CASE WHEN $expiresAt IS NULL THEN null ELSE datetime($expiresAt) END
CREATE (c)-[:HAD]->(:ConsentRecord {at: datetime(), status: c.status, source: c.source, evidence: $evidence,
  actor: $actor})
RETURN """
    + CONSENT
    + " AS consent"
)

READ = "MATCH (c:Consent {key: $key}) RETURN " + CONSENT + " AS consent"

OF_PERSON = (
    "MATCH (:Person {id: $personId})-[:HAS_CONSENT]->(c:Consent) WHERE c.status IS NOT NULL "
    "RETURN " + CONSENT + " AS consent ORDER BY c.channel, c.purpose"
)

HISTORY = (
    "MATCH (:Consent {key: $key})-[:HAD]->(r:ConsentRecord) "
    "RETURN r {at: r.at.epochMillis, .status, .source, .evidence} AS record ORDER BY r.at, elementId(r)"
)

# Single use: the first transaction to create the node wins; a second one (even in parallel) fails on the
# uniqueness constraint on UsedToken.jti.
USE_TOKEN = "CREATE (:UsedToken {jti: $jti, kind: $kind, usedAt: datetime()})"

# Is e-mail consent granted for this purpose, for each of these persons? (checked at send time)
GRANTED_EMAIL = """
UNWIND $personIds AS pid
MATCH (c:Consent {key: pid + '|EMAIL|' + $purpose})
WHERE c.status = 'GRANTED'
RETURN pid
"""
