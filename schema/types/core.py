"""Users, companies, units and persons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import persons as person_uc
from domain.auth import Role as DomainRole
from domain.pagination import page_args
from schema.context import Info
from schema.enums import Role
from schema.selection import node_includes, wants_total
from schema.types.common import Connection, ExternalId, GeoPoint, Node, Row, external_ids, ms

if TYPE_CHECKING:
    from schema.types.b2b import PersonRelation
    from schema.types.sales import Activity, Opportunity
    from schema.types.service import TimeSlot, UserSkill


@strawberry.type
class User(Node):
    id: strawberry.ID
    email: str
    name: str
    role: Role
    team: str | None
    active: bool
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> User:
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            role=DomainRole(row["role"]),
            team=row.get("team"),
            active=bool(row.get("active", True)),
            row=row,
        )

    @classmethod
    def maybe(cls, row: Row | None) -> User | None:
        return cls.of(row) if row else None

    @strawberry.field(
        description="Often a home address: null unless the caller is this user, an ADMIN or a SERVICE_AGENT dispatching."
    )
    def home_base(self, info: Info) -> GeoPoint | None:
        who = info.context.who
        if who.user_id == self.id or who.role in (DomainRole.ADMIN, DomainRole.SERVICE_AGENT):
            return GeoPoint.of(self.row.get("homeBase"))
        return None

    @strawberry.field
    async def skills(self, info: Info) -> list[Annotated[UserSkill, strawberry.lazy("schema.types.service")]]:
        from resolvers.service import user_skills

        return await user_skills(info, self.id)

    @strawberry.field
    async def availability(
        self, info: Info, from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> list[Annotated[TimeSlot, strawberry.lazy("schema.types.service")]]:
        from resolvers.service import user_availability

        return await user_availability(info, self.id, from_, to)


@strawberry.type
class ApiKey(Node):
    id: strawberry.ID
    name: str
    role: Role
    created_by: User
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: Row) -> ApiKey:
        return cls(
            id=row["id"],
            name=row["name"],
            role=DomainRole(row["role"]),
            created_by=User.of(row["createdBy"]),
            created_at=ms(row["createdAt"]),
            last_used_at=ms(row.get("lastUsedAt")),
        )


@strawberry.type
class AuthPayload:
    token: str
    user: User


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey
    key: str = strawberry.field(description="Shown once; only a hash is stored.")


def part(info: Info, label: str, node_id: str, name: str, row: Row, make: Callable[[Any], Any]) -> Any:
    """A nested part of a company, person or opportunity, built by `make`.

    Prefetched by the parent's query: returned at once (no task, no await, which matters for
    lists of hundreds of objects). Otherwise an awaitable batched with the siblings' loads.
    """
    if name in row:
        return make(row[name])

    async def load() -> Any:
        loaded = await info.context.loaders.part(label, name).load(node_id)
        return make(loaded.get(name) if loaded else None)

    return load()


def _list(make: Callable[[Row], Any]) -> Callable[[list[Row] | None], list[Any]]:
    return lambda rows: [make(r) for r in rows or []]


def _external_ids(rows: list[Row] | None) -> list[ExternalId]:
    return external_ids({"externalIds": rows})


@strawberry.type
class Company(Node):
    id: strawberry.ID
    name: str
    domain: str | None
    industry: str | None
    city: str | None
    country: str | None
    location: GeoPoint | None
    is_reference: bool
    phones: list[str] = strawberry.field(description="Switchboard numbers, E.164")
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Company:
        return cls(
            id=row["id"],
            name=row["name"],
            domain=row.get("domain"),
            industry=row.get("industry"),
            city=row.get("city"),
            country=row.get("country"),
            location=GeoPoint.of(row.get("location")),
            is_reference=bool(row.get("isReference")),
            phones=row.get("phones") or [],
            created_at=ms(row["createdAt"]),
            updated_at=ms(row["updatedAt"]),
            row=row,
        )

    @classmethod
    def maybe(cls, row: Row | None) -> Company | None:
        return cls.of(row) if row else None

    @strawberry.field(description="Direct parent in a corporate group (groups nest to any depth).")
    def parent(self, info: Info) -> Company | None:
        return part(info, "Company", self.id, "parent", self.row, Company.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    def subsidiaries(self, info: Info) -> list[Company]:
        return part(info, "Company", self.id, "subsidiaries", self.row, _list(Company.of))  # type: ignore[no-any-return]

    @strawberry.field(description="Top-level business units; units nest.")
    def units(self, info: Info) -> list[Unit]:
        return part(info, "Company", self.id, "units", self.row, _list(Unit.of))  # type: ignore[no-any-return]

    @strawberry.field
    def owner(self, info: Info) -> User | None:
        return part(info, "Company", self.id, "owner", self.row, User.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    def external_ids(self, info: Info) -> list[ExternalId]:
        return part(info, "Company", self.id, "externalIds", self.row, _external_ids)  # type: ignore[no-any-return]

    @strawberry.field
    async def contacts(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Person]:
        args = page_args(first, after, with_total=wants_total(info))
        include = node_includes(info, person_uc.PARTS)
        page = await info.context.loaders.pages("contacts", args, include).load(self.id)
        return Connection[Person].of(page, Person.of)

    @strawberry.field
    async def opportunities(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Opportunity, strawberry.lazy("schema.types.sales")]]:
        from resolvers.sales import company_opportunities

        return await company_opportunities(info, self.id, first, after)

    @strawberry.field(
        description="Everything that happened with this company, its subsidiaries, units, people and opportunities, newest first."
    )
    async def timeline(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.types.sales")]]:
        from resolvers.sales import timeline

        return await timeline(info, "Company", self.id, first, after)


@strawberry.type
class Unit(Node):
    id: strawberry.ID
    name: str
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Unit:
        return cls(id=row["id"], name=row["name"], row=row)

    @classmethod
    def maybe(cls, row: Row | None) -> Unit | None:
        return cls.of(row) if row else None

    @strawberry.field
    async def company(self, info: Info) -> Company:
        row = await info.context.loaders.part("Company", "").load(self.row["companyId"])
        assert row is not None
        return Company.of(row)

    @strawberry.field
    async def parent(self, info: Info) -> Unit | None:
        parent_id = self.row.get("parentId")
        return Unit.maybe(await info.context.loaders.unit.load(parent_id)) if parent_id else None

    @strawberry.field
    async def children(self, info: Info) -> list[Unit]:
        return [Unit.of(r) for r in await info.context.loaders.unit_children.load(self.id)]

    @strawberry.field
    async def members(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Person]:
        args = page_args(first, after, with_total=wants_total(info))
        include = node_includes(info, person_uc.PARTS)
        page = await info.context.loaders.pages("members", args, include).load(self.id)
        return Connection[Person].of(page, Person.of)


@strawberry.type
class Employment:
    company: Company
    job_title: str | None
    since: datetime | None
    until: datetime | None = strawberry.field(description="Null for the current employment.")
    current: bool

    @classmethod
    def of(cls, row: Row) -> Employment:
        return cls(
            company=Company.of(row["company"]),
            job_title=row.get("jobTitle"),
            since=ms(row.get("since")),
            until=ms(row.get("until")),
            current=bool(row["current"]),
        )


@strawberry.type
class Person(Node):
    id: strawberry.ID
    first_name: str | None
    last_name: str
    full_name: str
    email: str | None
    phones: list[str] = strawberry.field(description="E.164")
    job_title: str | None
    city: str | None
    country: str | None
    location: GeoPoint | None
    tags: list[str]
    source: str | None = strawberry.field(description="Where the contact came from (import, web form, shop, ERP, ...).")
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[Row]

    @classmethod
    def of(cls, row: Row) -> Person:
        return cls(
            id=row["id"],
            first_name=row.get("firstName"),
            last_name=row["lastName"],
            full_name=row.get("fullName") or row["lastName"],
            email=row.get("email"),
            phones=row.get("phones") or [],
            job_title=row.get("jobTitle"),
            city=row.get("city"),
            country=row.get("country"),
            location=GeoPoint.of(row.get("location")),
            tags=row.get("tags") or [],
            source=row.get("source"),
            created_at=ms(row["createdAt"]),
            updated_at=ms(row["updatedAt"]),
            row=row,
        )

    @classmethod
    def maybe(cls, row: Row | None) -> Person | None:
        return cls.of(row) if row else None

    @strawberry.field(description="Null for a consumer (B2C) contact.")
    def company(self, info: Info) -> Company | None:
        return part(info, "Person", self.id, "company", self.row, Company.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    def unit(self, info: Info) -> Unit | None:
        return part(info, "Person", self.id, "unit", self.row, Unit.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    def owner(self, info: Info) -> User | None:
        return part(info, "Person", self.id, "owner", self.row, User.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    def external_ids(self, info: Info) -> list[ExternalId]:
        return part(info, "Person", self.id, "externalIds", self.row, _external_ids)  # type: ignore[no-any-return]

    @strawberry.field(description="Current and past employers, newest first (a move closes the old one).")
    def employment_history(self, info: Info) -> list[Employment]:
        return part(info, "Person", self.id, "employmentHistory", self.row, _list(Employment.of))  # type: ignore[no-any-return]

    @strawberry.field
    async def relations(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[PersonRelation, strawberry.lazy("schema.types.b2b")]]:
        from resolvers.b2b import person_relations

        return await person_relations(info, self.id, first, after)

    @strawberry.field
    async def timeline(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.types.sales")]]:
        from resolvers.sales import timeline

        return await timeline(info, "Person", self.id, first, after)
