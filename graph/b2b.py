"""Cypher for the relationship graph: relations, buying centers, paths, org charts."""

from __future__ import annotations

from graph.common import millis
from graph.opportunities import BASE as OPPORTUNITY_BASE
from graph.persons import BASE as PERSON_BASE
from graph.users import USER_FIELDS

PERSON = "p {" + PERSON_BASE + "}"
USER = "u {" + USER_FIELDS + "}"
# Where a statement projects a person `p` or a user `u`: filled with PERSON/USER, or with the fields
# the client selected (the read compiler).
PERSON_SLOT = "__person_projection__"
USER_SLOT = "__user_projection__"
REL_TYPES = "REPORTS_TO|INFLUENCES|KNOWS"

# MERGE keeps relating idempotent: one relation per (from, to, type). KNOWS is mutual, so it is
# merged without direction: relating B to A after A to B updates the one relation.
RELATE = """
MATCH (a:Person {id: $fromId}), (b:Person {id: $toId})
CALL (a, b) {
  WITH a, b WHERE $type = 'REPORTS_TO' MERGE (a)-[r:REPORTS_TO]->(b)
  ON CREATE SET r.createdAt = datetime() SET r.strength = $strength RETURN r
  UNION
  WITH a, b WHERE $type = 'INFLUENCES' MERGE (a)-[r:INFLUENCES]->(b)
  ON CREATE SET r.createdAt = datetime() SET r.strength = $strength RETURN r
  UNION
  WITH a, b WHERE $type = 'KNOWS' MERGE (a)-[r:KNOWS]-(b)
  ON CREATE SET r.createdAt = datetime() SET r.strength = $strength RETURN r
}
RETURN type(r) AS type, r.strength AS strength, startNode(r).id AS fromId, endNode(r).id AS toId
"""

UNRELATE = """
MATCH (a:Person {id: $fromId})-[r]-(b:Person {id: $toId})
WHERE type(r) = $type AND (type(r) = 'KNOWS' OR startNode(r) = a)
DELETE r
RETURN count(*) AS deleted
"""

ACQUAINT = """
MATCH (u:User {id: $userId}), (p:Person {id: $personId})
MERGE (u)-[k:KNOWS_PERSON]->(p)
ON CREATE SET k.createdAt = datetime()
SET k.strength = $strength
RETURN true AS ok
"""

RELATIONS_PAGES = (
    """
UNWIND $ids AS id
MATCH (s:Person {id: id})
CALL (s) {
  MATCH (s)-[r:"""
    + REL_TYPES
    + """]-(o:Person)
  WITH r, startNode(r) AS a, endNode(r) AS b
  WITH r, a, b, [type(r), a.id, b.id] AS key
  WHERE $after IS NULL OR key > $after
  WITH r, a, b, key ORDER BY key LIMIT $limit
  RETURN collect({node: {type: type(r), strength: r.strength,
    from: [p IN [a] | """
    + PERSON
    + """][0], to: [p IN [b] | """
    + PERSON
    + """][0]}, key: key}) AS rows
}
RETURN id AS key, rows, CASE WHEN $withTotal THEN COUNT { (s)-[:"""
    + REL_TYPES
    + """]-(:Person) } END AS total
"""
)

SET_ROLE = """
MATCH (o:Opportunity {id: $opportunityId}), (p:Person {id: $personId})
MERGE (p)-[m:IN_BUYING_CENTER]->(o)
ON CREATE SET m.since = datetime(), m.attitude = coalesce($attitude, 'UNKNOWN')
SET m.roles = $roles, m.attitude = coalesce($attitude, m.attitude), m.updatedAt = datetime()
RETURN true AS ok
"""

REMOVE_MEMBER = """
MATCH (:Person {id: $personId})-[m:IN_BUYING_CENTER]->(:Opportunity {id: $opportunityId})
DELETE m
RETURN count(*) AS removed
"""

# One round trip: members with roles, attitude, last interaction and whether they sit
# outside the customer's corporate group, plus the relations among members.
BUYING_CENTER = (
    """
UNWIND $ids AS id
MATCH (o:Opportunity {id: id})
OPTIONAL MATCH (o)-[:FOR]->(:Company)-[:SUBSIDIARY_OF*0..]->(root:Company)
  WHERE NOT (root)-[:SUBSIDIARY_OF]->(:Company)
WITH id, o, head(collect(root)) AS root
CALL (o, root) {
  MATCH (p:Person)-[m:IN_BUYING_CENTER]->(o)
  CALL (p) {
    OPTIONAL MATCH (p)<-[:ABOUT]-(a:Activity)
    RETURN max(a.occurredAt) AS last
  }
  WITH p, m, last, root
  ORDER BY p.sortName, p.id
  RETURN collect({
    person: """
    + PERSON
    + """,
    roles: m.roles, attitude: m.attitude, lastInteractionAt: """
    + millis("last")
    + """,
    neglected: last IS NULL OR last < datetime() - duration({days: $neglectDays}),
    external: root IS NULL OR NOT EXISTS {
      (p)-[:WORKS_AT]->(:Company)-[:SUBSIDIARY_OF*0..]->(root)
    }
  }) AS members
}
CALL (o) {
  MATCH (a:Person)-[:IN_BUYING_CENTER]->(o)
  MATCH (a)-[r:"""
    + REL_TYPES
    + """]->(b:Person)-[:IN_BUYING_CENTER]->(o)
  WITH r, a, b ORDER BY type(r), a.id, b.id
  RETURN collect({type: type(r), strength: r.strength, fromId: a.id, toId: b.id}) AS relations
}
RETURN id AS key, o {"""
    + OPPORTUNITY_BASE
    + """} AS opportunity, members, relations
"""
)

# Paths are walked without direction, then INFLUENCES is kept only where it points
# along the path; REPORTS_TO and KNOWS count both ways. No person twice in a path.
INFLUENCE_PATHS = (
    """
MATCH (a:Person {id: $fromId}), (b:Person {id: $toId})
MATCH path = (a)-[:"""
    + REL_TYPES
    + """*1..{max_hops}]-(b)
WITH path, nodes(path) AS ns, relationships(path) AS rs
WHERE all(i IN range(0, size(rs) - 1)
          WHERE type(rs[i]) <> 'INFLUENCES' OR startNode(rs[i]) = ns[i])
  AND all(i IN range(0, size(ns) - 2) WHERE NOT ns[i] IN ns[i + 1..])
WITH ns, rs, reduce(w = 1.0, r IN rs | w * coalesce(r.strength, 0.5)) AS weight
ORDER BY size(rs), weight DESC, [n IN ns | n.id], [r IN rs | type(r)]
LIMIT $first
RETURN [p IN ns | """
    + PERSON_SLOT
    + """] AS people,
  [r IN rs | {type: type(r), strength: r.strength, fromId: startNode(r).id, toId: endNode(r).id}] AS relations
"""
)

# From the target outwards to colleagues who know someone on the way; one path per colleague.
INTRODUCTION_PATHS = (
    """
MATCH (t:Person {id: $toId})
MATCH path = (t)-[:"""
    + REL_TYPES
    + """*0..{max_rel_hops}]-(first:Person)
MATCH (first)<-[k:KNOWS_PERSON]-(u:User)
WHERE u.active
WITH u, k, nodes(path) AS ns, relationships(path) AS rs
WHERE all(i IN range(0, size(ns) - 2) WHERE NOT ns[i] IN ns[i + 1..])
WITH u, reverse(ns) AS people, size(rs) + 1 AS hops,
  coalesce(k.strength, 0.5) * reduce(w = 1.0, r IN rs | w * coalesce(r.strength, 0.5)) AS weight
ORDER BY hops, weight DESC, u.id, [n IN people | n.id]
WITH u, head(collect({people: people, hops: hops, weight: weight})) AS best
ORDER BY best.hops, best.weight DESC, u.id
LIMIT $first
RETURN """
    + USER_SLOT
    + """ AS user, [p IN best.people | """
    + PERSON_SLOT
    + """] AS people, best.hops AS hops, best.weight AS weight
"""
)

# Tops are the company's people without a manager in the company; in bad data with a REPORTS_TO
# cycle, the cycle's member with the smallest sort key is a top as well, which turns the cycle into
# a chain. Each person's shortest chain to a top gives manager, depth and a depth-first sort key;
# hop caps keep every walk bounded, so cycles cannot hang the query.
ORG_CHART_TEMPLATE = (
    """
MATCH (c:Company {id: $companyId})
CALL (c) {
  MATCH (p:Person)-[:WORKS_AT]->(c)
  WITH p, EXISTS { (p)-[:REPORTS_TO]->(x:Person)-[:WORKS_AT]->(c) WHERE x <> p } AS managed
  WHERE NOT managed
     OR (EXISTS { MATCH cyc = (p)-[:REPORTS_TO*1..25]->(p) WHERE all(n IN nodes(cyc) WHERE (n)-[:WORKS_AT]->(c)) }
         AND NOT EXISTS { MATCH cyc = (p)-[:REPORTS_TO*1..25]->(p)
                          WHERE any(n IN nodes(cyc) WHERE [n.sortName, n.id] < [p.sortName, p.id]) })
  RETURN collect(p) AS tops
}
MATCH (p:Person)-[:WORKS_AT]->(c)
CALL (p, c, tops) {
  OPTIONAL MATCH path = (p)-[:REPORTS_TO*0..25]->(r:Person)
  WHERE r IN tops AND all(n IN nodes(path) WHERE (n)-[:WORKS_AT]->(c))
    AND NOT any(n IN nodes(path)[0..-1] WHERE n IN tops)
  WITH path ORDER BY length(path), [n IN nodes(path) | [n.sortName, n.id]] LIMIT 1
  RETURN path
}
WITH p, path,
  CASE WHEN path IS NULL THEN [[p.sortName, p.id]]
  ELSE reverse([n IN nodes(path) | [n.sortName, n.id]]) END AS sortKey
RETURN """
    + PERSON_SLOT
    + """ AS person,
  CASE WHEN path IS NULL OR length(path) = 0 THEN null ELSE nodes(path)[1].id END AS managerId,
  CASE WHEN path IS NULL THEN 0 ELSE length(path) END AS depth
ORDER BY sortKey
"""
)
