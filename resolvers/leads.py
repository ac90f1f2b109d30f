"""Resolvers for leads."""

from __future__ import annotations

from typing import Any, cast

import strawberry

from domain import companies, leads, opportunities, persons, reads
from domain.errors import NotFound
from schema.compiled import selection
from schema.context import Info
from schema.inputs.leads import (
    ConvertLeadInput,
    CreateLeadInput,
    LeadFilter,
    QualificationAttemptInput,
    UpdateLeadInput,
)
from schema.types.common import Connection, plain
from schema.types.core import Company, Person
from schema.types.leads import LeadConversion
from schema.types.sales import Lead, Opportunity


async def lead(info: Info, id: strawberry.ID) -> Lead | None:
    return cast(Lead | None, await reads.node(info.context.deps, info.context.who, "Lead", id, selection(info)))


async def leads_(
    info: Info, first: int | None = 50, after: str | None = None, filter: LeadFilter | None = None
) -> Connection[Lead]:
    flt = plain(filter) if filter else None
    page = await reads.leads(info.context.deps, info.context.who, selection(info), first, after, flt)
    return cast(Connection[Lead], page)


async def _lead(info: Info, lead_id: str) -> Lead:
    found = await lead(info, strawberry.ID(lead_id))
    if found is None:
        raise NotFound(f"no lead {lead_id!r}")
    return found


async def _row(info: Info, lead_id: str) -> dict[str, Any]:
    """A lead inside another payload (the compiled read needs the lead's own selection)."""
    row = await leads.get(info.context.deps, lead_id)
    if row is None:
        raise NotFound(f"no lead {lead_id!r}")
    return row


async def create_lead(info: Info, input: CreateLeadInput) -> Lead:
    return await _lead(info, await leads.create(info.context.deps, info.context.who, plain(input)))


async def update_lead(info: Info, id: strawberry.ID, input: UpdateLeadInput) -> Lead:
    return await _lead(info, await leads.update(info.context.deps, info.context.who, id, plain(input)))


async def log_qualification_attempt(info: Info, lead_id: strawberry.ID, input: QualificationAttemptInput) -> Lead:
    return await _lead(info, await leads.attempt(info.context.deps, info.context.who, lead_id, plain(input)))


async def disqualify_lead(info: Info, lead_id: strawberry.ID, reason: str) -> Lead:
    return await _lead(info, await leads.disqualify(info.context.deps, info.context.who, lead_id, reason))


async def convert_lead(info: Info, lead_id: strawberry.ID, input: ConvertLeadInput | None = None) -> LeadConversion:
    deps = info.context.deps
    done = await leads.convert(deps, info.context.who, lead_id, plain(input) if input else {})
    person = await persons.get(deps, done["personId"])
    company = await companies.get(deps, done["companyId"]) if done["companyId"] else None
    opportunity = await opportunities.get(deps, done["opportunityId"]) if done["opportunityId"] else None
    if person is None:
        raise NotFound("the converted person vanished")
    return LeadConversion(
        lead=Lead.of(await _row(info, lead_id)),
        person=Person.of(person),
        company=Company.maybe(company),
        opportunity=Opportunity.maybe(opportunity),
    )
