"""Lead conversion (the Lead type lives beside Activity in schema.types.sales; lead inputs in schema.inputs.leads)."""

from __future__ import annotations

import strawberry

from schema.types.core import Company, Person
from schema.types.sales import Lead, Opportunity


@strawberry.type
class LeadConversion:
    lead: Lead
    person: Person
    company: Company | None = strawberry.field(
        description="An existing company with the lead's domain is reused, not duplicated."
    )
    opportunity: Opportunity | None
