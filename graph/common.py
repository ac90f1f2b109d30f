"""Cypher shared by every area: reference checks, generic node lookup, external ids."""

from __future__ import annotations

POINT = "CASE WHEN {v}.{p} IS NULL THEN null ELSE {{lat: {v}.{p}.latitude, lon: {v}.{p}.longitude}} END"


def point_of(var: str, prop: str) -> str:
    return POINT.format(v=var, p=prop)


def millis(expr: str) -> str:
    """`expr`.epochMillis; a stored time too far out for a 64-bit count (beyond about 292 million years from
    1970) reads as the largest or smallest one instead of failing the query."""
    return (
        f"CASE WHEN {expr} IS NULL THEN null WHEN abs({expr}.year) < 292000000 THEN {expr}.epochMillis "
        f"WHEN {expr}.year > 0 THEN 9223372036854775807 ELSE -9223372036854775807 END"
    )


def to_point(param: str) -> str:
    return f"CASE WHEN {param} IS NULL THEN null ELSE point({{latitude: {param}.lat, longitude: {param}.lon}}) END"


CHECK_REFS = """
UNWIND $refs AS ref
OPTIONAL MATCH (n:Entity {id: ref.id})
RETURN ref.field AS field, ref.id AS id, n IS NOT NULL AND ref.label IN labels(n) AS ok
"""


EXTERNAL_IDS = "externalIds: COLLECT {{ MATCH ({v})<-[:IDENTIFIES]-(x:ExternalId) RETURN x {{.system, .value}} ORDER BY x.system, x.value }}"

ADD_EXTERNAL_IDS = """
MATCH (n:Entity {id: $id})
UNWIND $externalIds AS ext
CREATE (x:ExternalId {key: $label + '|' + ext.system + '|' + ext.value, system: ext.system, value: ext.value})
CREATE (x)-[:IDENTIFIES]->(n)
"""

EXISTING_EXTERNAL_IDS = """
UNWIND $keys AS key
MATCH (x:ExternalId {key: key})
RETURN x.system AS system, x.value AS value
"""

BY_EXTERNAL_ID = "MATCH (:ExternalId {key: $key})-[:IDENTIFIES]->(n) RETURN n.id AS id"
