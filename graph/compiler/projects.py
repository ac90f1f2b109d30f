"""[field] types for the read compiler: projects and documents; activities gain their site and documents.

A document is visible to ADMINs, to its uploader, and, once attached, to every role that reads documents
(`$viewerReadsDocuments`, see domain/documents.py); every read of documents carries that condition.
"""

from __future__ import annotations

from dataclasses import replace

from graph.compiler.core import point, prop
from graph.compiler.decl import TYPES, Many, One, Page, Type, Union, Val, declare, iso_date, ms
from graph.compiler.history import TIMELINE


def visible(var: str) -> str:
    """Whether the viewer may see the document `var` (parameters of every compiled read)."""
    return (
        f"($viewerIsAdmin OR EXISTS {{ ({var})-[:UPLOADED_BY]->(:User {{id: $viewerId}}) }} "
        f"OR ($viewerReadsDocuments AND EXISTS {{ ({var})-[:ATTACHED_TO]->() }}))"
    )


NEWEST_AFTER = "({t}.{at} < datetime(${p}0) OR ({t}.{at} = datetime(${p}0) AND {t}.id < ${p}1))"


def newest_first(match: str, target: str, at: str, total: str, **extra: object) -> Page:
    """A page newest first on (`at`, id)."""
    return Page(
        match,
        target,
        f"{{t}}.{at} DESC, {{t}}.id DESC",
        f"[toString({{t}}.{at}), {{t}}.id]",
        NEWEST_AFTER.replace("{at}", at),
        total,
        **extra,  # type: ignore[arg-type]
    )


# Documents attached to the node in scope, newest first, as far as the viewer may see them.
DOCUMENTS = newest_first(
    "MATCH ({t}:Document)-[:ATTACHED_TO]->({v}) WHERE " + visible("{t}") + " AND {where}",
    "Document",
    "uploadedAt",
    "COUNT { MATCH ({_d}:Document)-[:ATTACHED_TO]->({v}) WHERE " + visible("{_d}") + " }",
)

PROJECT = Type(
    "Project",
    {
        "id": prop("id"),
        "name": prop("name"),
        "status": prop("status"),
        "startsOn": Val("toString({v}.startsOn)", iso_date),
        "endsOn": Val("toString({v}.endsOn)", iso_date),
        "createdAt": Val("{v}.createdAt.epochMillis", ms),
        "company": One("({v})-[:FOR]->({t}:Company)", "Company"),
        "contact": One("({v})-[:CONTACT]->({t}:Person)", "Person"),
        "owner": One("({v})-[:OWNED_BY]->({t}:User)", "User"),
        "opportunity": One("({v})-[:FOR_OPPORTUNITY]->({t}:Opportunity)", "Opportunity"),
        "tickets": newest_first(
            "MATCH ({t}:Ticket)-[:IN_PROJECT]->({v}) WHERE {where}",
            "Ticket",
            "createdAt",
            "COUNT { (:Ticket)-[:IN_PROJECT]->({v}) }",
        ),
        "documents": DOCUMENTS,
        "timeline": TIMELINE,
    },
)

DOCUMENT = Type(
    "Document",
    {
        "id": prop("id"),
        "name": prop("name"),
        "contentType": prop("contentType"),
        "sizeBytes": prop("sizeBytes"),
        "sha256": prop("sha256"),
        "uploadedAt": Val("{v}.uploadedAt.epochMillis", ms),
        "uploadedBy": One("({v})-[:UPLOADED_BY]->({t}:User)", "User"),
        "downloadPath": Val("'/documents/' + {v}.id"),
        "project": One("({v})-[:ATTACHED_TO]->({t}:Project)", "Project"),
        "ticket": One("({v})-[:ATTACHED_TO]->({t}:Ticket)", "Ticket"),
        "company": One("({v})-[:ATTACHED_TO]->({t}:Company)", "Company"),
        "activity": One("({v})-[:ATTACHED_TO]->({t}:Activity)", "Activity"),
        "transcriptStatus": Val("coalesce({v}.transcriptStatus, 'NONE')"),
        "transcript": prop("transcript"),
    },
)

declare(PROJECT, DOCUMENT)

# A company's projects, newest first, optionally of one status.
TYPES["Company"] = replace(
    TYPES["Company"],
    fields={
        **TYPES["Company"].fields,
        "projects": newest_first(
            "MATCH ({t}:Project)-[:FOR]->({v}) WHERE {where}",
            "Project",
            "createdAt",
            "COUNT { MATCH ({_q}:Project)-[:FOR]->({v}) WHERE ${p}status IS NULL OR {_q}.status = ${p}status }",
            filters={"status": "{t}.status = ${p}status"},
        ),
    },
)

# Activities: the site of a visit report, the documents attached, and projects among their subjects.
_about = TYPES["Activity"].fields["about"]
assert isinstance(_about, Union)
TYPES["Activity"] = replace(
    TYPES["Activity"],
    fields={
        **TYPES["Activity"].fields,
        "location": Val(point("location")),
        "documents": Many(
            "MATCH ({t}:Document)-[:ATTACHED_TO]->({v}) WHERE " + visible("{t}"), "Document", "{t}.uploadedAt, {t}.id"
        ),
        "about": replace(_about, targets={**_about.targets, "Project": "Project"}),
    },
)
