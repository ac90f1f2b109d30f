"""[core] types for the read compiler: users, companies, units, persons."""

from __future__ import annotations

from graph.compiler.decl import Many, One, Page, Same, Type, Val, declare, ms
from graph.compiler.history import COMPANY_TIMELINE, TIMELINE


def point(prop: str) -> str:
    return (
        f"CASE WHEN {{v}}.{prop} IS NULL THEN null ELSE {{lat: {{v}}.{prop}.latitude, lon: {{v}}.{prop}.longitude}} END"
    )


def prop(name: str) -> Val:
    return Val("{v}." + name)


# Keyset pages of persons on (sortName, id); the range on sortName is index-backed.
PERSON_ORDER = "{t}.sortName, {t}.id"
PERSON_KEY = "[{t}.sortName, {t}.id]"
PERSON_AFTER = "{t}.sortName >= ${p}0 AND ({t}.sortName > ${p}0 OR {t}.id > ${p}1)"
# Opportunities of a company, newest first.
OPPORTUNITY_AFTER = "({t}.createdAt < datetime(${p}0) OR ({t}.createdAt = datetime(${p}0) AND {t}.id < ${p}1))"
REL_TYPES = "REPORTS_TO|INFLUENCES|KNOWS"

USER = Type(
    "User",
    {
        "id": prop("id"),
        "email": prop("email"),
        "name": prop("name"),
        "role": prop("role"),
        "team": prop("team"),
        "active": Val("coalesce({v}.active, true)"),
        # Often a home address: only for the user, ADMINs and SERVICE_AGENTs (parameters of the request).
        "homeBase": Val(
            "CASE WHEN {v}.homeBase IS NULL OR NOT ($viewerSeesHomeBases OR {v}.id = $viewerId) THEN null "
            "ELSE {lat: {v}.homeBase.latitude, lon: {v}.homeBase.longitude} END"
        ),
    },
)

EXTERNAL_ID = Type("ExternalId", {"system": prop("system"), "value": prop("value")})
EXTERNAL_IDS = Many("MATCH ({v})<-[:IDENTIFIES]-({t}:ExternalId)", "ExternalId", "{t}.system, {t}.value")

COMPANY = Type(
    "Company",
    {
        "id": prop("id"),
        "name": prop("name"),
        "domain": prop("domain"),
        "industry": prop("industry"),
        "city": prop("city"),
        "country": prop("country"),
        "location": Val(point("location")),
        "isReference": Val("coalesce({v}.isReference, false)"),
        "createdAt": Val("{v}.createdAt.epochMillis", ms),
        "updatedAt": Val("{v}.updatedAt.epochMillis", ms),
        "parent": One("({v})-[:SUBSIDIARY_OF]->({t}:Company)", "Company"),
        "subsidiaries": Many("MATCH ({v})<-[:SUBSIDIARY_OF]-({t}:Company)", "Company", "{t}.sortName, {t}.id"),
        "units": Many(
            "MATCH ({v})<-[:UNIT_OF]-({t}:Unit) WHERE NOT ({t})-[:PART_OF]->(:Unit)", "Unit", "{t}.name, {t}.id"
        ),
        "owner": One("({v})-[:OWNED_BY]->({t}:User)", "User"),
        "externalIds": EXTERNAL_IDS,
        "phones": Val("coalesce({v}.phones, [])"),
        "contacts": Page(
            "MATCH ({t}:Person)-[:WORKS_AT]->({v}) WHERE {where}",
            "Person",
            PERSON_ORDER,
            PERSON_KEY,
            PERSON_AFTER,
            "COUNT { (:Person)-[:WORKS_AT]->({v}) }",
        ),
        "opportunities": Page(
            "MATCH ({t}:Opportunity)-[:FOR]->({v}) WHERE {where}",
            "Opportunity",
            "{t}.createdAt DESC, {t}.id DESC",
            "[toString({t}.createdAt), {t}.id]",
            OPPORTUNITY_AFTER,
            "COUNT { (:Opportunity)-[:FOR]->({v}) }",
        ),
        "timeline": COMPANY_TIMELINE,
    },
)

UNIT = Type(
    "Unit",
    {
        "id": prop("id"),
        "name": prop("name"),
        "company": One("({v})-[:UNIT_OF]->({t}:Company)", "Company"),
        "parent": One("({v})-[:PART_OF]->({t}:Unit)", "Unit"),
        "children": Many("MATCH ({v})<-[:PART_OF]-({t}:Unit)", "Unit", "{t}.name, {t}.id"),
        "members": Page(
            "MATCH ({t}:Person)-[:MEMBER_OF]->({v}) WHERE {where}",
            "Person",
            PERSON_ORDER,
            PERSON_KEY,
            PERSON_AFTER,
            "COUNT { (:Person)-[:MEMBER_OF]->({v}) }",
        ),
    },
)

# Scope: v = the person, w = WORKS_AT or WORKED_AT, c = the company.
EMPLOYMENT = Type(
    "Employment",
    {
        "company": Same("Company", {"v": "c"}),
        "jobTitle": Val("CASE WHEN type({w}) = 'WORKS_AT' THEN {v}.jobTitle ELSE {w}.jobTitle END"),
        "since": Val("{w}.since.epochMillis", ms),
        "until": Val("{w}.until.epochMillis", ms),
        "current": Val("type({w}) = 'WORKS_AT'"),
    },
)

PERSON = Type(
    "Person",
    {
        "id": prop("id"),
        "firstName": prop("firstName"),
        "lastName": prop("lastName"),
        "fullName": Val("coalesce({v}.fullName, {v}.lastName)"),
        "email": prop("email"),
        "phones": Val("coalesce({v}.phones, [])"),
        "jobTitle": prop("jobTitle"),
        "city": prop("city"),
        "country": prop("country"),
        "location": Val(point("location")),
        "tags": Val("coalesce({v}.tags, [])"),
        "source": prop("source"),
        "createdAt": Val("{v}.createdAt.epochMillis", ms),
        "updatedAt": Val("{v}.updatedAt.epochMillis", ms),
        "company": One("({v})-[:WORKS_AT]->({t}:Company)", "Company"),
        "unit": One("({v})-[:MEMBER_OF]->({t}:Unit)", "Unit"),
        "owner": One("({v})-[:OWNED_BY]->({t}:User)", "User"),
        "externalIds": EXTERNAL_IDS,
        "employmentHistory": Many(
            "MATCH ({v})-[{_w}:WORKS_AT|WORKED_AT]->({t}:Company)",
            "Employment",
            "{_w}.since DESC",
            {"v": "v", "w": "_w", "c": "t"},
        ),
        "relations": Page(
            "MATCH ({v})-[{_r}:" + REL_TYPES + "]-(:Person) "
            "WITH {_r}, startNode({_r}) AS {_a}, endNode({_r}) AS {_b} WHERE {where}",
            "PersonRelation",
            "type({_r}), {_a}.id, {_b}.id",
            "[type({_r}), {_a}.id, {_b}.id]",
            "[type({_r}), {_a}.id, {_b}.id] > ${p}after",
            "COUNT { ({v})-[:" + REL_TYPES + "]-(:Person) }",
            {"r": "_r", "a": "_a", "b": "_b"},
        ),
        "timeline": TIMELINE,
    },
)

# Scope: r = the relation, a = its start, b = its end.
PERSON_RELATION = Type(
    "PersonRelation",
    {
        "type": Val("type({r})"),
        "strength": Val("{r}.strength"),
        "from": Same("Person", {"v": "a"}, py="from_"),
        "to": Same("Person", {"v": "b"}),
    },
)

declare(USER, EXTERNAL_ID, COMPANY, UNIT, EMPLOYMENT, PERSON, PERSON_RELATION)
