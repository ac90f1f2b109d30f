"""[b2b] Fields of types read outside the compiler: a person's relations, an opportunity's buying center."""

from __future__ import annotations

from domain.errors import NotFound
from domain.pagination import page_args
from schema.context import Info
from schema.selection import wants_total
from schema.types.b2b import BuyingCenter, PersonRelation
from schema.types.common import Connection
from schema.types.sales import Opportunity


async def person_relations(
    info: Info, person_id: str, first: int | None, after: str | None
) -> Connection[PersonRelation]:
    args = page_args(first, after, with_total=wants_total(info))
    page = await info.context.loaders.pages("relations", args).load(person_id)
    return Connection[PersonRelation].of(page, PersonRelation.of)


async def buying_center_of(info: Info, opportunity_id: str, opportunity: Opportunity | None = None) -> BuyingCenter:
    row = await info.context.loaders.buying_center.load(opportunity_id)
    if row is None:
        raise NotFound(f"no opportunity {opportunity_id!r}")
    return BuyingCenter.of(opportunity or Opportunity.of(row["opportunity"]), row)
