"""Input objects of synchronisation batches (upserts by external id)."""

from __future__ import annotations

import strawberry

from schema.inputs.common import ExternalIdInput

UNSET = strawberry.UNSET


@strawberry.input
class CompanyUpsertInput:
    external_id: ExternalIdInput
    name: str
    domain: str | None = UNSET
    industry: str | None = UNSET
    city: str | None = UNSET
    country: str | None = UNSET


@strawberry.input
class PersonUpsertInput:
    external_id: ExternalIdInput
    last_name: str
    first_name: str | None = UNSET
    email: str | None = UNSET
    phones: list[str] | None = UNSET
    city: str | None = UNSET
    country: str | None = UNSET
    company_external_id: ExternalIdInput | None = UNSET
