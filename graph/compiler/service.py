"""[service] types for the read compiler: tickets, skills, what a technician knows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graph.compiler.core import prop
from graph.compiler.decl import TYPES, Many, One, Same, Type, Val, declare, ms


def slot(value: Any) -> dict[str, Any] | None:
    """A booked slot as epoch milliseconds -> a TimeSlot's fields."""
    if value is None:
        return None
    return {"start": ms(value["start"]), "end": ms(value["end"])}


def maybe_ms(value: Any) -> Any:
    return None if value is None else ms(value)


SKILL = Type("Skill", {"id": prop("id"), "name": prop("name")})
# Scope: v = the skill, r = the relationship that carries the level.
SKILL_REQUIREMENT = Type(
    "SkillRequirement",
    {"skill": Same("Skill"), "minLevel": Val("{r}.minLevel")},
)
USER_SKILL = Type("UserSkill", {"skill": Same("Skill"), "level": Val("{r}.level")})

TICKET = Type(
    "Ticket",
    {
        "id": prop("id"),
        "subject": prop("subject"),
        "description": prop("description"),
        "priority": prop("priority"),
        "status": prop("status"),
        "site": Val("CASE WHEN {v}.site IS NULL THEN null ELSE {lat: {v}.site.latitude, lon: {v}.site.longitude} END"),
        "requiredSkills": Many(
            "MATCH ({v})-[{_q}:REQUIRES]->({t}:Skill)", "SkillRequirement", "{t}.key", {"v": "t", "r": "_q"}
        ),
        "estimatedMinutes": prop("estimatedMinutes"),
        "scheduled": Val(
            "CASE WHEN {v}.scheduledStart IS NULL THEN null "
            "ELSE {start: {v}.scheduledStart.epochMillis, end: {v}.scheduledEnd.epochMillis} END",
            slot,
        ),
        "dueAt": Val("{v}.dueAt.epochMillis", maybe_ms),
        "slaBreached": Val("coalesce({v}.slaBreached, false)"),
        "createdAt": Val("{v}.createdAt.epochMillis", ms),
        "company": One("({v})-[:FOR]->({t}:Company)", "Company"),
        "person": One("({v})-[:REPORTED_BY]->({t}:Person)", "Person"),
        "assignee": One("({v})-[:ASSIGNED_TO]->({t}:User)", "User"),
    },
)

# What a technician knows, read over the user (scope v).
USER_SKILLS = Many("MATCH ({v})-[{_h}:HAS_SKILL]->({t}:Skill)", "UserSkill", "{t}.key", {"v": "t", "r": "_h"})

declare(SKILL, SKILL_REQUIREMENT, USER_SKILL, TICKET)
# Users answer what they know; their availability (a window given as arguments) is read by its resolver.
TYPES["User"] = replace(
    TYPES["User"],
    fields={**TYPES["User"].fields, "skills": USER_SKILLS},
    fallback=TYPES["User"].fallback | {"availability"},
)
