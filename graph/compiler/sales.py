"""[sales] and [b2b] types for the read compiler: opportunities and their buying centers."""

from __future__ import annotations

from graph.common import millis
from graph.compiler.core import REL_TYPES, prop
from graph.compiler.decl import Many, One, Same, Type, Val, decimal, declare, iso_date, ms
from graph.compiler.history import TIMELINE

STAGE_CHANGE = Type(
    "StageChange",
    {
        "from": Val("{v}.from", py="from_"),
        "to": prop("to"),
        "at": Val("{v}.at.epochMillis", ms),
        "by": One("({v})-[:BY]->({t}:User)", "User"),
    },
)

OPPORTUNITY_ALERT = Type(
    "OpportunityAlert",
    {
        "id": prop("id"),
        "kind": prop("kind"),
        "raisedAt": Val("{v}.raisedAt.epochMillis", ms),
        "message": prop("message"),
    },
)

OPPORTUNITY = Type(
    "Opportunity",
    {
        "id": prop("id"),
        "name": prop("name"),
        "amount": Val("{v}.amount", decimal),
        "currency": prop("currency"),
        "stage": prop("stage"),
        "probability": Val("toFloat({v}.probability)"),
        "expectedCloseDate": Val("toString({v}.expectedCloseDate)", iso_date),
        "nextStep": prop("nextStep"),
        "nextStepDue": Val("toString({v}.nextStepDue)", iso_date),
        "lastActivityAt": Val(millis("{v}.lastActivityAt"), ms),
        "createdAt": Val("{v}.createdAt.epochMillis", ms),
        "updatedAt": Val("{v}.updatedAt.epochMillis", ms),
        "company": One("({v})-[:FOR]->({t}:Company)", "Company"),
        "owner": One("({v})-[:OWNED_BY]->({t}:User)", "User"),
        # Ties in time are broken by the sequence number, read on the node before projection.
        "stageHistory": Many("MATCH ({v})<-[:OF]-({t}:StageChange)", "StageChange", "{t}.seq, {t}.at"),
        "alerts": Many(
            "MATCH ({v})<-[:ON]-({t}:OpportunityAlert) WHERE {t}.resolvedAt IS NULL AND {t}.acknowledgedAt IS NULL",
            "OpportunityAlert",
            "{t}.raisedAt, {t}.kind",
        ),
        "buyingCenter": Same("BuyingCenter"),
        "timeline": TIMELINE,
    },
)

# Scope: v = the opportunity. Each derived part is computed only when selected.
BUYING_CENTER = Type(
    "BuyingCenter",
    {
        "opportunity": Same("Opportunity"),
        "members": Many(
            "MATCH ({t}:Person)-[{_m}:IN_BUYING_CENTER]->({v})",
            "BuyingCenterMember",
            "{t}.sortName, {t}.id",
            {"v": "t", "m": "_m", "o": "v"},
        ),
        "relations": Many(
            "MATCH ({_a}:Person)-[:IN_BUYING_CENTER]->({v}) "
            "MATCH ({_a})-[{_r}:" + REL_TYPES + "]->({_b}:Person)-[:IN_BUYING_CENTER]->({v})",
            "PersonRelation",
            "type({_r}), {_a}.id, {_b}.id",
            {"r": "_r", "a": "_a", "b": "_b"},
        ),
        "missingRoles": Val(
            "[{_x} IN $requiredRoles WHERE NOT EXISTS "
            "{ MATCH (:Person)-[{_m}:IN_BUYING_CENTER]->({v}) WHERE {_x} IN {_m}.roles }]"
        ),
        "neglectedMembers": Many(
            "MATCH ({t}:Person)-[:IN_BUYING_CENTER]->({v}) WHERE NOT EXISTS "
            "{ MATCH ({t})<-[:ABOUT]-({_a}:Activity) WHERE {_a}.occurredAt >= datetime() - duration({days: $neglectDays}) }",
            "Person",
            "{t}.sortName, {t}.id",
        ),
    },
)

# Scope: v = the person, m = the membership, o = the opportunity.
BUYING_CENTER_MEMBER = Type(
    "BuyingCenterMember",
    {
        "person": Same("Person"),
        "roles": Val("coalesce({m}.roles, [])"),
        "attitude": Val("coalesce({m}.attitude, 'UNKNOWN')"),
        "lastInteractionAt": Val(
            "COLLECT { MATCH ({v})<-[:ABOUT]-({_a}:Activity) WHERE {_a}.occurredAt IS NOT NULL "
            "RETURN " + millis("{_a}.occurredAt") + " AS at ORDER BY at DESC LIMIT 1 }[0]",
            ms,
        ),
        # Outside the customer's corporate group: no group, or not working anywhere in it.
        "external": Val(
            "NOT EXISTS { MATCH ({o})-[:FOR]->(:Company)-[:SUBSIDIARY_OF*0..]->({_g}:Company) "
            "WHERE NOT ({_g})-[:SUBSIDIARY_OF]->(:Company) "
            "AND EXISTS { ({v})-[:WORKS_AT]->(:Company)-[:SUBSIDIARY_OF*0..]->({_g}) } }"
        ),
    },
)

declare(STAGE_CHANGE, OPPORTUNITY_ALERT, OPPORTUNITY, BUYING_CENTER, BUYING_CENTER_MEMBER)
