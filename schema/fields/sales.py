"""[sales] Fields of types read outside the compiler: a company's opportunities, timelines (DataLoader pages)."""

from __future__ import annotations

from domain import activities, opportunities
from domain.pagination import page_args
from schema.context import Info
from schema.selection import node_includes, wants_total
from schema.types.common import Connection
from schema.types.sales import Activity, Opportunity


async def company_opportunities(
    info: Info, company_id: str, first: int | None, after: str | None
) -> Connection[Opportunity]:
    args = page_args(first, after, with_total=wants_total(info))
    include = node_includes(info, opportunities.PARTS)
    page = await info.context.loaders.pages("opportunities", args, include).load(company_id)
    return Connection[Opportunity].of(page, Opportunity.of)


async def timeline(info: Info, label: str, node_id: str, first: int | None, after: str | None) -> Connection[Activity]:
    args = page_args(first, after, with_total=wants_total(info))
    include = node_includes(info, activities.PARTS)
    page = await info.context.loaders.pages(f"timeline:{label}", args, include).load(node_id)
    return Connection[Activity].of(page, Activity.of)
