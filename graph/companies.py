"""Cypher for companies and their corporate groups."""

from __future__ import annotations

from graph.common import EXTERNAL_IDS, point_of, to_point
from graph.projection import Nodes
from graph.users import USER

BASE = (
    ".id, .name, .domain, .industry, .city, .country, createdAt: c.createdAt.epochMillis, updatedAt: c.updatedAt.epochMillis, "
    "isReference: coalesce(c.isReference, false), phones: coalesce(c.phones, []), "
    f"location: {point_of('c', 'location')}"
)
SUB_BASE = BASE.replace("c.", "s.")
# Nested objects come with their scalars; deeper fields fall back to batched loaders.
FRAGMENTS = {
    "owner": f"owner: [(c)-[:OWNED_BY]->(u:User) | {USER}][0]",
    "parent": "parent: [(c)-[:SUBSIDIARY_OF]->(s:Company) | s {" + SUB_BASE + "}][0]",
    "subsidiaries": (
        "subsidiaries: COLLECT { MATCH (c)<-[:SUBSIDIARY_OF]-(s:Company) "
        "WITH s ORDER BY s.sortName, s.id RETURN s {" + SUB_BASE + "} }"
    ),
    "units": (
        "units: COLLECT { MATCH (c)<-[:UNIT_OF]-(n:Unit) WHERE NOT (n)-[:PART_OF]->(:Unit) "
        "RETURN n {.id, .name, companyId: c.id, parentId: null} ORDER BY n.name, n.id }"
    ),
    "externalIds": EXTERNAL_IDS.format(v="c"),
}

# One condition per filter, joined only when set (see graph/persons.py).
CONDITIONS = {
    "nameContains": "c.sortName CONTAINS $nameContains",
    "industry": "c.industry = $industry",
    "city": "toLower(c.city) = $city",
    "ownerId": "EXISTS { (c)-[:OWNED_BY]->(:User {id: $ownerId}) }",
    "parentId": "EXISTS { (c)-[:SUBSIDIARY_OF]->(:Company {id: $parentId}) }",
    "ids": "c.id IN $ids",
}
KEYSET = "c.sortName >= $afterName AND (c.sortName > $afterName OR c.id > $afterId)"


BY_ID = "MATCH (c:Company {{id: $id}}) RETURN {projection} AS node"
BY_IDS = "UNWIND $ids AS id MATCH (c:Company {{id: id}}) RETURN id AS key, {projection} AS value"

CREATE = f"""
OPTIONAL MATCH (parent:Company {{id: $parentId}})
OPTIONAL MATCH (owner:User {{id: $ownerId}})
CREATE (c:Company:Entity {{id: $id, name: $name, sortName: $sortName, domain: $domain,
  industry: $industry, city: $city, country: $country, isReference: coalesce($isReference, false),
  location: {to_point("$location")}, createdAt: datetime(), updatedAt: datetime()}})
FOREACH (p IN CASE WHEN parent IS NULL THEN [] ELSE [parent] END | CREATE (c)-[:SUBSIDIARY_OF]->(p))
FOREACH (o IN CASE WHEN owner IS NULL THEN [] ELSE [owner] END | CREATE (c)-[:OWNED_BY]->(o))
RETURN c.id AS id
"""

# Would making `parentId` the parent of `id` close a cycle?
PARENT_CYCLE = """
MATCH (c:Company {id: $id}), (p:Company {id: $parentId})
RETURN c = p OR EXISTS { (p)-[:SUBSIDIARY_OF*1..]->(c) } AS cycle
"""

UPDATE = f"""
MATCH (c:Company {{id: $id}})
SET c += $props, c.sortName = coalesce($sortName, c.sortName), c.updatedAt = datetime()
SET c.location = CASE WHEN $setLocation THEN {to_point("$location")} ELSE c.location END
WITH c
CALL (c) {{
  WITH c WHERE $setParent
  OPTIONAL MATCH (c)-[old:SUBSIDIARY_OF]->() DELETE old
  WITH c MATCH (p:Company {{id: $parentId}}) CREATE (c)-[:SUBSIDIARY_OF]->(p)
}}
CALL (c) {{
  WITH c WHERE $setOwner
  OPTIONAL MATCH (c)-[old:OWNED_BY]->() DELETE old
  WITH c MATCH (u:User {{id: $ownerId}}) CREATE (c)-[:OWNED_BY]->(u)
}}
RETURN c.id AS id
"""

HAS_SUBSIDIARIES = "MATCH (c:Company {id: $id}) RETURN EXISTS { (c)<-[:SUBSIDIARY_OF]-(:Company) } AS has"

DELETE = """
MATCH (c:Company {id: $id})
CALL (c) {
  MATCH (e:TimelineEntry) WHERE e.companyId = c.id AND e.at IS NOT NULL AND e.activityId IS NOT NULL
  DETACH DELETE e
}
OPTIONAL MATCH (c)<-[:UNIT_OF]-(u:Unit)
OPTIONAL MATCH (c)<-[:IDENTIFIES]-(x:ExternalId)
DETACH DELETE u, x
WITH DISTINCT c
DETACH DELETE c
RETURN $id AS id
"""

NODES = Nodes("c", BASE, FRAGMENTS, BY_ID, BY_IDS)
