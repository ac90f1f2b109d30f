"""Cypher for activities (the customer history) and timelines."""

from __future__ import annotations

from graph.common import millis, point_of, to_point
from graph.companies import BASE as COMPANY_BASE
from graph.opportunities import BASE as OPPORTUNITY_BASE
from graph.persons import BASE as PERSON_BASE
from graph.tickets import BASE as TICKET_BASE
from graph.users import USER

LEAD_BASE = (
    ".id, .firstName, .lastName, .fullName, .email, .phone, .companyName, .companyDomain, .source, "
    f".status, .score, .disqualifiedReason, nextAttemptAt: {millis('l.nextAttemptAt')}, "
    "createdAt: l.createdAt.epochMillis"
)

# Subjects come with their scalars, so a timeline page with `about` is still one round trip.
ABOUT = (
    "about: COLLECT { MATCH (a)-[r:ABOUT]->(n) WHERE r.implicit IS NULL RETURN CASE "
    "WHEN n:Person THEN {label: 'Person', node: [p IN [n] | p {" + PERSON_BASE + "}][0]} "
    "WHEN n:Company THEN {label: 'Company', node: [c IN [n] | c {" + COMPANY_BASE + "}][0]} "
    "WHEN n:Opportunity THEN {label: 'Opportunity', node: [o IN [n] | o {" + OPPORTUNITY_BASE + "}][0]} "
    "WHEN n:Lead THEN {label: 'Lead', node: [l IN [n] | l {" + LEAD_BASE + "}][0]} "
    "WHEN n:Ticket THEN {label: 'Ticket', node: [t IN [n] | t {" + TICKET_BASE + "}][0]} "
    "ELSE {label: [x IN labels(n) WHERE x <> 'Entity'][0], node: {id: n.id}} END AS subject ORDER BY n.id }"
)
FIELDS = (
    f".id, .type, .subject, .body, .outcome, occurredAt: {millis('a.occurredAt')}, .durationMinutes, "
    f"location: {point_of('a', 'location')}, "
    f"by: [(a)-[:BY]->(u:User) | {USER}][0]"
)
FRAGMENTS = {"about": ABOUT}
BASE = FIELDS + ", " + ABOUT
# Where a page template projects its activities; filled with the fields the client selected.
PROJECTION = "__activity_projection__"

# A company's timeline is an index of entries (companyId, at, activityId): one per activity and
# per company whose history it belongs to -- the companies it is about (explicitly or through a
# person or opportunity) and all their parent companies. A page is then an index range read in
# order, as fast for a group with a million activities as for a start-up, and as fast on page 50
# as on page 1. Entries are rebuilt for a subtree whose corporate group changes.
FILE_ON_TIMELINES = """
  MATCH (a)-[:ABOUT]->(:Company)-[:SUBSIDIARY_OF*0..]->(owner:Company)
  WITH DISTINCT a, owner
  CREATE (:TimelineEntry {companyId: owner.id, at: a.occurredAt, activityId: a.id})-[:OF]->(a)
"""

# Filing reads the corporate group, refiling reads the activities: both take the write locks of the
# companies concerned first (an activity those it is about, a move its whole subtree), so an activity
# logged during a move is either refiled by it or filed after it, never under the old parents.
LOCK_ABOUT_COMPANIES = """
CALL (a) {
  MATCH (a)-[:ABOUT]->(c:Company)
  SET c._lock = true REMOVE c._lock
}
"""

REFILE_SUBTREE = (
    """
MATCH (:Company {id: $id})<-[:SUBSIDIARY_OF*0..]-(s:Company)
SET s._lock = true REMOVE s._lock
WITH collect(s) AS subtree
UNWIND subtree AS s
MATCH (s)<-[:ABOUT]-(a:Activity)
WITH DISTINCT a
CALL (a) {
  MATCH (e:TimelineEntry)-[:OF]->(a)
  DETACH DELETE e
}
CALL (a) {
"""
    + FILE_ON_TIMELINES
    + """
}
"""
)

# Activities about people are also linked to the people's current companies (and those
# about an opportunity to its company), so a company's history stays whole when people move.
CREATE = (
    """
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
  WITH a, n WHERE n:Opportunity
  // compared under the opportunity's write lock, so a parallel older activity cannot win
  SET n._lock = true REMOVE n._lock
  WITH a, n WHERE n.lastActivityAt IS NULL OR n.lastActivityAt < a.occurredAt
  SET n.lastActivityAt = a.occurredAt
}
"""
    + LOCK_ABOUT_COMPANIES
    + """
CALL (a) {
"""
    + FILE_ON_TIMELINES
    + """
}
RETURN a.id AS id
"""
)

BY_ID = "MATCH (a:Activity {id: $id}) RETURN a {" + BASE + "} AS node"

# [field] Where a visit report was logged (its site), when the client sent one.
SET_LOCATION = "MATCH (a:Activity {id: $id}) SET a.location = " + to_point("$location")

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

# A company's history covers its whole subtree of subsidiaries: a range of its timeline entries.
COMPANY_TIMELINE = (
    """
UNWIND $ids AS id
MATCH (g:Company {id: id})
WITH id, g, """
    + BEFORE
    + """ AS before
CALL (g, before) {
  MATCH (e:TimelineEntry)
  WHERE e.companyId = g.id AND e.activityId IS NOT NULL
    AND e.at <= coalesce(before, datetime('+999999999-12-31T23:59:59.999999999Z'))
    AND (before IS NULL OR e.at < before OR e.activityId < $afterId)
  // companyId first, so the order is the index's own and only `limit` entries are read
  WITH e ORDER BY e.companyId DESC, e.at DESC, e.activityId DESC LIMIT $limit
  MATCH (e)-[:OF]->(a:Activity)
  RETURN collect({node: """
    + PROJECTION
    + """, key: [toString(a.occurredAt), a.id]}) AS rows
}
RETURN id AS key, rows,
  CASE WHEN $withTotal THEN COUNT { MATCH (e:TimelineEntry) WHERE e.companyId = g.id AND e.at IS NOT NULL AND e.activityId IS NOT NULL } END AS total
"""
)
