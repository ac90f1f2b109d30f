"""Cypher for ERP/shop synchronisation: batches idempotent on external ids (UNWIND $rows, MERGE keys).

The external id is MERGEd on its constrained key (label, system, value): parallel batches that
deliver the same new record wait for each other, and the later one updates what the earlier created.
"""

from __future__ import annotations

from graph.phone_links import SYNC_PERSON

UPSERT_COMPANIES = """
UNWIND $rows AS row
MERGE (x:ExternalId {label: 'Company', system: row.system, value: row.value})
WITH row, x, [(x)-[:IDENTIFIES]->(c:Company) | c][0] AS existing
CALL (row, x, existing) {
  WITH row, x, existing WHERE existing IS NULL
  CREATE (c:Company:Entity {id: row.newId, isReference: false, createdAt: datetime()})
  SET c += row.props, c.sortName = row.sortName, c.updatedAt = datetime()
  CREATE (x)-[:IDENTIFIES]->(c)
  RETURN c, true AS created
  UNION
  WITH row, x, existing WHERE existing IS NOT NULL
  SET existing += row.props, existing.sortName = row.sortName, existing.updatedAt = datetime()
  RETURN existing AS c, false AS created
}
RETURN row.index AS index, c.id AS id, created
"""

# Companies named by external id must exist (in this call's batch or before).
MISSING_COMPANIES = """
UNWIND $companies AS ext
OPTIONAL MATCH (:ExternalId {label: 'Company', system: ext.system, value: ext.value})-[:IDENTIFIES]->(c:Company)
WITH ext, c WHERE c IS NULL
RETURN collect(ext) AS missing
"""

UPSERT_PERSONS = (
    """
UNWIND $rows AS row
MERGE (x:ExternalId {label: 'Person', system: row.system, value: row.value})
WITH row, x, [(x)-[:IDENTIFIES]->(p:Person) | p][0] AS existing
OPTIONAL MATCH (:ExternalId {label: 'Company', system: row.company.system, value: row.company.value})
  -[:IDENTIFIES]->(company:Company)
CALL (row, x, existing) {
  WITH row, x, existing WHERE existing IS NULL
  CREATE (p:Person:Entity {id: row.newId, phones: [], tags: [], source: row.source, createdAt: datetime()})
  SET p += row.props, p.updatedAt = datetime()
  CREATE (x)-[:IDENTIFIES]->(p)
  RETURN p, true AS created
  UNION
  WITH row, x, existing WHERE existing IS NOT NULL
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
