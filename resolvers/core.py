"""Resolvers of the [core] section: users, API keys, companies, units, persons, search."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from domain import companies, persons, units, users
from domain import search as search_uc
from domain.errors import BadInput
from domain.ids import label_of
from domain.pagination import page_args
from schema.context import Info
from schema.enums import Role
from schema.inputs import (
    CompanyFilter,
    CreateCompanyInput,
    CreatePersonInput,
    CreateUnitInput,
    CreateUserInput,
    PersonFilter,
    UpdateCompanyInput,
    UpdatePersonInput,
    UpdateUnitInput,
    UpdateUserInput,
)
from schema.selection import fields_at, node_includes, wants_total
from schema.types.common import Connection, Node, plain
from schema.types.core import ApiKey, ApiKeyPayload, AuthPayload, Company, Person, Unit, User
from schema.types.sales import Lead, Opportunity
from schema.types.service import Ticket

SearchHit = Annotated[
    Person | Company | Opportunity | Lead | Ticket,
    strawberry.union("SearchHit"),
]


def _top(info: Info, fragments: frozenset[str]) -> set[str]:
    return {name for name in fields_at(info) if name in fragments}


# ---- queries


def server_info() -> JSON:
    """What this server serves: version and the contract sections built so far."""
    return cast(
        JSON,
        {"version": "0.1.0", "sections": ["core", "b2b", "sales", "service", "mobile"], "partial": ["integrations"]},
    )


async def me(info: Info) -> User:
    return User.of(info.context.who.user)


async def node(info: Info, id: strawberry.ID) -> Node | None:
    label = label_of(id)
    deps = info.context.deps
    if label == "Company":
        return Company.maybe(await companies.get(deps, id))
    if label == "Person":
        return Person.maybe(await persons.get(deps, id))
    if label == "Unit":
        return Unit.maybe(await units.get(deps, id))
    if label == "User":
        return User.maybe(await users.get(deps, id))
    if label == "ApiKey":
        key = await users.api_key(deps, info.context.who, id)
        return ApiKey.of(key) if key else None
    if label == "Opportunity":
        from resolvers.sales import opportunity

        return await opportunity(info, id)
    if label == "Lead":
        from resolvers.leads import lead

        return await lead(info, id)
    if label == "Activity":
        from resolvers.sales import activity

        return await activity(info, id)
    if label == "Ticket":
        from resolvers.service import ticket

        return await ticket(info, id)
    return None


async def users_(
    info: Info, first: int | None = 50, after: str | None = None, role: Role | None = None
) -> Connection[User]:
    args = page_args(first, after, with_total=wants_total(info))
    page = await users.page(info.context.deps, args, role.value if role else None)
    return Connection[User].of(page, User.of)


async def api_keys(info: Info) -> list[ApiKey]:
    return [ApiKey.of(r) for r in await users.api_keys(info.context.deps, info.context.who)]


async def company(info: Info, id: strawberry.ID) -> Company | None:
    return Company.maybe(await companies.get(info.context.deps, id, _top(info, companies.PARTS)))


async def companies_(
    info: Info, first: int | None = 50, after: str | None = None, filter: CompanyFilter | None = None
) -> Connection[Company]:
    args = page_args(first, after, with_total=wants_total(info))
    include = node_includes(info, companies.PARTS)
    page = await companies.page(info.context.deps, args, plain(filter) if filter else None, include)
    return Connection[Company].of(page, Company.of)


async def company_by_external_id(info: Info, system: str, value: str) -> Company | None:
    row = await companies.by_external_id(info.context.deps, system, value, _top(info, companies.PARTS))
    return Company.maybe(row)


async def person(info: Info, id: strawberry.ID) -> Person | None:
    return Person.maybe(await persons.get(info.context.deps, id, _top(info, persons.PARTS)))


async def persons_(
    info: Info, first: int | None = 50, after: str | None = None, filter: PersonFilter | None = None
) -> Connection[Person]:
    args = page_args(first, after, with_total=wants_total(info))
    include = node_includes(info, persons.PARTS)
    page = await persons.page(info.context.deps, args, plain(filter) if filter else None, include)
    return Connection[Person].of(page, Person.of)


async def person_by_external_id(info: Info, system: str, value: str) -> Person | None:
    row = await persons.by_external_id(info.context.deps, system, value, _top(info, persons.PARTS))
    return Person.maybe(row)


async def search(info: Info, text: str, first: int | None = 20) -> list[SearchHit]:
    hits = await search_uc.search(info.context.deps, text, 20 if first is None else first)
    out: list[SearchHit] = []
    for label, row in hits:
        if label == "Person":
            out.append(Person.of(row))
        elif label == "Company":
            out.append(Company.of(row))
        elif label == "Lead":
            out.append(Lead.of(row))
        elif label == "Ticket":
            out.append(Ticket.of(row))
        elif label == "Opportunity":
            from resolvers.sales import opportunity

            found = await opportunity(info, row["id"])
            if found:
                out.append(found)
    return out


# ---- mutations


async def login(info: Info, email: str, password: str) -> AuthPayload:
    client = info.context.request.client
    token, user = await users.login(info.context.deps, email, password, client.host if client else None)
    return AuthPayload(token=token, user=User.of(user))


async def create_user(info: Info, input: CreateUserInput) -> User:
    return User.of(await users.create(info.context.deps, info.context.who, plain(input)))


async def update_user(info: Info, id: strawberry.ID, input: UpdateUserInput) -> User:
    return User.of(await users.update(info.context.deps, info.context.who, id, plain(input)))


async def create_api_key(info: Info, name: str, role: Role) -> ApiKeyPayload:
    row, key = await users.create_api_key(info.context.deps, info.context.who, name, role.value)
    return ApiKeyPayload(api_key=ApiKey.of(row), key=key)


async def revoke_api_key(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await users.revoke_api_key(info.context.deps, info.context.who, id))


async def _company(info: Info, company_id: str) -> Company:
    row = await companies.get(info.context.deps, company_id, _top(info, companies.PARTS))
    if row is None:
        raise BadInput("the company vanished while being written")
    return Company.of(row)


async def create_company(info: Info, input: CreateCompanyInput) -> Company:
    return await _company(info, await companies.create(info.context.deps, info.context.who, plain(input)))


async def update_company(info: Info, id: strawberry.ID, input: UpdateCompanyInput) -> Company:
    return await _company(info, await companies.update(info.context.deps, info.context.who, id, plain(input)))


async def delete_company(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await companies.delete(info.context.deps, info.context.who, id))


async def _unit(info: Info, unit_id: str) -> Unit:
    row = await units.get(info.context.deps, unit_id)
    if row is None:
        raise BadInput("the unit vanished while being written")
    return Unit.of(row)


async def create_unit(info: Info, input: CreateUnitInput) -> Unit:
    return await _unit(info, await units.create(info.context.deps, info.context.who, plain(input)))


async def update_unit(info: Info, id: strawberry.ID, input: UpdateUnitInput) -> Unit:
    return await _unit(info, await units.update(info.context.deps, info.context.who, id, plain(input)))


async def delete_unit(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await units.delete(info.context.deps, info.context.who, id))


async def _person(info: Info, person_id: str) -> Person:
    row = await persons.get(info.context.deps, person_id, _top(info, persons.PARTS))
    if row is None:
        raise BadInput("the person vanished while being written")
    return Person.of(row)


async def create_person(info: Info, input: CreatePersonInput) -> Person:
    return await _person(info, await persons.create(info.context.deps, info.context.who, plain(input)))


async def update_person(info: Info, id: strawberry.ID, input: UpdatePersonInput) -> Person:
    return await _person(info, await persons.update(info.context.deps, info.context.who, id, plain(input)))


async def delete_person(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await persons.delete(info.context.deps, info.context.who, id))


async def erase_person(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await persons.erase(info.context.deps, info.context.who, id))
