"""Cypher for opportunities and their stage history."""

from __future__ import annotations

from graph.companies import BASE as COMPANY_BASE
from graph.users import USER

BASE = (
    ".id, .name, .amount, .currency, .stage, .probability, .nextStep, "
    "expectedCloseDate: toString(o.expectedCloseDate), nextStepDue: toString(o.nextStepDue), "
    "lastActivityAt: o.lastActivityAt.epochMillis, createdAt: o.createdAt.epochMillis, "
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
        "stageHistory: COLLECT { MATCH (o)<-[:OF]-(s:StageChange) "
        "RETURN s {.from, .to, at: s.at.epochMillis, by: [(s)-[:BY]->(u:User) | "
        + USER
        + "][0]} ORDER BY s.at, s.seq }"
    ),
}

BY_ID = "MATCH (o:Opportunity {{id: $id}}) RETURN {projection} AS node"
BY_IDS = "UNWIND $ids AS id MATCH (o:Opportunity {{id: id}}) RETURN id AS key, {projection} AS value"

CREATE = """
OPTIONAL MATCH (c:Company {id: $companyId})
OPTIONAL MATCH (u:User {id: $ownerId})
OPTIONAL MATCH (by:User {id: $byId})
CREATE (o:Opportunity:Entity {id: $id, name: $name, amount: $amount, currency: $currency,
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

CURRENT = (
    "MATCH (o:Opportunity {id: $id}) RETURN o.stage AS stage, coalesce(o.probabilityOverridden, false) AS overridden"
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
