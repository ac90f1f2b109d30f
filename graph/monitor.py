"""Cypher for opportunity monitoring: alerts raised and resolved in one set-based pass."""

from __future__ import annotations

# Every open opportunity (and every one with an open alert) is checked against the rules. An alert
# is an episode: raised when its rule starts to hold, resolved when it stops. An acknowledged but
# unresolved alert is not raised again, so a user is told once per episode.
# While an alert is unresolved it carries `open: true`; the constraint `alert_open` keeps one node
# per (opportunityId, kind, open), so it is MERGEd: runs that overlap (a click and the hourly task)
# wait for each other on the constraint and the later one finds the alert the earlier one raised.
RUN = """
MATCH (o:Opportunity)
WHERE NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST']
   OR EXISTS { (o)<-[:ON]-(x:OpportunityAlert) WHERE x.resolvedAt IS NULL }
WITH o, NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST'] AS open,
  coalesce(o.lastActivityAt, o.createdAt) AS lastTouch,
  COUNT { (:Person)-[:IN_BUYING_CENTER]->(o) } AS members,
  EXISTS { (:Person)-[m:IN_BUYING_CENTER]->(o) WHERE 'DECISION_MAKER' IN m.roles } AS hasDecisionMaker,
  [(o)<-[:OF]-(s:StageChange) | s] AS changes
WITH o, open, lastTouch, members, hasDecisionMaker,
  reduce(last = null, s IN changes |
    CASE WHEN last IS NULL OR [s.seq, s.at] > [last.seq, last.at] THEN s ELSE last END) AS lastChange
WITH o, lastTouch, lastChange, members, [kind IN [
    CASE WHEN open AND lastTouch < datetime() - duration({days: $staleDays}) THEN 'STALE' END,
    CASE WHEN open AND o.expectedCloseDate < date() THEN 'CLOSE_DATE_PASSED' END,
    CASE WHEN open AND o.nextStepDue < date() THEN 'NEXT_STEP_OVERDUE' END,
    CASE WHEN open AND o.stage IN ['PROPOSAL', 'NEGOTIATION'] AND NOT hasDecisionMaker
      THEN 'NO_DECISION_MAKER' END,
    CASE WHEN open AND o.stage <> 'PROSPECTING' AND members < 2 THEN 'SINGLE_THREADED' END,
    CASE WHEN open AND lastChange.from IS NOT NULL AND $order[lastChange.from] > $order[lastChange.to]
      THEN 'STAGE_REGRESSION' END
  ] WHERE kind IS NOT NULL] AS due
CALL (o, due) {
  MATCH (o)<-[:ON]-(x:OpportunityAlert)
  WHERE x.resolvedAt IS NULL AND NOT x.kind IN due
  SET x.resolvedAt = datetime()
  REMOVE x.open
}
CALL (o, due, lastTouch, lastChange, members) {
  UNWIND due AS kind
  WITH o, kind, lastTouch, lastChange, members, 'alr_' + replace(randomUUID(), '-', '') AS newId
  MERGE (a:OpportunityAlert {opportunityId: o.id, kind: kind, open: true})
  ON CREATE SET a.id = newId, a.raisedAt = datetime(),
    a.message = CASE kind
      WHEN 'STALE' THEN 'No activity for ' + toString(duration.inDays(lastTouch, datetime()).days) + ' days'
      WHEN 'CLOSE_DATE_PASSED' THEN 'The expected close date ' + toString(o.expectedCloseDate) + ' has passed'
      WHEN 'NEXT_STEP_OVERDUE' THEN 'The next step "' + coalesce(o.nextStep, '') + '" was due on ' + toString(o.nextStepDue)
      WHEN 'NO_DECISION_MAKER' THEN 'No decision maker in the buying center at stage ' + o.stage
      WHEN 'SINGLE_THREADED' THEN 'Only ' + toString(members) + ' contact(s) in the buying center'
      ELSE 'The stage went back from ' + lastChange.from + ' to ' + lastChange.to
    END
  MERGE (a)-[:ON]->(o)
  RETURN count(CASE WHEN a.id = newId THEN a END) AS raised
}
RETURN sum(raised) AS raised
"""

ACKNOWLEDGE = """
MATCH (a:OpportunityAlert {id: $id})-[:ON]->(o:Opportunity)
SET a.acknowledgedAt = coalesce(a.acknowledgedAt, datetime()), a.acknowledgedBy = $userId
RETURN o.id AS opportunityId
"""
