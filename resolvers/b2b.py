"""Resolvers of the [b2b] section."""

from __future__ import annotations

from typing import cast

import strawberry

from domain import b2b, reads
from domain.errors import NotFound
from schema.compiled import selection
from schema.context import Info
from schema.types.b2b import (
    Attitude,
    BuyingCenter,
    BuyingRole,
    IntroductionPath,
    OrgChartNode,
    PersonPath,
    PersonRelation,
    RelationType,
)
from schema.types.core import Person


async def buying_center(info: Info, opportunity_id: strawberry.ID) -> BuyingCenter | None:
    found = await reads.buying_center(info.context.deps, info.context.who, opportunity_id, selection(info))
    return cast(BuyingCenter | None, found)


async def influence_paths(
    info: Info,
    from_person_id: strawberry.ID,
    to_person_id: strawberry.ID,
    max_hops: int = 4,
    first: int | None = 10,
) -> list[PersonPath]:
    deps, sub = info.context.deps, selection(info)
    rows = await reads.influence_paths(deps, info.context.who, from_person_id, to_person_id, max_hops, first, sub)
    return cast(list[PersonPath], rows)


async def introduction_paths(
    info: Info, to_person_id: strawberry.ID, max_hops: int = 3, first: int | None = 10
) -> list[IntroductionPath]:
    deps, sub = info.context.deps, selection(info)
    rows = await reads.introduction_paths(deps, info.context.who, to_person_id, max_hops, first, sub)
    return cast(list[IntroductionPath], rows)


async def org_chart(info: Info, company_id: strawberry.ID) -> list[OrgChartNode]:
    person = [child for sel in selection(info) if sel.name == "person" for child in sel.children]
    rows = await reads.org_chart(info.context.deps, info.context.who, company_id, person)
    return cast(list[OrgChartNode], rows)


async def relate_persons(
    info: Info, from_id: strawberry.ID, to_id: strawberry.ID, type: RelationType, strength: float | None = None
) -> PersonRelation:
    row = await b2b.relate(info.context.deps, info.context.who, from_id, to_id, type.value, strength)
    source, target = await info.context.loaders.part("Person", "").load_many([row["fromId"], row["toId"]])
    if source is None or target is None:  # erased by another request right after this one committed
        raise NotFound("a person of the relation was removed while being written")
    return PersonRelation(
        type=RelationType(row["type"]),
        from_=Person.of(source),
        to=Person.of(target),
        strength=row["strength"],
    )


async def unrelate_persons(info: Info, from_id: strawberry.ID, to_id: strawberry.ID, type: RelationType) -> bool:
    return await b2b.unrelate(info.context.deps, info.context.who, from_id, to_id, type.value)


async def record_acquaintance(
    info: Info, user_id: strawberry.ID, person_id: strawberry.ID, strength: float | None = None
) -> bool:
    return await b2b.acquaint(info.context.deps, info.context.who, user_id, person_id, strength)


async def set_buying_role(
    info: Info,
    opportunity_id: strawberry.ID,
    person_id: strawberry.ID,
    roles: list[BuyingRole],
    attitude: Attitude | None = None,
) -> BuyingCenter:
    await b2b.set_role(
        info.context.deps,
        info.context.who,
        opportunity_id,
        person_id,
        [r.value for r in roles],
        attitude.value if attitude else None,
    )
    return await _center(info, opportunity_id)


async def _center(info: Info, opportunity_id: str) -> BuyingCenter:
    """A mutation's answer: the buying center as selected, in one statement."""
    found = await reads.buying_center(info.context.deps, info.context.who, opportunity_id, selection(info))
    if found is None:
        raise NotFound(f"no opportunity {opportunity_id!r}")
    return cast(BuyingCenter, found)


async def remove_from_buying_center(
    info: Info, opportunity_id: strawberry.ID, person_id: strawberry.ID
) -> BuyingCenter:
    await b2b.remove_member(info.context.deps, info.context.who, opportunity_id, person_id)
    return await _center(info, opportunity_id)
