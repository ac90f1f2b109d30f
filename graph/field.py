"""Cypher for field sales: what is near a point, and where the stops of a route are."""

from __future__ import annotations

from graph.companies import BASE as COMPANY_BASE
from graph.persons import BASE as PERSON_BASE

# Both branches use the point indexes: distance predicates on indexed points are range seeks.
NEARBY = (
    """
WITH point({latitude: $lat, longitude: $lon}) AS here
CALL (here) {
  MATCH (c:Company) WHERE $companies AND point.distance(c.location, here) <= $meters
  RETURN 'Company' AS label, c {"""
    + COMPANY_BASE
    + """} AS hit, point.distance(c.location, here) AS meters
  UNION
  MATCH (p:Person) WHERE $persons AND point.distance(p.location, here) <= $meters
  RETURN 'Person' AS label, p {"""
    + PERSON_BASE
    + """} AS hit, point.distance(p.location, here) AS meters
}
RETURN label, hit, meters ORDER BY meters, hit.id LIMIT $first
"""
)

STOPS = (
    """
UNWIND $ids AS id
OPTIONAL MATCH (n:Entity {id: id}) WHERE n:Company OR n:Person
RETURN id, CASE WHEN n:Company THEN 'Company' WHEN n:Person THEN 'Person' END AS label,
  CASE WHEN n:Company THEN [c IN [n] | c {"""
    + COMPANY_BASE
    + """}][0] WHEN n:Person THEN [p IN [n] | p {"""
    + PERSON_BASE
    + """}][0] END AS node
"""
)
