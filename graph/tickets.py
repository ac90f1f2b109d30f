"""Cypher for service tickets: writes, status steps, bookings and pages."""

from __future__ import annotations

from graph.common import point_of, to_point
from graph.companies import BASE as COMPANY_BASE
from graph.persons import BASE as PERSON_BASE
from graph.projection import Nodes
from graph.users import USER

BASE = (
    ".id, .subject, .description, .priority, .status, .estimatedMinutes, "
    "slaBreached: coalesce(t.slaBreached, false), dueAt: t.dueAt.epochMillis, createdAt: t.createdAt.epochMillis, "
    "scheduledStart: t.scheduledStart.epochMillis, scheduledEnd: t.scheduledEnd.epochMillis, "
    f"site: {point_of('t', 'site')}, "
    "requiredSkills: COLLECT { MATCH (t)-[treq:REQUIRES]->(tskill:Skill) "
    "RETURN {skill: tskill {.id, .name}, minLevel: treq.minLevel} ORDER BY tskill.key }"
)
FRAGMENTS = {
    "company": "company: [(t)-[:FOR]->(c:Company) | c {" + COMPANY_BASE + "}][0]",
    "person": "person: [(t)-[:REPORTED_BY]->(p:Person) | p {" + PERSON_BASE + "}][0]",
    "assignee": f"assignee: [(t)-[:ASSIGNED_TO]->(u:User) | {USER}][0]",
}

BY_ID = "MATCH (t:Ticket {{id: $id}}) RETURN {projection} AS node"
BY_IDS = "UNWIND $ids AS id MATCH (t:Ticket {{id: id}}) RETURN id AS key, {projection} AS value"

PRIORITY_RANK = "CASE t.priority WHEN 'URGENT' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'NORMAL' THEN 2 ELSE 3 END"

# The company defaults to the person's current employer, the site to the company's location.
CREATE = f"""
OPTIONAL MATCH (p:Person {{id: $personId}})
OPTIONAL MATCH (given:Company {{id: $companyId}})
WITH p, coalesce(given, [(p)-[:WORKS_AT]->(x:Company) | x][0]) AS c
CREATE (t:Ticket:Entity {{id: $id, subject: $subject, description: $description, priority: $priority,
  status: 'OPEN', estimatedMinutes: $estimatedMinutes, slaBreached: false,
  dueAt: CASE WHEN $dueAt IS NULL THEN null ELSE datetime($dueAt) END,
  createdAt: datetime(), updatedAt: datetime()}})
SET t.site = coalesce({to_point("$site")}, c.location, p.location), t.priorityRank = {PRIORITY_RANK}
FOREACH (x IN CASE WHEN c IS NULL THEN [] ELSE [c] END | CREATE (t)-[:FOR]->(x))
FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | CREATE (t)-[:REPORTED_BY]->(x))
RETURN t.id AS id
"""

# Required skills: unknown names are created once (MERGE on the normalised key).
SET_REQUIREMENTS = """
MATCH (t:Ticket {id: $id})
OPTIONAL MATCH (t)-[old:REQUIRES]->(:Skill)
DELETE old
WITH DISTINCT t
UNWIND $skills AS row
MERGE (s:Skill {key: row.key})
  ON CREATE SET s.id = row.newId, s.name = row.name, s:Entity, s.createdAt = datetime()
MERGE (t)-[r:REQUIRES]->(s)
SET r.minLevel = row.minLevel
RETURN count(r) AS skills
"""

# Takes the ticket's write lock first: every step of one ticket is serialised from here on.
LOCK = """
MATCH (t:Ticket {id: $id})
SET t._lock = randomUUID()
RETURN t.status AS status, t.estimatedMinutes AS estimatedMinutes,
  [(t)-[:ASSIGNED_TO]->(u:User) | u.id][0] AS assigneeId
"""

LOCK_USER = "MATCH (u:User {id: $id}) SET u._lock = randomUUID() RETURN u.id AS id"

UPDATE = f"""
MATCH (t:Ticket {{id: $id}})
SET t += $props, t.updatedAt = datetime(), t.priorityRank = {PRIORITY_RANK}
SET t.dueAt = CASE WHEN $setDue THEN CASE WHEN $dueAt IS NULL THEN null ELSE datetime($dueAt) END ELSE t.dueAt END,
    t.slaBreached = CASE WHEN $setDue THEN false ELSE t.slaBreached END,
    t.site = CASE WHEN $setSite THEN {to_point("$site")} ELSE t.site END
RETURN t.id AS id
"""

SET_STATUS = """
MATCH (t:Ticket {id: $id})
SET t.status = $status, t.updatedAt = datetime(),
    t.resolvedAt = CASE WHEN $status = 'RESOLVED' THEN datetime() ELSE t.resolvedAt END
RETURN t.id AS id
"""

# A booking: the ticket is assigned with a scheduled time; the caller holds both locks.
BOOK = """
MATCH (t:Ticket {id: $id}), (u:User {id: $userId})
OPTIONAL MATCH (t)-[old:ASSIGNED_TO]->(:User)
DELETE old
WITH DISTINCT t, u
CREATE (t)-[:ASSIGNED_TO]->(u)
SET t.status = 'SCHEDULED', t.scheduledStart = datetime($start),
    t.scheduledEnd = datetime($start) + duration({minutes: t.estimatedMinutes}), t.updatedAt = datetime()
RETURN t.id AS id
"""

UNBOOK = """
MATCH (t:Ticket {id: $id})
OPTIONAL MATCH (t)-[old:ASSIGNED_TO]->(:User)
DELETE old
SET t.status = 'OPEN', t.scheduledStart = null, t.scheduledEnd = null, t.updatedAt = datetime()
RETURN t.id AS id
"""

FILTERS = """
  ($status IS NULL OR t.status = $status)
  AND ($assigneeId IS NULL OR EXISTS {{ (t)-[:ASSIGNED_TO]->(:User {{id: $assigneeId}}) }})
  AND ($companyId IS NULL OR EXISTS {{ (t)-[:FOR]->(:Company {{id: $companyId}}) }})
  AND ($unassigned IS NULL OR $unassigned = (NOT EXISTS {{ (t)-[:ASSIGNED_TO]->(:User) }}))
"""

PAGE = (
    """
CALL () {{
  MATCH (t:Ticket)
  WHERE """
    + FILTERS
    + """
    AND ($afterAt IS NULL OR t.createdAt < datetime($afterAt) OR (t.createdAt = datetime($afterAt) AND t.id < $afterId))
  WITH t ORDER BY t.createdAt DESC, t.id DESC LIMIT $limit
  RETURN collect({{node: {projection}, key: [toString(t.createdAt), t.id]}}) AS rows
}}
CALL () {{
  MATCH (t:Ticket)
  WHERE $withTotal AND """
    + FILTERS
    + """
  RETURN count(t) AS total
}}
RETURN rows, total
"""
)

# Open, unassigned: URGENT before HIGH before NORMAL before LOW, then the earliest due time,
# tickets without one last, then the oldest. Keyset on (rank, due, created, id).
NO_DUE = 253402300799000
TO_SCHEDULE = f"""
CALL () {{{{
  MATCH (t:Ticket {{{{status: 'OPEN'}}}})
  WHERE NOT EXISTS {{{{ (t)-[:ASSIGNED_TO]->(:User) }}}}
  WITH t, t.priorityRank AS r, coalesce(t.dueAt.epochMillis, {NO_DUE}) AS d, t.createdAt.epochMillis AS c
  WHERE $afterRank IS NULL OR r > $afterRank OR (r = $afterRank AND (d > $afterDueMs OR (d = $afterDueMs
    AND (c > $afterCreatedMs OR (c = $afterCreatedMs AND t.id > $afterId)))))
  WITH t, r, d, c ORDER BY r, d, c, t.id LIMIT $limit
  RETURN collect({{{{node: {{projection}}, key: [r, d, c, t.id]}}}}) AS rows
}}}}
CALL () {{{{
  MATCH (t:Ticket {{{{status: 'OPEN'}}}})
  WHERE $withTotal AND NOT EXISTS {{{{ (t)-[:ASSIGNED_TO]->(:User) }}}}
  RETURN count(t) AS total
}}}}
RETURN rows, total
"""

NODES = Nodes("t", BASE, FRAGMENTS, BY_ID, BY_IDS)
