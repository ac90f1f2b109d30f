"""Cypher for [field] projects: a customer's installation or roll-out that visits, tickets and documents belong to."""

from __future__ import annotations

# A project is FOR its company (so activities about it are also filed on the company's timeline, like tickets).
CREATE = """
MATCH (c:Company {id: $companyId})
CREATE (p:Project:Entity {id: $id, name: $name, status: 'PLANNED',
  startsOn: CASE WHEN $startsOn IS NULL THEN null ELSE date($startsOn) END,
  endsOn: CASE WHEN $endsOn IS NULL THEN null ELSE date($endsOn) END,
  createdAt: datetime(), updatedAt: datetime()})
CREATE (p)-[:FOR]->(c)
WITH p
CALL (p) {
  MATCH (x:Person {id: $contactId}) CREATE (p)-[:CONTACT]->(x)
}
CALL (p) {
  MATCH (x:User {id: $ownerId}) CREATE (p)-[:OWNED_BY]->(x)
}
CALL (p) {
  MATCH (x:Opportunity {id: $opportunityId}) CREATE (p)-[:FOR_OPPORTUNITY]->(x)
}
RETURN p.id AS id
"""

# Takes the project's write lock; answers what an update checks against.
LOCK = """
MATCH (p:Project {id: $id})
SET p._lock = true REMOVE p._lock
RETURN toString(p.startsOn) AS startsOn, toString(p.endsOn) AS endsOn
"""

# `props` holds the scalars sent; a link is replaced only when its field was sent (null removes it).
UPDATE = """
MATCH (p:Project {id: $id})
SET p += $props, p.updatedAt = datetime()
SET p.startsOn = CASE WHEN $setStartsOn THEN CASE WHEN $startsOn IS NULL THEN null ELSE date($startsOn) END
    ELSE p.startsOn END,
  p.endsOn = CASE WHEN $setEndsOn THEN CASE WHEN $endsOn IS NULL THEN null ELSE date($endsOn) END ELSE p.endsOn END
WITH p
CALL (p) {
  WITH p WHERE $setContact
  OPTIONAL MATCH (p)-[old:CONTACT]->()
  DELETE old
  WITH DISTINCT p
  MATCH (x:Person {id: $contactId}) CREATE (p)-[:CONTACT]->(x)
}
CALL (p) {
  WITH p WHERE $setOwner
  OPTIONAL MATCH (p)-[old:OWNED_BY]->()
  DELETE old
  WITH DISTINCT p
  MATCH (x:User {id: $ownerId}) CREATE (p)-[:OWNED_BY]->(x)
}
RETURN p.id AS id
"""

# The company a project belongs to and whether a person works there (a project's contact must).
CONTACT_AT = """
MATCH (c:Company {id: $companyId})
RETURN EXISTS { (:Person {id: $contactId})-[:WORKS_AT]->(c) } AS worksThere
"""
COMPANY_OF = "MATCH (p:Project {id: $id})-[:FOR]->(c:Company) RETURN c.id AS companyId"
OPPORTUNITY_COMPANY = "MATCH (o:Opportunity {id: $id})-[:FOR]->(c:Company) RETURN c.id AS companyId"

LINK_TICKET = """
MATCH (t:Ticket {id: $ticketId}), (p:Project {id: $projectId})
MERGE (t)-[:IN_PROJECT]->(p)
"""
