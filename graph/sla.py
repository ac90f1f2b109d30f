"""Cypher for the SLA check: tickets past due and not RESOLVED/CLOSED are flagged once."""

from __future__ import annotations

from graph.activities import FILE_ON_TIMELINES

# One (:SlaBreach {ticketId}) per breached ticket (uniqueness constraint): MERGE creates it once,
# however many checks run at once, and only the check that created it flags the ticket and files
# the activity (a TASK about the ticket, for the assignee, or for the dispatchers when unassigned).
FLAG = (
    """
MATCH (t:Ticket)
WHERE t.dueAt < datetime($now) AND NOT t.status IN ['RESOLVED', 'CLOSED'] AND NOT coalesce(t.slaBreached, false)
WITH t ORDER BY t.dueAt, t.id LIMIT $limit
MERGE (b:SlaBreach {ticketId: t.id})
  ON CREATE SET b.at = datetime($now), b.run = $run
WITH t, b WHERE b.run = $run
SET t.slaBreached = true, t.updatedAt = datetime()
WITH t, [(t)-[:ASSIGNED_TO]->(u:User) | u] AS assignees
WITH t, CASE WHEN size(assignees) > 0 THEN assignees
  ELSE COLLECT { MATCH (d:User {role: 'SERVICE_AGENT'}) WHERE coalesce(d.active, true) RETURN d } END AS owners
CREATE (a:Activity:Entity {id: 'act_' + replace(randomUUID(), '-', ''), type: 'TASK', subject: 'SLA breached: ' + t.subject,
  body: 'Due ' + toString(t.dueAt) + ', still ' + t.status + '.', occurredAt: datetime($now), createdAt: datetime()})
CREATE (a)-[:ABOUT]->(t)
FOREACH (u IN owners | CREATE (a)-[:FOR_USER]->(u))
WITH t, a, owners
CALL (a, t) {
  MATCH (t)-[:FOR]->(c:Company)
  CREATE (a)-[:ABOUT {implicit: true}]->(c)
}
CALL (a) {
"""
    + FILE_ON_TIMELINES
    + """
}
RETURN t.id AS ticketId, a.id AS activityId, [u IN owners | u.id] AS owners
"""
)

# A new due time starts a new episode.
RESET = "MATCH (b:SlaBreach {ticketId: $id}) DETACH DELETE b"
