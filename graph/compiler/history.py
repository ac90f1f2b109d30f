"""The customer history for the read compiler: activities, timelines (keyset pages), leads."""

from __future__ import annotations

from graph.common import millis
from graph.compiler.decl import Many, One, Page, Type, Union, Val, declare, ms


def prop(name: str) -> Val:
    return Val("{v}." + name)


# Newest first on (occurredAt, id); the cursor holds the time as a string.
ORDER = "{t}.occurredAt DESC, {t}.id DESC"
KEY = "[toString({t}.occurredAt), {t}.id]"
AFTER = "({t}.occurredAt < datetime(${p}0) OR ({t}.occurredAt = datetime(${p}0) AND {t}.id < ${p}1))"

# A person's or an opportunity's history: the activities about it.
TIMELINE = Page(
    "MATCH ({v})<-[:ABOUT]-({t}:Activity) WHERE {where}", "Activity", ORDER, KEY, AFTER,
    "COUNT { ({v})<-[:ABOUT]-(:Activity) }",
)  # fmt: skip

# A company's history covers its subsidiaries: a range of its timeline entries (see graph/activities.py),
# read in the index's own order so only `first` entries are touched, on page 1 as on page 50.
COMPANY_TIMELINE = Page(
    "MATCH ({_e}:TimelineEntry) WHERE {_e}.companyId = {v}.id AND {_e}.activityId IS NOT NULL AND {where}",
    "Activity",
    "{_e}.companyId DESC, {_e}.at DESC, {_e}.activityId DESC",
    KEY,
    "{_e}.at <= datetime(${p}0) AND ({_e}.at < datetime(${p}0) OR {_e}.activityId < ${p}1)",
    "COUNT { MATCH ({_n}:TimelineEntry) WHERE {_n}.companyId = {v}.id AND {_n}.at IS NOT NULL "
    "AND {_n}.activityId IS NOT NULL }",
    then="MATCH ({_e})-[:OF]->({t}:Activity)",
    first_page="{_e}.at <= datetime('+999999999-12-31T23:59:59.999999999Z')",
)

ACTIVITY = Type(
    "Activity",
    {
        "id": prop("id"),
        "type": prop("type"),
        "subject": prop("subject"),
        "body": prop("body"),
        "outcome": prop("outcome"),
        "occurredAt": Val(millis("{v}.occurredAt"), ms),
        "durationMinutes": prop("durationMinutes"),
        "by": One("({v})-[:BY]->({t}:User)", "User"),
        # What it is about, as stored (implicit links to a person's company left out).
        "about": Union(
            "MATCH ({v})-[{_r}:ABOUT]->({t}) WHERE {_r}.implicit IS NULL",
            {
                "Person": "Person",
                "Company": "Company",
                "Opportunity": "Opportunity",
                "Lead": "Lead",
                "Ticket": "Ticket",
            },
            "{t}.id",
        ),
    },
)

LEAD = Type(
    "Lead",
    {
        "id": prop("id"),
        "firstName": prop("firstName"),
        "lastName": prop("lastName"),
        "email": prop("email"),
        "phone": prop("phone"),
        "companyName": prop("companyName"),
        "companyDomain": prop("companyDomain"),
        "source": prop("source"),
        "status": prop("status"),
        "score": Val("coalesce({v}.score, 0)"),
        "nextAttemptAt": Val(millis("{v}.nextAttemptAt"), ms),
        "disqualifiedReason": prop("disqualifiedReason"),
        "createdAt": Val("{v}.createdAt.epochMillis", ms),
        "owner": One("({v})-[:OWNED_BY]->({t}:User)", "User"),
        "attempts": Many("MATCH ({t}:Activity)-[:ABOUT]->({v})", "Activity", "{t}.occurredAt, {t}.id"),
        "convertedPerson": One("({v})-[:CONVERTED_TO]->({t}:Person)", "Person"),
    },
)

declare(ACTIVITY, LEAD)
