"""Cypher for a technician's booking calendar and its feed token."""

from __future__ import annotations

# Bookings from 90 days back on: what a subscribed calendar shows.
BOOKINGS = """
MATCH (u:User {id: $userId})
OPTIONAL MATCH (u)<-[:ASSIGNED_TO]-(t:Ticket)
WHERE t.scheduledStart IS NOT NULL AND t.scheduledEnd >= datetime() - duration('P90D')
WITH u, t ORDER BY t.scheduledStart, t.id
RETURN u.name AS name, collect(t {.id, .subject, .description, .status, .priority,
  start: t.scheduledStart.epochMillis, end: t.scheduledEnd.epochMillis,
  updatedAt: t.updatedAt.epochMillis,
  site: CASE WHEN t.site IS NULL THEN null ELSE {lat: t.site.latitude, lon: t.site.longitude} END,
  company: [(t)-[:FOR]->(c:Company) | c.name][0],
  person: [(t)-[:REPORTED_BY]->(p:Person) | p.fullName][0]}) AS bookings
"""

SET_FEED_TOKEN = "MATCH (u:User {id: $userId}) SET u.calendarTokenHash = $hash RETURN u.id AS id"
FEED_TOKEN = "MATCH (u:User {id: $userId}) RETURN u.calendarTokenHash AS hash"
