"""Cypher for opportunities and their stage history."""

from __future__ import annotations

from graph.common import millis
from graph.companies import BASE as COMPANY_BASE
from graph.projection import Nodes
from graph.users import USER, USER_FIELDS

BASE = (
    ".id, .name, .amount, .currency, .stage, .probability, .nextStep, "
    "expectedCloseDate: toString(o.expectedCloseDate), nextStepDue: toString(o.nextStepDue), "
    f"lastActivityAt: {millis('o.lastActivityAt')}, createdAt: o.createdAt.epochMillis, "
    "updatedAt: o.updatedAt.epochMillis"
)
FRAGMENTS = {
    "company": "company: [(o)-[:FOR]->(c:Company) | c {" + COMPANY_BASE + "}][0]",
    "owner": f"owner: [(o)-[:OWNED_BY]->(u:User) | {USER}][0]",
    "alerts": (
        "alerts: COLLECT { MATCH (o)<-[:ON]-(x:OpportunityAlert) "
        "WHERE x.resolvedAt IS NULL AND x.acknowledgedAt IS NULL "
        "RETURN x {.id, .kind, .message, raisedAt: x.raisedAt.epochMillis} ORDER BY x.raisedAt, x.kind }"
    ),
    "stageHistory": (
        "stageHistory: COLLECT { MATCH (o)<-[:OF]-(s:StageChange) WITH s ORDER BY s.seq, s.at "
        "RETURN s {.from, .to, at: s.at.epochMillis, by: [(s)-[:BY]->(u:User) | " + USER + "][0]} }"
    ),
}

BY_ID = "MATCH (o:Opportunity {{id: $id}}) RETURN {projection} AS node"
BY_IDS = "UNWIND $ids AS id MATCH (o:Opportunity {{id: id}}) RETURN id AS key, {projection} AS value"

CREATE = """
OPTIONAL MATCH (c:Company {id: $companyId})
OPTIONAL MATCH (u:User {id: $ownerId})
OPTIONAL MATCH (by:User {id: $byId})
CREATE (o:Opportunity:Entity {id: $id, name: $name, amount: $amount, amountCents: $amountCents, currency: $currency,
  stage: $stage, probability: $probability, probabilityOverridden: $overridden,
  expectedCloseDate: CASE WHEN $expectedCloseDate IS NULL THEN null ELSE date($expectedCloseDate) END,
  nextStep: $nextStep,
  nextStepDue: CASE WHEN $nextStepDue IS NULL THEN null ELSE date($nextStepDue) END,
  createdAt: datetime(), updatedAt: datetime()})
CREATE (s:StageChange {from: null, to: $stage, at: datetime(), seq: 0})-[:OF]->(o)
FOREACH (x IN CASE WHEN by IS NULL THEN [] ELSE [by] END | CREATE (s)-[:BY]->(x))
FOREACH (x IN CASE WHEN c IS NULL THEN [] ELSE [c] END | CREATE (o)-[:FOR]->(x))
FOREACH (x IN CASE WHEN u IS NULL THEN [] ELSE [u] END | CREATE (o)-[:OWNED_BY]->(x))
RETURN o.id AS id
"""

# Read for a change: the write lock comes first, so parallel updates of one opportunity run one after
# another and each stage change starts where the previous one ended (the history stays a chain).
CURRENT = (
    "MATCH (o:Opportunity {id: $id}) SET o._lock = true REMOVE o._lock "
    "RETURN o.stage AS stage, coalesce(o.probabilityOverridden, false) AS overridden"
)

UPDATE = """
MATCH (o:Opportunity {id: $id})
OPTIONAL MATCH (by:User {id: $byId})
WITH o, by, o.stage AS before
SET o += $props, o.updatedAt = datetime()
SET o.expectedCloseDate = CASE WHEN $setClose THEN
      CASE WHEN $expectedCloseDate IS NULL THEN null ELSE date($expectedCloseDate) END
    ELSE o.expectedCloseDate END,
    o.nextStepDue = CASE WHEN $setDue THEN
      CASE WHEN $nextStepDue IS NULL THEN null ELSE date($nextStepDue) END
    ELSE o.nextStepDue END
WITH o, by, before
CALL (o, by, before) {
  WITH o, by, before WHERE o.stage <> before
  CREATE (s:StageChange {from: before, to: o.stage, at: datetime(),
    seq: COUNT { (o)<-[:OF]-(:StageChange) }})-[:OF]->(o)
  FOREACH (x IN CASE WHEN by IS NULL THEN [] ELSE [by] END | CREATE (s)-[:BY]->(x))
}
CALL (o) {
  WITH o WHERE $setOwner
  OPTIONAL MATCH (o)-[old:OWNED_BY]->() DELETE old
  WITH o MATCH (u:User {id: $ownerId}) CREATE (o)-[:OWNED_BY]->(u)
}
RETURN o.id AS id
"""

COMPANY_PAGES = """
UNWIND $ids AS id
MATCH (c:Company {{id: id}})
CALL (c) {{
  MATCH (o:Opportunity)-[:FOR]->(c)
  WHERE $afterAt IS NULL OR o.createdAt < datetime($afterAt) OR (o.createdAt = datetime($afterAt) AND o.id < $afterId)
  WITH o ORDER BY o.createdAt DESC, o.id DESC LIMIT $limit
  RETURN collect({{node: {projection}, key: [toString(o.createdAt), o.id]}}) AS rows
}}
RETURN id AS key, rows, CASE WHEN $withTotal THEN COUNT {{ (:Opportunity)-[:FOR]->(c) }} END AS total
"""

PAGE = """
CALL () {{
  MATCH (o:Opportunity)
  WHERE ($companyId IS NULL OR EXISTS {{ (o)-[:FOR]->(:Company {{id: $companyId}}) }})
    AND ($ownerId IS NULL OR EXISTS {{ (o)-[:OWNED_BY]->(:User {{id: $ownerId}}) }})
    AND ($stage IS NULL OR o.stage = $stage)
    AND ($open IS NULL OR $open = (NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST']))
    AND ($closingFrom IS NULL OR o.expectedCloseDate >= date($closingFrom))
    AND ($closingTo IS NULL OR o.expectedCloseDate <= date($closingTo))
    AND ($hasAlert IS NULL OR EXISTS {{ (o)<-[:ON]-(x:OpportunityAlert {{kind: $hasAlert}})
      WHERE x.resolvedAt IS NULL AND x.acknowledgedAt IS NULL }})
    AND ($afterAt IS NULL OR o.createdAt < datetime($afterAt) OR (o.createdAt = datetime($afterAt) AND o.id < $afterId))
  WITH o ORDER BY o.createdAt DESC, o.id DESC LIMIT $limit
  RETURN collect({{node: {projection}, key: [toString(o.createdAt), o.id]}}) AS rows
}}
CALL () {{
  MATCH (o:Opportunity)
  WHERE $withTotal
    AND ($companyId IS NULL OR EXISTS {{ (o)-[:FOR]->(:Company {{id: $companyId}}) }})
    AND ($ownerId IS NULL OR EXISTS {{ (o)-[:OWNED_BY]->(:User {{id: $ownerId}}) }})
    AND ($stage IS NULL OR o.stage = $stage)
    AND ($open IS NULL OR $open = (NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST']))
    AND ($closingFrom IS NULL OR o.expectedCloseDate >= date($closingFrom))
    AND ($closingTo IS NULL OR o.expectedCloseDate <= date($closingTo))
    AND ($hasAlert IS NULL OR EXISTS {{ (o)<-[:ON]-(x:OpportunityAlert {{kind: $hasAlert}})
      WHERE x.resolvedAt IS NULL AND x.acknowledgedAt IS NULL }})
  RETURN count(o) AS total
}}
RETURN rows, total
"""

# One row per stage, in pipeline order; sums over integer cents are exact.
PIPELINE = """
UNWIND $stages AS stage
CALL (stage) {
  MATCH (o:Opportunity)
  WHERE o.stage = stage AND o.currency = $currency
    AND ($ownerId IS NULL OR EXISTS { (o)-[:OWNED_BY]->(:User {id: $ownerId}) })
  RETURN count(o) AS count, coalesce(sum(o.amountCents), 0) AS cents,
    coalesce(sum(o.amountCents * o.probability), 0.0) AS weightedCents
}
RETURN stage, count, cents, weightedCents
"""

# Per period [start, end): open amounts by expected close date, won amounts by the day the deal
# was won (its CLOSED_WON stage change), targets set for the period.
PERIOD_FIGURES = """
UNWIND $periods AS period
CALL (period) {
  MATCH (o:Opportunity)
  WHERE o.currency = $currency AND NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST']
    AND o.expectedCloseDate >= date(period.start) AND o.expectedCloseDate < date(period.end)
    AND ($ownerId IS NULL OR EXISTS { (o)-[:OWNED_BY]->(:User {id: $ownerId}) })
  RETURN coalesce(sum(o.amountCents), 0) AS openCents, coalesce(sum(o.amountCents * o.probability), 0.0) AS weightedCents
}
CALL (period) {
  MATCH (o:Opportunity {stage: 'CLOSED_WON'})<-[:OF]-(s:StageChange {to: 'CLOSED_WON'})
  WHERE o.currency = $currency
    AND s.at >= datetime(period.start) AND s.at < datetime(period.end)
    AND ($ownerId IS NULL OR EXISTS { (o)-[:OWNED_BY]->(:User {id: $ownerId}) })
  WITH DISTINCT o
  RETURN coalesce(sum(o.amountCents), 0) AS wonCents
}
CALL (period) {
  MATCH (t:Target {period: period.name, currency: $currency})
  WHERE $ownerId IS NULL OR t.userId = $ownerId
  RETURN count(t) AS targets, coalesce(sum(t.amountCents), 0) AS targetCents
}
RETURN period.name AS period, openCents, weightedCents, wonCents, targets, targetCents
"""

SET_TARGET = """
MATCH (u:User {id: $userId})
MERGE (t:Target {userId: $userId, period: $period, currency: $currency})
SET t.amountCents = $amountCents, t.updatedAt = datetime()
RETURN t.userId AS userId
"""

TARGET_USERS = """
MATCH (t:Target {period: $period, currency: $currency})
WHERE $userId IS NULL OR t.userId = $userId
RETURN collect(t.userId) AS userIds
"""

TARGET_STATUS = (
    """
UNWIND $userIds AS uid
MATCH (u:User {id: uid})
CALL (u) {
  MATCH (o:Opportunity)-[:OWNED_BY]->(u)
  WHERE o.currency = $currency AND NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST']
    AND o.expectedCloseDate >= date($start) AND o.expectedCloseDate < date($end)
  RETURN coalesce(sum(o.amountCents * o.probability), 0.0) AS weightedCents
}
CALL (u) {
  MATCH (o:Opportunity {stage: 'CLOSED_WON'})-[:OWNED_BY]->(u)
  WHERE o.currency = $currency
    AND EXISTS { (o)<-[:OF]-(s:StageChange {to: 'CLOSED_WON'}) WHERE s.at >= datetime($start) AND s.at < datetime($end) }
  RETURN coalesce(sum(o.amountCents), 0) AS wonCents
}
OPTIONAL MATCH (t:Target {userId: u.id, period: $period, currency: $currency})
RETURN u {"""
    + USER_FIELDS
    + """} AS user, weightedCents, wonCents, coalesce(t.amountCents, 0) AS targetCents
ORDER BY u.name, u.id
"""
)

NODES = Nodes("o", BASE, FRAGMENTS, BY_ID, BY_IDS)
