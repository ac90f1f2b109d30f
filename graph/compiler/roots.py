"""Root reads: a page of nodes or one node by id, each one statement with the compiled projection."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from graph.compiler.emit import Compiler, PagePlan, Plan, Sel
from graph.compiler.shape import Encode, shape, shape_page
from graph.db import Db

# The last statements compiled in this process (query, parameters), for tests and debugging.
RECENT: deque[tuple[str, dict[str, Any]]] = deque(maxlen=16)

P = TypeVar("P")
# Compiled statements by their inputs. Compiling is a pure function of the root, the selection (argument
# values included) and the names already taken; it reads no parameter value. So a hit hands out the same
# text and plan (never mutated after compiling) and re-adds the parameters compiling added.
_COMPILED: dict[tuple[Any, ...], tuple[str, Any, dict[str, Any], int]] = {}
MAX_COMPILED = 2048


def _compiled(c: Compiler, key: tuple[Any, ...], sub: list[Sel], build: Callable[[], tuple[str, P]]) -> tuple[str, P]:
    frozen = getattr(sub, "key", None) or repr(sub)  # a selection may carry its text (schema.compiled)
    if c.taken or " at 0x" in frozen:  # names already handed out, or an argument without a stable repr
        return build()
    full = (*key, frozen)
    hit = _COMPILED.get(full)
    if hit is not None:
        query, plan, added, taken = hit
        c.params.update(added)
        c.taken = taken
        return query, plan
    before = set(c.params)
    query, plan = build()
    if len(_COMPILED) >= MAX_COMPILED:
        _COMPILED.clear()
    _COMPILED[full] = (query, plan, {k: v for k, v in c.params.items() if k not in before}, c.taken)
    return query, plan


@dataclass(frozen=True)
class RootPage:
    """A root connection: `match` binds `var`; `order`/`key` define the keyset."""

    type: str
    var: str
    match: str
    order: str
    key: str


COMPANIES = RootPage("Company", "c", "MATCH (c:Company)", "c.sortName, c.id", "[c.sortName, c.id]")
PERSONS = RootPage("Person", "p", "MATCH (p:Person)", "p.sortName, p.id", "[p.sortName, p.id]")
# Contacts of one company start from the company, not from every person.
CONTACTS = RootPage(
    "Person",
    "p",
    "MATCH (x_company:Company {id: $companyId}) MATCH (p:Person)-[:WORKS_AT]->(x_company)",
    "p.sortName, p.id",
    "[p.sortName, p.id]",
)
OPPORTUNITIES = RootPage(
    "Opportunity", "o", "MATCH (o:Opportunity)", "o.createdAt DESC, o.id DESC", "[toString(o.createdAt), o.id]"
)
LEADS = RootPage("Lead", "l", "MATCH (l:Lead)", "l.createdAt DESC, l.id DESC", "[toString(l.createdAt), l.id]")
LEAD_CONDITIONS = {
    "status": "l.status = $status",
    "ownerId": "EXISTS { (l)-[:OWNED_BY]->(:User {id: $ownerId}) }",
    "minScore": "l.score >= $minScore",
    "campaignId": "EXISTS { (l)-[:FROM_CAMPAIGN]->(:Campaign {id: $campaignId}) }",
}
LEAD_KEYSET = (
    "($afterAt IS NULL OR l.createdAt < datetime($afterAt) OR (l.createdAt = datetime($afterAt) AND l.id < $afterId))"
)
OPPORTUNITY_CONDITIONS = {
    "companyId": "EXISTS { (o)-[:FOR]->(:Company {id: $companyId}) }",
    "ownerId": "EXISTS { (o)-[:OWNED_BY]->(:User {id: $ownerId}) }",
    "stage": "o.stage = $stage",
    "open": "$open = (NOT o.stage IN ['CLOSED_WON', 'CLOSED_LOST'])",
    "closingFrom": "o.expectedCloseDate >= date($closingFrom)",
    "closingTo": "o.expectedCloseDate <= date($closingTo)",
    "hasAlert": (
        "EXISTS { (o)<-[:ON]-(x:OpportunityAlert {kind: $hasAlert}) "
        "WHERE x.resolvedAt IS NULL AND x.acknowledgedAt IS NULL }"
    ),
}
OPPORTUNITY_KEYSET = (
    "($afterAt IS NULL OR o.createdAt < datetime($afterAt) OR (o.createdAt = datetime($afterAt) AND o.id < $afterId))"
)

# [field] Projects newest first; a company's start from the company.
PROJECTS = RootPage("Project", "p", "MATCH (p:Project)", "p.createdAt DESC, p.id DESC", "[toString(p.createdAt), p.id]")
COMPANY_PROJECTS = RootPage(
    "Project",
    "p",
    "MATCH (x_company:Company {id: $companyId}) MATCH (p:Project)-[:FOR]->(x_company)",
    "p.createdAt DESC, p.id DESC",
    "[toString(p.createdAt), p.id]",
)
PROJECT_CONDITIONS = {
    "companyId": "EXISTS { (p)-[:FOR]->(:Company {id: $companyId}) }",
    "status": "p.status = $status",
}
PROJECT_KEYSET = (
    "($afterAt IS NULL OR p.createdAt < datetime($afterAt) OR (p.createdAt = datetime($afterAt) AND p.id < $afterId))"
)


BY_ID = "MATCH (n:{label} {id: $id})"
# External ids are nodes unique on (label, system, value) (a composite constraint, no string joining).
BY_EXTERNAL_ID = (
    "MATCH (:ExternalId {label: $extLabel, system: $extSystem, value: $extValue})-[:IDENTIFIES]->(n:{label})"
)


def page_statement(
    c: Compiler, root: RootPage, where: str, total_where: str, sub: list[Sel], first: int, has_previous: bool
) -> tuple[str, PagePlan]:
    """`where` and `total_where` are joined from constant conditions (graph.projection.where)."""
    key = ("page", root, where, total_where, first, has_previous)
    return _compiled(c, key, sub, lambda: _page_statement(c, root, where, total_where, sub, first, has_previous))


def _page_statement(
    c: Compiler, root: RootPage, where: str, total_where: str, sub: list[Sel], first: int, has_previous: bool
) -> tuple[str, PagePlan]:
    node_sels, wants_total = Compiler.connection_parts(sub)
    cursors = Compiler.wants_cursors(sub)
    proj, plan = c.obj(root.type, {"v": root.var}, node_sels)
    c.params["limit"] = first + 1
    total = ""
    if wants_total:
        total = f"CALL () {{ {root.match} WHERE {total_where} RETURN count({root.var}) AS total }}\n"
    query = (
        f"CALL () {{\n  {root.match} WHERE {where}\n"
        f"  WITH {root.var} ORDER BY {root.order} LIMIT $limit\n"
        f"  RETURN collect({{n: {proj}, k: {root.key if cursors else 'null'}}}) AS rows\n}}\n"
        f"{total}RETURN rows, {'total' if wants_total else 'null'} AS total"
    )
    return query, PagePlan(plan, first, has_previous, cursors)


def node_statement(
    c: Compiler, type_name: str, label: str, sub: list[Sel], typename: str | None = None, match: str = BY_ID
) -> tuple[str, Plan]:
    """One node `n` found by `match` (by `$id` unless told), projected as `type_name` (which may be read
    over the node, e.g. BuyingCenter over an opportunity)."""

    def build() -> tuple[str, Plan]:
        proj, plan = c.obj(type_name, {"v": "n"}, sub)
        plan.typename = typename
        return f"{match.replace('{label}', label)} RETURN {proj} AS node", plan

    return _compiled(c, ("node", type_name, label, typename, match), sub, build)


async def run_page(db: Db, c: Compiler, query: str, plan: PagePlan, encode: Encode) -> dict[str, Any]:
    RECENT.append((query, c.params))
    row = await db.read_one(query, c.params)
    return shape_page(plan, row or {"rows": [], "total": 0}, encode)


async def run_node(db: Db, c: Compiler, query: str, plan: Plan, encode: Encode) -> dict[str, Any] | None:
    RECENT.append((query, c.params))
    row = await db.read_one(query, c.params)
    return shape(plan, row["node"], encode) if row else None
