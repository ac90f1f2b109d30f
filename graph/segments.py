"""[b2c] Segments: the Cypher fragments a rule compiles to, and the statements around them.

A rule becomes ONE predicate over `p:Person` (domain/segments.py). Every fragment here is a constant;
`{x}` names the parameter the compiler generates for the value (`$seg3`), never the value itself.
Field expressions come from this fixed whitelist, keyed by the SegmentField enum.
"""

from __future__ import annotations

# SegmentField -> the expression it reads on p.
FIELDS = {
    "CITY": "p.city",
    "COUNTRY": "p.country",
    "SOURCE": "p.source",
    "TAGS": "p.tags",
    "CREATED_AT": "p.createdAt",
    "LAST_ORDER_AT": "p.lastOrderAt",
    "ORDER_COUNT": "coalesce(p.orderCount, 0)",
    "TOTAL_SPENT": "coalesce(p.totalSpentCents, 0)",
    "EMAIL_DOMAIN": "p.emailLower",
}

# Text fields (CITY, COUNTRY, SOURCE): EQ, NEQ and IN exact (index-backed), CONTAINS case-insensitive.
TEXT = {
    "EQ": "{f} = {x}",
    "IN": "{f} IN {x}",
    "CONTAINS": "toLower({f}) CONTAINS toLower({x})",
}
TAGS = {
    "CONTAINS": "{x} IN {f}",
    "IN": "any(t IN {f} WHERE t IN {x})",
}
NUMBER = {
    "EQ": "{f} = {x}",
    "IN": "{f} IN {x}",
    "GT": "{f} > {x}",
    "GTE": "{f} >= {x}",
    "LT": "{f} < {x}",
    "LTE": "{f} <= {x}",
}
TIME = {
    "GT": "{f} > datetime({x})",
    "GTE": "{f} >= datetime({x})",
    "LT": "{f} < datetime({x})",
    "LTE": "{f} <= datetime({x})",
    "WITHIN_DAYS": "{f} >= datetime() - duration({days: {x}})",
}
EMAIL_DOMAIN = {
    "EQ": "{f} ENDS WITH '@' + {x}",
    "IN": "any(d IN {x} WHERE {f} ENDS WITH '@' + d)",
}
EXISTS = "{f} IS NOT NULL"
# The same test, but no index seek on it (null counts as false anyway): beside an equality on an indexed field,
# which reads far fewer persons than a range of times.
NO_SEEK = "coalesce({e}, false)"
TAGS_EXIST = "size(coalesce({f}, [])) > 0"

# purchased: orders of the person (optionally of one product, optionally in the last days), at least {n}.
PURCHASED_ANY = "coalesce(p.orderCount, 0) >= {n}"
PURCHASED_RECENTLY = "p.lastOrderAt >= datetime() - duration({days: {d}})"
PURCHASED = (
    "COUNT { MATCH (p)-[:PLACED]->(o:Order) WHERE ({d} IS NULL OR o.placedAt >= datetime() - duration({days: {d}})) "
    "AND ({sku} IS NULL OR EXISTS { (o)-[:CONTAINS]->(:Product {sku: {sku}}) }) } >= {n}"
)
ATTENDED = "EXISTS { (p)-[:PARTICIPATES {status: 'ATTENDED'}]->(:Event {id: {x}}) }"
HAS_CONSENT = (
    "EXISTS { MATCH (p)-[:HAS_CONSENT]->(c:Consent {channel: {ch}, status: 'GRANTED'}) "
    "WHERE {pu} IS NULL OR c.purpose = {pu} }"
)

RULES = "UNWIND $ids AS id MATCH (s:Segment {id: id}) RETURN s.id AS id, s.rule AS rule"
EVENTS_EXIST = "UNWIND $ids AS id MATCH (e:Event {id: id}) RETURN e.id AS id"
SIZE = "MATCH (p:Person) WHERE {predicate} RETURN count(p) AS size"
# `p.id > $afterId` alone (the first page: after ''): a range seek on the unique index in id order, so a page reads
# from the cursor on and stops at `limit` members instead of scanning and sorting every person. One row with the
# list (in id order): the driver costs tens of microseconds per record, next to nothing per list element.
MEMBER_IDS = (
    "MATCH (p:Person) WHERE p.id > $afterId AND ({predicate}) WITH p ORDER BY p.id LIMIT $limit "
    "RETURN collect(p.id) AS ids"
)
MEMBERS = "MATCH (p:Person) WHERE ({predicate}) AND {keyset}"

# Every segment write holds this lock until it commits: inclusion edges change one writer at a time, so a
# cycle check sees every committed edge (two updates that would close a cycle together cannot both pass).
LOCK = "MERGE (l:Lock {name: 'segments'}) SET l.at = datetime()"

CREATE = """
CREATE (s:Segment:Entity {id: $id, name: $name, rule: $rule, createdAt: datetime(), updatedAt: datetime()})
"""
STATE = "MATCH (s:Segment {id: $id}) RETURN s.name AS name, s.rule AS rule"
UPDATE = """
MATCH (s:Segment {id: $id})
SET s.name = coalesce($name, s.name), s.rule = coalesce($rule, s.rule), s.updatedAt = datetime()
"""
# The segments a rule names (inSegmentId): the INCLUDES edges are replaced by these.
SET_INCLUDES = """
MATCH (s:Segment {id: $id})
OPTIONAL MATCH (s)-[old:INCLUDES]->(:Segment)
DELETE old
WITH DISTINCT s
UNWIND $included AS other
MATCH (o:Segment {id: other})
CREATE (s)-[:INCLUDES]->(o)
RETURN collect(o.id) AS linked
"""
# Included segments from which the segment is reachable again: each closes a cycle.
CYCLES = """
MATCH (s:Segment {id: $id})
RETURN [x IN $included WHERE EXISTS { MATCH (:Segment {id: x})-[:INCLUDES*0..]->(s) }] AS cyclic
"""
USED = """
MATCH (s:Segment {id: $id})
RETURN COUNT { (:Mailing)-[:TO_SEGMENT]->(s) } AS mailings, COUNT { (:Segment)-[:INCLUDES]->(s) } AS segments
"""
DELETE = "MATCH (s:Segment {id: $id}) DETACH DELETE s"
