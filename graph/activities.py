"""Cypher for activities (the customer history) and timelines."""

from __future__ import annotations

from graph.companies import BASE as COMPANY_BASE
from graph.opportunities import BASE as OPPORTUNITY_BASE
from graph.persons import BASE as PERSON_BASE
from graph.users import USER

# Subjects come with their scalars, so a timeline page with `about` is still one round trip.
ABOUT = (
    "about: COLLECT { MATCH (a)-[r:ABOUT]->(n) WHERE r.implicit IS NULL RETURN CASE "
    "WHEN n:Person THEN {label: 'Person', node: [p IN [n] | p {" + PERSON_BASE + "}][0]} "
    "WHEN n:Company THEN {label: 'Company', node: [c IN [n] | c {" + COMPANY_BASE + "}][0]} "
    "WHEN n:Opportunity THEN {label: 'Opportunity', node: [o IN [n] | o {" + OPPORTUNITY_BASE + "}][0]} "
    "ELSE {label: [l IN labels(n) WHERE l <> 'Entity'][0], node: {id: n.id}} END AS subject ORDER BY n.id }"
)
FIELDS = (
    ".id, .type, .subject, .body, .outcome, occurredAt: a.occurredAt.epochMillis, .durationMinutes, "
    f"by: [(a)-[:BY]->(u:User) | {USER}][0]"
)
FRAGMENTS = {"about": ABOUT}
BASE = FIELDS + ", " + ABOUT
# Where a page template projects its activities; filled with the fields the client selected.
PROJECTION = "__activity_projection__"

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
// The companies an activity is filed under, as ids on the node: the timeline's index walk
// filters on them without expanding relationships.
SET a.companyIds = [(a)-[:ABOUT]->(c:Company) | c.id]
RETURN a.id AS id
"""

BY_ID = "MATCH (a:Activity {id: $id}) RETURN a {" + BASE + "} AS node"

# Keyset on (occurredAt, id), newest first; the cursor's time is parsed once per query.
BEFORE = "CASE WHEN $afterAt IS NULL THEN null ELSE datetime($afterAt) END"
AFTER = "(before IS NULL OR a.occurredAt < before OR (a.occurredAt = before AND a.id < $afterId))"

PERSON_TIMELINE = (
    """
UNWIND $ids AS id
MATCH (s:Person {id: id})
WITH id, s, """
    + BEFORE
    + """ AS before
CALL (s, before) {
  MATCH (s)<-[:ABOUT]-(a:Activity) WHERE """
    + AFTER
    + """
  WITH a ORDER BY a.occurredAt DESC, a.id DESC LIMIT $limit
  RETURN collect({node: """
    + PROJECTION
    + """, key: [toString(a.occurredAt), a.id]}) AS rows
}
RETURN id AS key, rows, CASE WHEN $withTotal THEN COUNT { (s)<-[:ABOUT]-(:Activity) } END AS total
"""
)

OPPORTUNITY_TIMELINE = PERSON_TIMELINE.replace("(s:Person {id: id})", "(s:Opportunity {id: id})")

# A company's history covers its whole subtree of subsidiaries. Two plans, chosen per query by
# the subtree's activity volume (relationship degrees, no reads): a small history is expanded and
# sorted; a large one walks the occurredAt index newest first from the cursor and keeps the
# group's activities, so its cost depends on the page size, not on the history's length or the
# page's depth. Expanding reads `volume` activities, walking about limit * all / volume, hence the
# switch at volume^2 = limit * all.
COMPANY_TIMELINE = (
    """
UNWIND $ids AS id
MATCH (g:Company {id: id})
CALL (g) {
  MATCH (g)<-[:SUBSIDIARY_OF*0..]-(c:Company)
  RETURN collect(c) AS companies, sum(COUNT { (c)<-[:ABOUT]-() }) AS volume
}
CALL () { MATCH (x:Activity) RETURN count(x) AS everything }
WITH id, g, companies, volume * volume > $limit * everything AS walk, """
    + BEFORE
    + """ AS before
CALL (companies, walk, before) {
  WITH companies, before WHERE NOT walk
  UNWIND companies AS c
  MATCH (c)<-[:ABOUT]-(a:Activity)
  WITH DISTINCT a, before
  WHERE """
    + AFTER
    + """
  WITH a ORDER BY a.occurredAt DESC, a.id DESC LIMIT $limit
  RETURN a
  UNION
  WITH [c IN companies | c.id] AS companyIds, before WHERE walk
  MATCH (a:Activity) USING INDEX a:Activity(occurredAt)
  WHERE a.occurredAt <= coalesce(before, datetime('+999999999-12-31T23:59:59.999999999Z'))
    AND """
    + AFTER
    + """
    AND any(x IN a.companyIds WHERE x IN companyIds)
  WITH a ORDER BY a.occurredAt DESC, a.id DESC LIMIT $limit
  RETURN a
}
WITH id, g, companies, a ORDER BY a.occurredAt DESC, a.id DESC
WITH id, g, companies, collect({node: """
    + PROJECTION
    + """, key: [toString(a.occurredAt), a.id]}) AS rows
{total}
RETURN id AS key, rows, {total_value} AS total
"""
)
COMPANY_TIMELINE_TOTAL = """
CALL (companies) {
  UNWIND companies AS c
  MATCH (c)<-[:ABOUT]-(a:Activity)
  RETURN count(DISTINCT a) AS total
}
"""
