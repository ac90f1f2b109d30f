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


# Write locks, taken first in a transaction whose checks must still hold when it commits: writers
# that take the same lock run one after another, and each one's checks read what the previous one
# committed. A lock is a property written and removed again; it is held until the transaction ends.
LOCK_NAMED = "MERGE (l:Lock {name: $name}) SET l._lock = true REMOVE l._lock"
# Every change to the corporate groups (a company's parent, a company with subsidiaries deleted).
CORPORATE_GROUPS = "corporate-groups"
# Lead conversions that look a company up by domain and create it when there is none.
COMPANY_BY_DOMAIN = "company-by-domain"

CHECK_REFS = """
UNWIND $refs AS ref
OPTIONAL MATCH (n:Entity {id: ref.id})
RETURN ref.field AS field, ref.id AS id, n IS NOT NULL AND ref.label IN labels(n) AS ok
"""

# The same check after taking each node's write lock (in id order, so writers do not deadlock):
# a node deleted or erased meanwhile fails the check, and it cannot be until this transaction ends.
LOCK_REFS = """
UNWIND $refs AS ref
WITH ref ORDER BY ref.id
OPTIONAL MATCH (n:Entity {id: ref.id})
CALL (n) {
  WITH n WHERE n IS NOT NULL
  SET n._lock = true REMOVE n._lock
}
RETURN ref.field AS field, ref.id AS id, n IS NOT NULL AND ref.label IN labels(n) AS ok
"""


EXTERNAL_IDS = "externalIds: COLLECT {{ MATCH ({v})<-[:IDENTIFIES]-(x:ExternalId) RETURN x {{.system, .value}} ORDER BY x.system, x.value }}"

# An external id is an :ExternalId node keyed on (label, system, value) by the composite constraint
# `externalid_system_value`: no string joining, so ("erp|X", "42") and ("erp", "X|42") are two ids.
ADD_EXTERNAL_IDS = """
MATCH (n:Entity {id: $id})
UNWIND $externalIds AS ext
CREATE (x:ExternalId {label: $label, system: ext.system, value: ext.value})
CREATE (x)-[:IDENTIFIES]->(n)
"""

EXISTING_EXTERNAL_IDS = """
UNWIND $externalIds AS ext
MATCH (x:ExternalId {label: $label, system: ext.system, value: ext.value})
RETURN x.system AS system, x.value AS value
"""

BY_EXTERNAL_ID = (
    "MATCH (:ExternalId {label: $label, system: $system, value: $value})-[:IDENTIFIES]->(n) RETURN n.id AS id"
)
