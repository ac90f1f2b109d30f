"""Users, companies, units and persons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain import persons as person_uc
from domain.auth import HOME_BASE_READERS
from domain.auth import Role as DomainRole
from domain.pagination import page_args
from graph.compiler import page_key
from schema.compiled import compiled, entry, paged
from schema.context import Info
from schema.enums import Role
from schema.selection import node_includes, wants_total
from schema.types.common import Connection, ExternalId, GeoPoint, Node, Row, external_ids, ms

if TYPE_CHECKING:
    from schema.enums import ProjectStatus
    from schema.types.b2b import PersonRelation
    from schema.types.mail import Consent
    from schema.types.orders import MoneyTotal, Order
    from schema.types.projects import Project
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
    @entry
    def home_base(self, info: Info) -> GeoPoint | None:
        if (row := compiled(self)) is not None:
            return row["home_base"]  # type: ignore[no-any-return]  # the statement applied the rule below
        who = info.context.who
        if (who.user_id == self.id and who.api_key_id is None) or who.allows(HOME_BASE_READERS):
            return GeoPoint.of(self.row.get("homeBase"))
        return None

    @strawberry.field
    async def skills(self, info: Info) -> list[Annotated[UserSkill, strawberry.lazy("schema.types.service")]]:
        from schema.fields.service import user_skills

        if (row := compiled(self)) is not None:
            return row["skills"]  # type: ignore[no-any-return]
        return await user_skills(info, self.id)

    @strawberry.field
    async def availability(
        self, info: Info, from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> list[Annotated[TimeSlot, strawberry.lazy("schema.types.service")]]:
        from schema.fields.service import user_availability

        row = compiled(self)
        return await user_availability(info, row["id"] if row is not None else self.id, from_, to)


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


def nested(obj: Any, info: Info, label: str, name: str, make: Callable[[Any], Any]) -> Any:
    """A nested part: from the compiled statement's dict, or from the parent's row / a batched load."""
    if (row := compiled(obj)) is not None:
        return row[info.python_name]
    return part(info, label, obj.id, name, obj.row, make)


def _people_page(info: Info, kind: str, parent_id: str, first: int | None, after: str | None) -> Any:
    """Contacts or members of one parent, batched with its siblings (reads that were not compiled)."""
    args = page_args(first, after, with_total=wants_total(info))
    include = node_includes(info, person_uc.PARTS)

    async def load() -> Connection[Person]:
        page = await info.context.loaders.pages(kind, args, include).load(parent_id)
        return Connection[Person].of(page, Person.of)

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
    @entry
    def parent(self, info: Info) -> Company | None:
        return nested(self, info, "Company", "parent", Company.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def subsidiaries(self, info: Info) -> list[Company]:
        return nested(self, info, "Company", "subsidiaries", _list(Company.of))  # type: ignore[no-any-return]

    @strawberry.field(description="Top-level business units; units nest.")
    @entry
    def units(self, info: Info) -> list[Unit]:
        return nested(self, info, "Company", "units", _list(Unit.of))  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def owner(self, info: Info) -> User | None:
        return nested(self, info, "Company", "owner", User.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def external_ids(self, info: Info) -> list[ExternalId]:
        return nested(self, info, "Company", "externalIds", _external_ids)  # type: ignore[no-any-return]

    @strawberry.field
    @paged
    def contacts(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Person]:
        if (row := compiled(self)) is not None:
            return row[page_key("contacts", first, after)]  # type: ignore[no-any-return]
        return _people_page(info, "contacts", self.id, first, after)  # type: ignore[no-any-return]

    @strawberry.field
    @paged
    def opportunities(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Opportunity, strawberry.lazy("schema.types.sales")]]:
        from schema.fields.sales import company_opportunities

        if (row := compiled(self)) is not None:
            return row[page_key("opportunities", first, after)]  # type: ignore[no-any-return]
        return company_opportunities(info, self.id, first, after)  # type: ignore[return-value]

    @strawberry.field(
        description="Everything that happened with this company, its subsidiaries, units, people and opportunities, newest first."
    )
    @paged
    def timeline(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.types.sales")]]:
        from schema.fields.sales import timeline

        if (row := compiled(self)) is not None:
            return row[page_key("timeline", first, after)]  # type: ignore[no-any-return]
        return timeline(info, "Company", self.id, first, after)  # type: ignore[return-value]

    # [field]
    @strawberry.field
    def projects(
        self,
        info: Info,
        status: Annotated[ProjectStatus, strawberry.lazy("schema.types.projects")] | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> Connection[Annotated[Project, strawberry.lazy("schema.types.projects")]]:
        from schema.fields.projects import company_projects

        if (row := compiled(self)) is not None:
            return row[page_key("projects", first, after, filters={"status": status})]  # type: ignore[no-any-return]
        return company_projects(info, self.id, status, first, after)  # type: ignore[return-value]


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
    @entry
    def company(self, info: Info) -> Company:
        if (shaped := compiled(self)) is not None:
            return shaped["company"]  # type: ignore[no-any-return]

        async def load() -> Company:
            row = await info.context.loaders.part("Company", "").load(self.row["companyId"])
            assert row is not None
            return Company.of(row)

        return load()  # type: ignore[return-value]

    @strawberry.field
    @entry
    def parent(self, info: Info) -> Unit | None:
        if (row := compiled(self)) is not None:
            return row["parent"]  # type: ignore[no-any-return]
        parent_id = self.row.get("parentId")
        if not parent_id:
            return None

        async def load() -> Unit | None:
            return Unit.maybe(await info.context.loaders.unit.load(parent_id))

        return load()  # type: ignore[return-value]

    @strawberry.field
    @entry
    def children(self, info: Info) -> list[Unit]:
        if (row := compiled(self)) is not None:
            return row["children"]  # type: ignore[no-any-return]

        async def load() -> list[Unit]:
            return [Unit.of(r) for r in await info.context.loaders.unit_children.load(self.id)]

        return load()  # type: ignore[return-value]

    @strawberry.field
    @paged
    def members(self, info: Info, first: int | None = 50, after: str | None = None) -> Connection[Person]:
        if (row := compiled(self)) is not None:
            return row[page_key("members", first, after)]  # type: ignore[no-any-return]
        return _people_page(info, "members", self.id, first, after)  # type: ignore[no-any-return]


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
    @entry
    def company(self, info: Info) -> Company | None:
        return nested(self, info, "Person", "company", Company.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def unit(self, info: Info) -> Unit | None:
        return nested(self, info, "Person", "unit", Unit.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def owner(self, info: Info) -> User | None:
        return nested(self, info, "Person", "owner", User.maybe)  # type: ignore[no-any-return]

    @strawberry.field
    @entry
    def external_ids(self, info: Info) -> list[ExternalId]:
        return nested(self, info, "Person", "externalIds", _external_ids)  # type: ignore[no-any-return]

    @strawberry.field(description="Current and past employers, newest first (a move closes the old one).")
    @entry
    def employment_history(self, info: Info) -> list[Employment]:
        return nested(self, info, "Person", "employmentHistory", _list(Employment.of))  # type: ignore[no-any-return]

    @strawberry.field(description="Current consent per channel and purpose (its history is the evidence).")
    async def consents(self, info: Info) -> list[Annotated[Consent, strawberry.lazy("schema.types.mail")]]:
        from schema.fields.mail import person_consents

        if (row := compiled(self)) is not None:
            return row["consents"]  # type: ignore[no-any-return]
        return await person_consents(info, self.id)

    @strawberry.field
    @paged
    def relations(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[PersonRelation, strawberry.lazy("schema.types.b2b")]]:
        from schema.fields.b2b import person_relations

        if (row := compiled(self)) is not None:
            return row[page_key("relations", first, after)]  # type: ignore[no-any-return]
        return person_relations(info, self.id, first, after)  # type: ignore[return-value]

    @strawberry.field
    @paged
    def timeline(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.types.sales")]]:
        from schema.fields.sales import timeline

        if (row := compiled(self)) is not None:
            return row[page_key("timeline", first, after)]  # type: ignore[no-any-return]
        return timeline(info, "Person", self.id, first, after)  # type: ignore[return-value]

    # [b2c:imports]
    @strawberry.field(description="Newest first.")
    def orders(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[Annotated[Order, strawberry.lazy("schema.types.orders")]]:
        from schema.fields.orders import person_field

        if (row := compiled(self)) is not None:
            return row[page_key("orders", first, after)]  # type: ignore[no-any-return]
        return person_field(info, self.id, page_key("orders", first, after))  # type: ignore[return-value]

    @strawberry.field
    def order_count(self, info: Info) -> int:
        from schema.fields.orders import person_field

        if (row := compiled(self)) is not None:
            return row["order_count"]  # type: ignore[no-any-return]
        return person_field(info, self.id, "order_count")  # type: ignore[return-value]

    @strawberry.field(
        description="Sum of the person's order totals in the default currency (CRM_DEFAULT_CURRENCY, EUR unless "
        "configured); orders in other currencies are in spentByCurrency."
    )
    def total_spent(self, info: Info) -> Decimal:
        from schema.fields.orders import person_field

        if (row := compiled(self)) is not None:
            return row["total_spent"]  # type: ignore[no-any-return]
        return person_field(info, self.id, "total_spent")  # type: ignore[return-value]

    @strawberry.field(description="Sum and count of the person's orders per currency, by currency code.")
    def spent_by_currency(self, info: Info) -> list[Annotated[MoneyTotal, strawberry.lazy("schema.types.orders")]]:
        from schema.fields.orders import person_field

        if (row := compiled(self)) is not None:
            return row["spent_by_currency"]  # type: ignore[no-any-return]
        return person_field(info, self.id, "spent_by_currency")  # type: ignore[return-value]

    @strawberry.field
    def last_order_at(self, info: Info) -> datetime | None:
        from schema.fields.orders import person_field

        if (row := compiled(self)) is not None:
            return row["last_order_at"]  # type: ignore[no-any-return]
        return person_field(info, self.id, "last_order_at")  # type: ignore[return-value]
