"""Input objects of the [core] section."""

from __future__ import annotations

import strawberry

from schema.enums import Role
from schema.inputs.common import ExternalIdInput, GeoPointInput

UNSET = strawberry.UNSET


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    role: Role
    password: str
    team: str | None = UNSET
    home_base: GeoPointInput | None = UNSET


@strawberry.input
class UpdateUserInput:
    name: str | None = UNSET
    role: Role | None = UNSET
    team: str | None = UNSET
    home_base: GeoPointInput | None = UNSET
    active: bool | None = UNSET


@strawberry.input
class CompanyFilter:
    name_contains: str | None = UNSET
    industry: str | None = UNSET
    city: str | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    parent_id: strawberry.ID | None = UNSET


@strawberry.input
class PersonFilter:
    name_contains: str | None = UNSET
    email: str | None = UNSET
    company_id: strawberry.ID | None = UNSET
    city: str | None = UNSET
    tag: str | None = UNSET
    consumer: bool | None = strawberry.field(default=UNSET, description="true: only contacts without a company (B2C)")


@strawberry.input
class CreateCompanyInput:
    name: str
    domain: str | None = UNSET
    industry: str | None = UNSET
    city: str | None = UNSET
    country: str | None = UNSET
    location: GeoPointInput | None = UNSET
    parent_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    is_reference: bool | None = UNSET
    phones: list[str] | None = strawberry.field(
        default=UNSET, description="Switchboard numbers (any notation; stored E.164)"
    )
    external_ids: list[ExternalIdInput] | None = UNSET


@strawberry.input
class UpdateCompanyInput:
    name: str | None = UNSET
    domain: str | None = UNSET
    industry: str | None = UNSET
    city: str | None = UNSET
    country: str | None = UNSET
    location: GeoPointInput | None = UNSET
    parent_id: strawberry.ID | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    is_reference: bool | None = UNSET
    phones: list[str] | None = strawberry.field(
        default=UNSET, description="Switchboard numbers (any notation; stored E.164)"
    )


@strawberry.input
class CreateUnitInput:
    company_id: strawberry.ID
    name: str
    parent_unit_id: strawberry.ID | None = UNSET


@strawberry.input
class UpdateUnitInput:
    name: str | None = UNSET
    parent_unit_id: strawberry.ID | None = UNSET


@strawberry.input
class CreatePersonInput:
    last_name: str
    first_name: str | None = UNSET
    email: str | None = UNSET
    phones: list[str] | None = UNSET
    job_title: str | None = UNSET
    company_id: strawberry.ID | None = UNSET
    unit_id: strawberry.ID | None = UNSET
    city: str | None = UNSET
    country: str | None = UNSET
    location: GeoPointInput | None = UNSET
    tags: list[str] | None = UNSET
    source: str | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    external_ids: list[ExternalIdInput] | None = UNSET


@strawberry.input
class UpdatePersonInput:
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    phones: list[str] | None = UNSET
    job_title: str | None = UNSET
    company_id: strawberry.ID | None = UNSET
    unit_id: strawberry.ID | None = UNSET
    city: str | None = UNSET
    country: str | None = UNSET
    location: GeoPointInput | None = UNSET
    tags: list[str] | None = UNSET
    owner_id: strawberry.ID | None = UNSET
