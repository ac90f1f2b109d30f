"""[b2c] Events (fairs, webinars, dinners) and who takes part: Cypher of the writes."""

from __future__ import annotations

CREATE = """
CREATE (e:Event:Entity {id: $id, name: $name, startsAt: datetime($startsAt), venue: $venue,
  location: CASE WHEN $location IS NULL THEN null ELSE point({latitude: $location.lat, longitude: $location.lon}) END,
  createdAt: datetime(), updatedAt: datetime()})
WITH e
OPTIONAL MATCH (c:Campaign {id: $campaignId})
FOREACH (x IN CASE WHEN c IS NULL THEN [] ELSE [c] END | CREATE (e)-[:FOR_CAMPAIGN]->(x))
RETURN e.id AS id
"""

# The event's write lock first: registrations of one event run one after another (one PARTICIPATES per person).
STATE = """
MATCH (e:Event {id: $eventId}) SET e._lock = true REMOVE e._lock
WITH e
OPTIONAL MATCH (p:Person {id: $personId})
OPTIONAL MATCH (p)-[r:PARTICIPATES]->(e)
RETURN p IS NOT NULL AS person, r.status AS status
"""

REGISTER = """
MATCH (e:Event {id: $eventId}), (p:Person {id: $personId})
MERGE (p)-[r:PARTICIPATES]->(e)
SET r.status = $status, r.at = datetime()
"""

PARTICIPANTS = (
    "MATCH (:Event {id: $eventId})<-[r:PARTICIPATES]-(p:Person) "
    "WHERE ($status IS NULL OR r.status = $status) AND {keyset}"
)
