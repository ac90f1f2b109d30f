"""Resolvers of the [core] section: users, API keys, companies, units, persons, search."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from domain import companies, persons, reads, units, users
from domain.errors import NotFound
from domain.ids import label_of
from domain.pagination import page_args
from schema.compiled import selection
from schema.context import Info
from schema.enums import Role
from schema.inputs.core import (
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
from schema.selection import wants_total
from schema.types.common import Connection, Node, plain
from schema.types.core import ApiKey, ApiKeyPayload, AuthPayload, Company, Person, Unit, User
from schema.types.projects import Document, Project
from schema.types.sales import Lead, Opportunity
from schema.types.service import Ticket

SearchHit = Annotated[
    Person | Company | Opportunity | Lead | Ticket | Project | Document,
    strawberry.union("SearchHit"),
]


# ---- queries


def server_info() -> JSON:
    """What this server serves: version and the contract sections built so far."""
    return cast(
        JSON,
        {
            "version": "0.1.0",
            "sections": ["core", "b2b", "sales", "service", "mobile", "field"],
            "partial": ["integrations"],
        },
    )


async def me(info: Info) -> User:
    who = info.context.who
    # Through an API key the caller acts with the key's effective role, not the creator's.
    return User.of({**who.user, "role": who.role.value})


async def node(info: Info, id: strawberry.ID) -> Node | None:
    label = label_of(id)
    deps = info.context.deps
    if label in reads.NODE_TYPES:
        found = await reads.node(deps, info.context.who, reads.NODE_TYPES[label], id, selection(info))
        return cast(Node | None, found)
    if label == "ApiKey":
        key = await users.api_key(deps, info.context.who, id)
        return ApiKey.of(key) if key else None
    if label == "ImportJob":  # [b2c:imports]
        from resolvers.imports import import_job

        return await import_job(info, id)
    if label == "Ticket":
        from resolvers.service import ticket

        return await ticket(info, id)
    if label in ("Webhook", "WebhookDelivery"):
        from resolvers.webhooks import delivery_node, webhook_node

        return await (webhook_node if label == "Webhook" else delivery_node)(info, id)
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
    return cast(Company | None, await reads.node(info.context.deps, info.context.who, "Company", id, selection(info)))


async def companies_(
    info: Info, first: int | None = 50, after: str | None = None, filter: CompanyFilter | None = None
) -> Connection[Company]:
    flt = plain(filter) if filter else None
    page = await reads.companies(info.context.deps, info.context.who, selection(info), first, after, flt)
    return cast(Connection[Company], page)


async def company_by_external_id(info: Info, system: str, value: str) -> Company | None:
    found = await reads.by_external_id(info.context.deps, info.context.who, "Company", system, value, selection(info))
    return cast(Company | None, found)


async def person(info: Info, id: strawberry.ID) -> Person | None:
    return cast(Person | None, await reads.node(info.context.deps, info.context.who, "Person", id, selection(info)))


async def persons_(
    info: Info, first: int | None = 50, after: str | None = None, filter: PersonFilter | None = None
) -> Connection[Person]:
    flt = plain(filter) if filter else None
    page = await reads.persons(info.context.deps, info.context.who, selection(info), first, after, flt)
    return cast(Connection[Person], page)


async def person_by_external_id(info: Info, system: str, value: str) -> Person | None:
    found = await reads.by_external_id(info.context.deps, info.context.who, "Person", system, value, selection(info))
    return cast(Person | None, found)


async def search(info: Info, text: str, first: int | None = 20) -> list[SearchHit]:
    deps, size = info.context.deps, 20 if first is None else first
    return cast(list[SearchHit], await reads.search(deps, info.context.who, text, size, selection(info)))


# ---- mutations


async def login(info: Info, email: str, password: str) -> AuthPayload:
    token, user = await users.login(info.context.deps, email, password, info.context.client)
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


async def _written(info: Info, type_name: str, node_id: str) -> object:
    """A mutation's answer: the node just written, read as selected in one statement."""
    found = await reads.node(info.context.deps, info.context.who, type_name, node_id, selection(info))
    if found is None:  # deleted or erased by another request right after this one committed
        raise NotFound(f"the {type_name.lower()} {node_id!r} was removed while being written")
    return found


async def _company(info: Info, company_id: str) -> Company:
    return cast(Company, await _written(info, "Company", company_id))


async def create_company(info: Info, input: CreateCompanyInput) -> Company:
    return await _company(info, await companies.create(info.context.deps, info.context.who, plain(input)))


async def update_company(info: Info, id: strawberry.ID, input: UpdateCompanyInput) -> Company:
    return await _company(info, await companies.update(info.context.deps, info.context.who, id, plain(input)))


async def delete_company(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await companies.delete(info.context.deps, info.context.who, id))


async def _unit(info: Info, unit_id: str) -> Unit:
    return cast(Unit, await _written(info, "Unit", unit_id))


async def create_unit(info: Info, input: CreateUnitInput) -> Unit:
    return await _unit(info, await units.create(info.context.deps, info.context.who, plain(input)))


async def update_unit(info: Info, id: strawberry.ID, input: UpdateUnitInput) -> Unit:
    return await _unit(info, await units.update(info.context.deps, info.context.who, id, plain(input)))


async def delete_unit(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await units.delete(info.context.deps, info.context.who, id))


async def _person(info: Info, person_id: str) -> Person:
    return cast(Person, await _written(info, "Person", person_id))


async def create_person(info: Info, input: CreatePersonInput) -> Person:
    return await _person(info, await persons.create(info.context.deps, info.context.who, plain(input)))


async def update_person(info: Info, id: strawberry.ID, input: UpdatePersonInput) -> Person:
    return await _person(info, await persons.update(info.context.deps, info.context.who, id, plain(input)))


async def delete_person(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await persons.delete(info.context.deps, info.context.who, id))


async def erase_person(info: Info, id: strawberry.ID) -> strawberry.ID:
    return strawberry.ID(await persons.erase(info.context.deps, info.context.who, id))
