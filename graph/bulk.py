"""[b2c] bulkUpdatePersons: one bounded batch of a set-based patch over the persons a rule matches."""

from __future__ import annotations

COUNT = "MATCH (p:Person) WHERE {predicate} RETURN count(p) AS matched"

# The next $limit matching persons after $afterId (id order: a patch that changes whether a person matches
# never makes the walk skip or revisit anyone). Only persons whose data changes are written.
BATCH = """
MATCH (p:Person) WHERE ($afterId IS NULL OR p.id > $afterId) AND ({predicate})
WITH p ORDER BY p.id LIMIT $limit
WITH p, coalesce(p.tags, []) AS old
WITH p, old, [t IN old WHERE NOT t IN $removeTags] + [t IN $addTags WHERE NOT t IN old] AS tags
OPTIONAL MATCH (p)-[own:OWNED_BY]->(current:User)
WITH p, old, tags, collect(own) AS owns, collect(current.id) AS owners
WITH p, tags, owns, tags <> old AS tagsChanged,
  $setOwner AND owners <> CASE WHEN $ownerId IS NULL THEN [] ELSE [$ownerId] END AS ownerChanged,
  $setSource AND NOT (coalesce(p.source = $source, false) OR (p.source IS NULL AND $source IS NULL)) AS sourceChanged
FOREACH (_ IN CASE WHEN tagsChanged THEN [1] ELSE [] END | SET p.tags = tags)
FOREACH (_ IN CASE WHEN sourceChanged THEN [1] ELSE [] END | SET p.source = $source)
FOREACH (r IN CASE WHEN ownerChanged THEN owns ELSE [] END | DELETE r)
FOREACH (_ IN CASE WHEN tagsChanged OR sourceChanged OR ownerChanged THEN [1] ELSE [] END | SET p.updatedAt = datetime())
WITH p, tagsChanged, ownerChanged, sourceChanged
CALL (p, ownerChanged) {
  WITH p WHERE ownerChanged AND $ownerId IS NOT NULL
  MATCH (u:User {id: $ownerId})
  CREATE (p)-[:OWNED_BY]->(u)
}
RETURN p.id AS id, tagsChanged, ownerChanged, sourceChanged
"""
