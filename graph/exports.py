"""Cypher for exports: flat rows read in keyset pages (never a whole list at once)."""

from __future__ import annotations

from graph.common import point_of
from graph.companies import CONDITIONS as COMPANY_CONDITIONS
from graph.companies import KEYSET as COMPANY_KEYSET
from graph.persons import CONDITIONS as PERSON_CONDITIONS
from graph.persons import KEYSET as PERSON_KEYSET

__all__ = ["COMPANY_CONDITIONS", "COMPANY_KEYSET", "PERSON_CONDITIONS", "PERSON_KEYSET"]

PERSON_ROW = (
    "p {.id, .firstName, .lastName, .fullName, .email, .jobTitle, .city, .country, .source, "
    "phones: coalesce(p.phones, []), tags: coalesce(p.tags, []), "
    "createdAt: p.createdAt.epochMillis, updatedAt: p.updatedAt.epochMillis, "
    f"location: {point_of('p', 'location')}, "
    "company: [(p)-[:WORKS_AT]->(c:Company) | c.name][0], companyId: [(p)-[:WORKS_AT]->(c:Company) | c.id][0], "
    "owner: [(p)-[:OWNED_BY]->(u:User) | u.name][0]}"
)
COMPANY_ROW = (
    "c {.id, .name, .domain, .industry, .city, .country, isReference: coalesce(c.isReference, false), "
    "phones: coalesce(c.phones, []), createdAt: c.createdAt.epochMillis, updatedAt: c.updatedAt.epochMillis, "
    "parent: [(c)-[:SUBSIDIARY_OF]->(s:Company) | s.name][0], parentId: [(c)-[:SUBSIDIARY_OF]->(s:Company) | s.id][0], "
    "owner: [(c)-[:OWNED_BY]->(u:User) | u.name][0], "
    "contacts: COUNT { (c)<-[:WORKS_AT]-(:Person) }}"
)

# Persons in name order; {match} is PERSONS_ALL or PERSONS_OF_COMPANY, {where} the filters set plus the keyset.
PERSONS_ALL = "MATCH (p:Person)"
PERSONS_OF_COMPANY = "MATCH (:Company {id: $companyId})<-[:WORKS_AT]-(p:Person)"
PERSON_PAGE = (
    "{match} WHERE {where} WITH p ORDER BY p.sortName, p.id LIMIT $limit "
    "RETURN " + PERSON_ROW + " AS row, p.sortName AS sortName"
)
COMPANY_PAGE = (
    "MATCH (c:Company) WHERE {where} WITH c ORDER BY c.sortName, c.id LIMIT $limit "
    "RETURN " + COMPANY_ROW + " AS row, c.sortName AS sortName"
)
PERSON_BY_ID = "MATCH (p:Person {id: $id}) RETURN " + PERSON_ROW + " AS row"
PERSONS_BY_IDS = "UNWIND $ids AS id MATCH (p:Person {id: id}) RETURN " + PERSON_ROW + " AS row"

# Search hits of one label, best match first, in keyset pages on (score, id); the same Lucene query as `search`.
SEARCH_PAGE = """
CALL db.index.fulltext.queryNodes('search', $query) YIELD node, score
WITH node AS {var}, score WHERE {var}:{label}
  AND (score < $afterScore OR (score = $afterScore AND {var}.id > $afterId))
WITH {var}, score ORDER BY score DESC, {var}.id LIMIT $limit
RETURN {row} AS row, score
"""

# Activities newest first, keyset on (occurredAt, id). A company's come from its timeline entries (its group's
# history, read in the index's order); a person's from ABOUT; a user's own from BY.
ACTIVITY_ROW = (
    "a {.id, .type, .subject, .body, .outcome, .durationMinutes, occurredAt: a.occurredAt.epochMillis, "
    "by: [(a)-[:BY]->(u:User) | u {.name, .email}][0], "
    "people: [(a)-[r:ABOUT]->(p:Person) WHERE r.implicit IS NULL | {name: p.fullName, email: p.email}], "
    "company: [(a)-[:ABOUT]->(c:Company) | c.name][0]}"
)
_ACTIVITY_AFTER = "(a.occurredAt < datetime($afterAt) OR (a.occurredAt = datetime($afterAt) AND a.id < $afterId))"
_ACTIVITY_RETURN = (
    " AND ($type IS NULL OR a.type = $type) WITH a ORDER BY a.occurredAt DESC, a.id DESC LIMIT $limit "
    "RETURN " + ACTIVITY_ROW + " AS row, toString(a.occurredAt) AS at"
)
ACTIVITIES_OF_PERSON = (
    "MATCH (:Person {id: $personId})<-[:ABOUT]-(a:Activity) WHERE " + _ACTIVITY_AFTER + _ACTIVITY_RETURN
)
ACTIVITIES_BY_USER = "MATCH (:User {id: $userId})<-[:BY]-(a:Activity) WHERE " + _ACTIVITY_AFTER + _ACTIVITY_RETURN
ACTIVITIES_OF_COMPANY = (
    "MATCH (e:TimelineEntry) WHERE e.companyId = $companyId AND e.activityId IS NOT NULL "
    "AND e.at <= datetime($afterAt) AND (e.at < datetime($afterAt) OR e.activityId < $afterId) "
    "MATCH (e)-[:OF]->(a:Activity) WHERE ($type IS NULL OR a.type = $type) "
    "WITH e, a ORDER BY e.companyId DESC, e.at DESC, e.activityId DESC LIMIT $limit "
    "RETURN " + ACTIVITY_ROW + " AS row, toString(a.occurredAt) AS at"
)
EXISTS = "MATCH (n:Entity {id: $id}) WHERE $label IN labels(n) RETURN n.id AS id"
