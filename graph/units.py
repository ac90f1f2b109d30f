"""Cypher for business units (nested inside one company)."""

from __future__ import annotations

BASE = ".id, .name, companyId: [(n)-[:UNIT_OF]->(c:Company) | c.id][0], parentId: [(n)-[:PART_OF]->(p:Unit) | p.id][0]"
FRAGMENTS: dict[str, str] = {}

BY_ID = "MATCH (n:Unit {id: $id}) RETURN n {" + BASE + "} AS node"
BY_IDS = "UNWIND $ids AS id MATCH (n:Unit {id: id}) RETURN id AS key, n {" + BASE + "} AS value"
CHILDREN = (
    """
UNWIND $ids AS id
MATCH (p:Unit {id: id})
RETURN id AS key, COLLECT { MATCH (p)<-[:PART_OF]-(n:Unit) RETURN n {"""
    + BASE
    + """} ORDER BY n.name, n.id } AS value
"""
)
TOP_UNITS = (
    """
UNWIND $ids AS id
MATCH (c:Company {id: id})
RETURN id AS key, COLLECT { MATCH (c)<-[:UNIT_OF]-(n:Unit) WHERE NOT (n)-[:PART_OF]->(:Unit)
  RETURN n {"""
    + BASE
    + """} ORDER BY n.name, n.id } AS value
"""
)

PARENT_INFO = """
MATCH (p:Unit {id: $parentUnitId})-[:UNIT_OF]->(c:Company)
RETURN c.id AS companyId,
  CASE WHEN $id IS NULL THEN false
  ELSE p.id = $id OR EXISTS { (p)-[:PART_OF*1..]->(:Unit {id: $id}) } END AS cycle
"""

CREATE = """
MATCH (c:Company {id: $companyId})
OPTIONAL MATCH (p:Unit {id: $parentUnitId})
CREATE (n:Unit:Entity {id: $id, name: $name, createdAt: datetime(), updatedAt: datetime()})
CREATE (n)-[:UNIT_OF]->(c)
FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | CREATE (n)-[:PART_OF]->(x))
RETURN n.id AS id
"""

UPDATE = """
MATCH (n:Unit {id: $id})
SET n.name = coalesce($name, n.name), n.updatedAt = datetime()
WITH n
CALL (n) {
  WITH n WHERE $setParent
  OPTIONAL MATCH (n)-[old:PART_OF]->() DELETE old
  WITH n MATCH (p:Unit {id: $parentUnitId}) CREATE (n)-[:PART_OF]->(p)
}
RETURN n.id AS id
"""

COMPANY_OF = "MATCH (n:Unit {id: $id})-[:UNIT_OF]->(c:Company) RETURN c.id AS companyId"

# The unit tree of a company changes under the company's write lock, so the cycle check of one
# move sees every move committed before it (see graph.common).
LOCK_COMPANY = "MATCH (c:Company {id: $companyId}) SET c._lock = true REMOVE c._lock RETURN c.id AS companyId"
LOCK_COMPANY_OF = (
    "MATCH (n:Unit {id: $id})-[:UNIT_OF]->(c:Company) SET c._lock = true REMOVE c._lock "
    "WITH n, c WHERE n:Unit RETURN c.id AS companyId"
)

# Deleting a unit lifts its sub-units and members to its parent unit (or the company level).
DELETE = """
MATCH (n:Unit {id: $id})
OPTIONAL MATCH (n)-[:PART_OF]->(parent:Unit)
CALL (n, parent) {
  MATCH (child:Unit)-[r:PART_OF]->(n)
  DELETE r
  FOREACH (p IN CASE WHEN parent IS NULL THEN [] ELSE [parent] END | CREATE (child)-[:PART_OF]->(p))
}
CALL (n, parent) {
  MATCH (m:Person)-[r:MEMBER_OF]->(n)
  DELETE r
  FOREACH (p IN CASE WHEN parent IS NULL THEN [] ELSE [parent] END | CREATE (m)-[:MEMBER_OF]->(p))
}
DETACH DELETE n
RETURN $id AS id
"""
