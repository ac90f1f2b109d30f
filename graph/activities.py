"""Cypher for activities (the customer history) and timelines."""

from __future__ import annotations

from graph.users import USER

BASE = (
    ".id, .type, .subject, .body, .outcome, .occurredAt, .durationMinutes, "
    f"by: [(a)-[:BY]->(u:User) | {USER}][0], "
    "about: COLLECT { MATCH (a)-[r:ABOUT]->(n) WHERE r.implicit IS NULL "
    "RETURN {label: [l IN labels(n) WHERE l <> 'Entity'][0], id: n.id} ORDER BY n.id }"
)

# Activities about people are also linked to the people's current companies (and those
# about an opportunity to its company), so a company's history stays whole when people move.
CREATE = """
MATCH (by:User {id: $byId})
CREATE (a:Activity:Entity {id: $id, type: $type, subject: $subject, body: $body, outcome: $outcome,
  occurredAt: datetime($occurredAt), durationMinutes: $durationMinutes, createdAt: datetime()})
CREATE (a)-[:BY]->(by)
WITH a
UNWIND $subjectIds AS sid
MATCH (n:Entity {id: sid})
CREATE (a)-[:ABOUT]->(n)
WITH a, collect(n) AS subjects
CALL (a, subjects) {
  UNWIND subjects AS n
  OPTIONAL MATCH (n)-[:WORKS_AT|FOR]->(c:Company)
  WITH DISTINCT a, c, subjects WHERE c IS NOT NULL AND NOT c IN subjects
  CREATE (a)-[:ABOUT {implicit: true}]->(c)
}
CALL (a, subjects) {
  UNWIND subjects AS n
  WITH a, n WHERE n:Opportunity AND (n.lastActivityAt IS NULL OR n.lastActivityAt < a.occurredAt)
  SET n.lastActivityAt = a.occurredAt
}
RETURN a.id AS id
"""

BY_ID = "MATCH (a:Activity {id: $id}) RETURN a {" + BASE + "} AS node"

AFTER = """
  AND ($afterAt IS NULL OR a.occurredAt < datetime($afterAt)
       OR (a.occurredAt = datetime($afterAt) AND a.id < $afterId))
"""

PERSON_TIMELINE = (
    """
MATCH (s:Person {id: $id})
CALL (s) {
  MATCH (s)<-[:ABOUT]-(a:Activity) WHERE true """
    + AFTER
    + """
  WITH a ORDER BY a.occurredAt DESC, a.id DESC LIMIT $limit
  RETURN collect({node: a {"""
    + BASE
    + """}, key: [toString(a.occurredAt), a.id]}) AS rows
}
RETURN rows, CASE WHEN $withTotal THEN COUNT { (s)<-[:ABOUT]-(:Activity) } END AS total
"""
)

OPPORTUNITY_TIMELINE = PERSON_TIMELINE.replace("(s:Person {id: $id})", "(s:Opportunity {id: $id})")

# A company's history covers its whole subtree of subsidiaries.
COMPANY_TIMELINE = (
    """
MATCH (g:Company {id: $id})
CALL (g) {
  MATCH (g)<-[:SUBSIDIARY_OF*0..]-(c:Company)<-[:ABOUT]-(a:Activity)
  WHERE true """
    + AFTER
    + """
  WITH DISTINCT a ORDER BY a.occurredAt DESC, a.id DESC LIMIT $limit
  RETURN collect({node: a {"""
    + BASE
    + """}, key: [toString(a.occurredAt), a.id]}) AS rows
}
CALL (g) {
  MATCH (g)<-[:SUBSIDIARY_OF*0..]-(c:Company)<-[:ABOUT]-(a:Activity)
  WHERE $withTotal
  RETURN count(DISTINCT a) AS total
}
RETURN rows, CASE WHEN $withTotal THEN total END AS total
"""
)
