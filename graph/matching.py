"""Cypher for matching technicians to a ticket: one statement, whatever the number of technicians.

For the ticket: its required skills, its site, its customer's whole corporate group (or the
consumer). Per technician who holds every required skill at the minimum level: the earliest start
inside the window where the ticket's estimated minutes fit into one of the technician's slots
without touching a booking, the distance from the home base, whether the technician served the
customer before (resolved a ticket or logged an activity for it or its group), the minutes
already booked that day, and the score (weights in $w, see README "Matching").
"""

from __future__ import annotations

from graph.users import USER

# Bookings that block time: assigned tickets not yet resolved (the ticket itself excepted).
BUSY = """COLLECT {
    MATCH (b:Ticket)-[:ASSIGNED_TO]->(u)
    WHERE b.status IN ['SCHEDULED', 'IN_PROGRESS'] AND b <> t AND b.scheduledStart < s1 AND b.scheduledEnd > s0
    RETURN [b.scheduledStart, b.scheduledEnd]
  }"""

CANDIDATES = (
    """
MATCH (t:Ticket {id: $ticketId})
WITH t, datetime($windowStart) AS ws, datetime($windowEnd) AS we, duration({minutes: t.estimatedMinutes}) AS need,
  COLLECT { MATCH (t)-[r:REQUIRES]->(s:Skill) RETURN {skill: s, name: s.name, min: r.minLevel} ORDER BY s.key } AS reqs,
  [(t)-[:FOR]->(c:Company) | c][0] AS customer, [(t)-[:REPORTED_BY]->(p:Person) | p][0] AS consumer
// the customer's corporate group: every company under the top of the customer's chain of parents
WITH t, ws, we, need, reqs, consumer,
  CASE WHEN customer IS NULL THEN [] ELSE COLLECT {
    MATCH (customer)-[:SUBSIDIARY_OF*0..]->(top:Company) WHERE NOT (top)-[:SUBSIDIARY_OF]->(:Company)
    MATCH (top)<-[:SUBSIDIARY_OF*0..]-(member:Company) RETURN DISTINCT member
  } END AS group
WITH t, ws, we, need, reqs, consumer, group, CASE WHEN consumer IS NULL THEN group ELSE group + [consumer] END AS served
// technicians: the one asked about (booking), else through the first required skill when there is
// one, else everyone with slots
CALL (reqs) {
  UNWIND CASE WHEN $userId IS NULL THEN [] ELSE [$userId] END AS only
  MATCH (u:User {id: only})
  RETURN u
  UNION
  // those who hold every required skill at its level: holders of each, counted (light rows)
  UNWIND CASE WHEN $userId IS NULL THEN reqs ELSE [] END AS req
  WITH req.skill AS skill, req.min AS min, size(reqs) AS wanted
  MATCH (skill)<-[h:HAS_SKILL]-(u:User) WHERE h.level >= min
  WITH u, wanted, count(*) AS held WHERE held = wanted
  RETURN u
  UNION
  UNWIND CASE WHEN $userId IS NULL AND size(reqs) = 0 THEN [1] ELSE [] END AS anyone
  MATCH (u:User) WHERE EXISTS { (u)-[:AVAILABLE]->(:Slot) }
  RETURN u
}
WITH t, ws, we, need, reqs, group, served, u
WHERE coalesce(u.active, true)
WITH t, ws, we, need, reqs, group, served, u,
  [r IN reqs | {name: r.name, min: r.min,
    level: [(u)-[h:HAS_SKILL]->(s) WHERE s = r.skill | h.level][0]}] AS skills
WHERE all(x IN skills WHERE x.level IS NOT NULL AND x.level >= x.min)
// the earliest start: the beginning of a slot (clipped to the window) or the end of a booking in it
CALL (t, u, ws, we, need) {
  MATCH (u)-[:AVAILABLE]->(slot:Slot)
  WHERE slot.end > ws AND slot.start < we
  WITH t, u, need, CASE WHEN slot.start < ws THEN ws ELSE slot.start END AS s0,
    CASE WHEN slot.end > we THEN we ELSE slot.end END AS s1
  WITH need, s0, s1, """
    + BUSY
    + """ AS busy
  UNWIND [s0] + [x IN busy WHERE x[1] > s0 | x[1]] AS start
  WITH start, need, s1, busy
  WHERE start + need <= s1 AND none(x IN busy WHERE x[0] < start + need AND x[1] > start)
  RETURN min(start) AS availableFrom
}
WITH t, ws, need, skills, group, served, u, availableFrom
WHERE availableFrom IS NOT NULL
WITH t, ws, skills, served, u, availableFrom,
  CASE WHEN t.site IS NULL OR u.homeBase IS NULL THEN null ELSE point.distance(t.site, u.homeBase) / 1000.0 END AS km,
  COLLECT {
    MATCH (u)<-[:ASSIGNED_TO]-(b:Ticket)
    WHERE b.status IN ['SCHEDULED', 'IN_PROGRESS'] AND b <> t
      AND b.scheduledStart >= datetime({date: date(availableFrom)})
      AND b.scheduledStart < datetime({date: date(availableFrom)}) + duration('P1D')
    RETURN b.estimatedMinutes
  } AS dayBookings
// served before: a resolved ticket or an activity of this technician for the customer's group
WITH t, ws, skills, u, availableFrom, km, reduce(m = 0, x IN dayBookings | m + x) AS bookedMinutes,
  CASE WHEN size(served) = 0 THEN null ELSE reduce(last = null, x IN COLLECT {
    MATCH (u)<-[:ASSIGNED_TO]-(done:Ticket)-[:FOR|REPORTED_BY]->(n)
    WHERE done.status IN ['RESOLVED', 'CLOSED'] AND done <> t AND n IN served
    RETURN coalesce(done.resolvedAt, done.updatedAt) AS at
    UNION
    MATCH (u)<-[:BY]-(a:Activity)-[:ABOUT]->(n)
    WHERE n IN served
    RETURN a.occurredAt AS at
  } | CASE WHEN last IS NULL OR x > last THEN x ELSE last END) END AS servedAt
WITH u, availableFrom, km, bookedMinutes, servedAt, skills,
  reduce(s = 0, x IN skills | s + x.level - x.min) AS surplus,
  duration.inSeconds(ws, availableFrom).seconds / 3600.0 AS waitHours
WITH u, availableFrom, km, bookedMinutes, servedAt, skills, surplus, waitHours,
  $w.base + $w.surplus * surplus - $w.km * coalesce(km, $w.unknownKm) - $w.waitHour * waitHours
    - $w.bookedHour * bookedMinutes / 60.0 + CASE WHEN servedAt IS NULL THEN 0 ELSE $w.served END AS score
RETURN """
    + USER
    + """ AS user, score, km AS distanceKm, availableFrom.epochMillis AS availableFrom,
  servedAt.epochMillis AS servedAt, bookedMinutes, surplus, skills
ORDER BY score DESC, availableFrom, u.name, u.id
LIMIT $limit
"""
)
