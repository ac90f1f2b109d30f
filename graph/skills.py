"""Cypher for technicians: skills (unique by a normalised key) and availability slots."""

from __future__ import annotations

SKILL = "s {.id, .name}"

ALL_SKILLS = f"MATCH (s:Skill) RETURN {SKILL} AS skill ORDER BY s.key"

# Skills are created once per normalised name (constraint skill_key); MERGE on the key is
# race-free with the constraint, and the first spelling of a name is kept.
SET_SKILLS = """
MATCH (u:User {id: $userId})
SET u._lock = randomUUID()
WITH u
OPTIONAL MATCH (u)-[old:HAS_SKILL]->(:Skill)
DELETE old
WITH DISTINCT u
UNWIND $skills AS row
MERGE (s:Skill {key: row.key})
  ON CREATE SET s.id = row.newId, s.name = row.name, s:Entity, s.createdAt = datetime()
MERGE (u)-[h:HAS_SKILL]->(s)
SET h.level = row.level
RETURN count(h) AS skills
"""

USER_SKILLS = """
UNWIND $ids AS id
MATCH (u:User {id: id})
RETURN id AS key, COLLECT {
  MATCH (u)-[h:HAS_SKILL]->(s:Skill) RETURN {skill: s {.id, .name}, level: h.level} ORDER BY s.key
} AS value
"""

# setAvailability replaces the user's slots that end after now; past ones stay as history.
SET_AVAILABILITY = """
MATCH (u:User {id: $userId})
SET u._lock = randomUUID()
WITH u
CALL (u) {
  MATCH (u)-[:AVAILABLE]->(old:Slot) WHERE old.end > datetime()
  DETACH DELETE old
}
WITH u
UNWIND $slots AS slot
CREATE (u)-[:AVAILABLE]->(:Slot {userId: u.id, start: datetime(slot.start), end: datetime(slot.end)})
RETURN count(*) AS slots
"""

AVAILABILITY = """
MATCH (u:User {id: $userId})-[:AVAILABLE]->(s:Slot)
WHERE s.end > datetime($from) AND s.start < datetime($to)
RETURN s.start.epochMillis AS start, s.end.epochMillis AS end ORDER BY s.start
"""
