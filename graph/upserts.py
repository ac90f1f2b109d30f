"""Cypher for ERP/shop synchronisation: batches idempotent on external ids (UNWIND $rows, MERGE keys)."""

from __future__ import annotations

from graph.phone_links import SYNC_PERSON

UPSERT_COMPANIES = """
UNWIND $rows AS row
OPTIONAL MATCH (:ExternalId {key: row.key})-[:IDENTIFIES]->(existing:Company)
CALL (row, existing) {
  WITH row, existing WHERE existing IS NULL
  CREATE (c:Company:Entity {id: row.newId, isReference: false, createdAt: datetime()})
  SET c += row.props, c.sortName = row.sortName, c.updatedAt = datetime()
  CREATE (:ExternalId {key: row.key, system: row.system, value: row.value})-[:IDENTIFIES]->(c)
  RETURN c, true AS created
  UNION
  WITH row, existing WHERE existing IS NOT NULL
  SET existing += row.props, existing.sortName = row.sortName, existing.updatedAt = datetime()
  RETURN existing AS c, false AS created
}
RETURN row.index AS index, c.id AS id, created
"""

# Companies named by external id must exist (in this call's batch or before).
MISSING_COMPANIES = """
UNWIND $keys AS key
OPTIONAL MATCH (:ExternalId {key: key})-[:IDENTIFIES]->(c:Company)
WITH key, c WHERE c IS NULL
RETURN collect(key) AS missing
"""

UPSERT_PERSONS = (
    """
UNWIND $rows AS row
OPTIONAL MATCH (:ExternalId {key: row.key})-[:IDENTIFIES]->(existing:Person)
OPTIONAL MATCH (:ExternalId {key: row.companyKey})-[:IDENTIFIES]->(company:Company)
CALL (row, existing) {
  WITH row, existing WHERE existing IS NULL
  CREATE (p:Person:Entity {id: row.newId, phones: [], tags: [], source: row.source, createdAt: datetime()})
  SET p += row.props, p.updatedAt = datetime()
  CREATE (:ExternalId {key: row.key, system: row.system, value: row.value})-[:IDENTIFIES]->(p)
  RETURN p, true AS created
  UNION
  WITH row, existing WHERE existing IS NOT NULL
  SET existing += row.props, existing.updatedAt = datetime()
  RETURN existing AS p, false AS created
}
SET p.fullName = trim(coalesce(p.firstName, '') + ' ' + p.lastName), p.sortName = row.sortName,
    p.emailLower = toLower(p.email)
WITH row, p, created, company
CALL (row, p, company) {
  WITH row, p, company WHERE row.setCompany
  OPTIONAL MATCH (p)-[w:WORKS_AT]->(old:Company) WHERE company IS NULL OR old <> company
  FOREACH (x IN CASE WHEN w IS NULL THEN [] ELSE [1] END |
    CREATE (p)-[:WORKED_AT {since: w.since, until: datetime(), jobTitle: w.jobTitle}]->(old)
    DELETE w)
  WITH p, company WHERE company IS NOT NULL AND NOT EXISTS { (p)-[:WORKS_AT]->(company) }
  CREATE (p)-[:WORKS_AT {since: datetime(), jobTitle: p.jobTitle}]->(company)
}
"""
    + SYNC_PERSON
    + """
RETURN row.index AS index, p.id AS id, created
"""
)
