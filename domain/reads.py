"""Reads compiled from the client's selection: each root field is one Cypher statement.

The selection arrives as a neutral tree (graph.compiler.Sel); page arguments are validated here
(first 0..100, opaque cursors), filters as in the list use cases, and the caller's rights become
parameters of the statement (e.g. who may see a user's home base).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain import b2b as b2b_uc
from domain import companies as company_uc
from domain import documents as documents_uc
from domain import persons as person_uc
from domain import refs
from domain import search as search_uc
from domain.auth import Principal, Role
from domain.deps import Deps
from domain.ids import label_of
from domain.pagination import encode_cursor, page_args
from graph import b2b as b2b_q
from graph import companies as company_q
from graph import persons as person_q
from graph import search as search_q
from graph.compiler import Compiler, Sel
from graph.compiler import roots as r
from graph.compiler.projects import visible
from graph.compiler.shape import shape
from graph.paging import PageArgs
from graph.projection import where

Shaped = dict[str, Any]

# Node types a root field can return by id: label -> compiled type.
NODE_TYPES = {
    "Company": "Company",
    "Person": "Person",
    "Unit": "Unit",
    "Opportunity": "Opportunity",
    "User": "User",
    "Lead": "Lead",
    "Activity": "Activity",
    # [b2c:imports]
    "Order": "Order",
    # [b2c:segments]
    "Campaign": "Campaign",
    "Event": "Event",
    "Segment": "Segment",
    "Material": "Material",
    # [b2c:imports]
    # [b2c:mail]
    "Mailing": "Mailing",
    "Project": "Project",
    "Document": "Document",
}
# A document by id only when the viewer may see it (domain/documents.py).
DOCUMENT_BY_ID = "MATCH (n:Document {id: $id}) WHERE " + visible("n")


def _page_args(first: Any, after: Any) -> tuple[int, list[Any] | None]:
    args = page_args(None if first is None else int(first), after)
    return args.first, args.after


def compiler(deps: Deps, who: Principal) -> Compiler:
    return Compiler(
        _page_args,
        {
            "viewerId": who.user_id,
            "viewerSeesHomeBases": who.role in (Role.ADMIN, Role.SERVICE_AGENT),
            "neglectDays": deps.settings.neglect_days,
            "requiredRoles": list(deps.settings.required_buying_roles),
            **documents_uc.viewer(who),
        },
    )


async def node(deps: Deps, who: Principal, type_name: str, node_id: str, sub: list[Sel]) -> Shaped | None:
    """A node of `type_name` by id (None when missing or of another type), tagged with its type name
    (it may stand where the schema expects an interface or a union: node, search)."""
    label = label_of(node_id)
    if label is None or NODE_TYPES.get(label) != type_name:
        return None
    c = compiler(deps, who)
    c.params["id"] = node_id
    match = DOCUMENT_BY_ID if label == "Document" else r.BY_ID
    query, plan = r.node_statement(c, type_name, label, sub, type_name, match)
    return await r.run_node(deps.db, c, query, plan, encode_cursor)


async def by_external_id(
    deps: Deps, who: Principal, type_name: str, system: str, value: str, sub: list[Sel]
) -> Shaped | None:
    """A company or person by one of its external ids, in one statement."""
    c = compiler(deps, who)
    c.params.update({"extLabel": type_name, "extSystem": system, "extValue": value})
    query, plan = r.node_statement(c, type_name, type_name, sub, type_name, r.BY_EXTERNAL_ID)
    return await r.run_node(deps.db, c, query, plan, encode_cursor)


async def buying_center(deps: Deps, who: Principal, opportunity_id: str, sub: list[Sel]) -> Shaped | None:
    c = compiler(deps, who)
    c.params["id"] = opportunity_id
    query, plan = r.node_statement(c, "BuyingCenter", "Opportunity", sub)
    return await r.run_node(deps.db, c, query, plan, encode_cursor)


async def org_chart(deps: Deps, who: Principal, company_id: str, person: list[Sel]) -> list[Shaped]:
    """The org chart with each person projected as selected (`person` is the selection below it)."""
    c = compiler(deps, who)
    projection, plan = c.obj("Person", {"v": "p"}, person)
    c.params["companyId"] = company_id
    query = b2b_q.ORG_CHART_TEMPLATE.replace(b2b_q.PERSON_SLOT, projection)
    r.RECENT.append((query, c.params))
    rows = await deps.db.read(query, c.params)
    if not rows:
        await refs.require_read(deps.db, {"companyId": ("Company", company_id)})
    return [
        {"person": shape(plan, row["person"], encode_cursor), "manager_id": row["managerId"], "depth": row["depth"]}
        for row in rows
    ]


def _path_people(sub: list[Sel]) -> list[Sel]:
    """What a path's people need: their own selection, the relations' ends, and the id that links them."""
    people = [child for sel in sub if sel.name == "people" for child in sel.children]
    ends = [
        child
        for sel in sub
        if sel.name == "relations"
        for end in sel.children
        if end.name in ("from", "to")
        for child in end.children
    ]
    return [*people, *ends, Sel("id")]


async def influence_paths(
    deps: Deps, who: Principal, from_id: str, to_id: str, max_hops: int, first: int | None, sub: list[Sel]
) -> list[Shaped]:
    c = compiler(deps, who)
    projection, plan = c.obj("Person", {"v": "p"}, _path_people(sub))
    rows = await b2b_uc.influence_paths(deps, from_id, to_id, max_hops, first, projection, c.params)
    out: list[Shaped] = []
    for row in rows:
        people = [shape(plan, p, encode_cursor) for p in row["people"]]
        by_id = {p["id"]: p for p in people}
        relations = [
            {"type": r["type"], "strength": r["strength"], "from_": by_id[r["fromId"]], "to": by_id[r["toId"]]}
            for r in row["relations"]
        ]
        out.append({"people": people, "relations": relations})
    return out


async def introduction_paths(
    deps: Deps, who: Principal, to_id: str, max_hops: int, first: int | None, sub: list[Sel]
) -> list[Shaped]:
    c = compiler(deps, who)
    person, person_plan = c.obj(
        "Person", {"v": "p"}, [child for s in sub if s.name == "people" for child in s.children]
    )
    user, user_plan = c.obj("User", {"v": "u"}, [child for s in sub if s.name == "user" for child in s.children])
    rows = await b2b_uc.introduction_paths(deps, to_id, max_hops, first, person, user, c.params)
    return [
        {
            "user": shape(user_plan, row["user"], encode_cursor),
            "people": [shape(person_plan, p, encode_cursor) for p in row["people"]],
            "hops": row["hops"],
            "weight": row["weight"],
        }
        for row in rows
    ]


async def search(deps: Deps, who: Principal, text: str, first: int, sub: list[Sel]) -> list[Shaped]:
    """Search hits of every kind, each projected as selected (tagged with its type), in one statement."""
    c = compiler(deps, who)
    plans = {}
    projections = {}
    for label, var in search_q.VARS.items():
        projections[label], plans[label] = c.obj(label, {"v": var}, sub)
        plans[label].typename = label
    hits = await search_uc.search(deps, text, first, projections, c.params)
    return [shape(plans[label], row, encode_cursor) for label, row in hits]


async def companies(
    deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None, flt: dict[str, Any] | None
) -> Shaped:
    size, cursor = _page_args(first, after)
    params = company_uc.filter_params(flt)
    active = [name for name, value in params.items() if value is not None]
    return await _name_page(deps, who, r.COMPANIES, company_q, params, active, sub, size, cursor)


async def persons(
    deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None, flt: dict[str, Any] | None
) -> Shaped:
    size, cursor = _page_args(first, after)
    params = person_uc.filter_params(flt)
    active = [name for name, value in params.items() if value is not None]
    if active == ["companyId"]:  # a company's contacts start from the company
        return await _name_page(deps, who, r.CONTACTS, person_q, params, [], sub, size, cursor)
    return await _name_page(deps, who, r.PERSONS, person_q, params, active, sub, size, cursor)


async def _name_page(
    deps: Deps,
    who: Principal,
    root: r.RootPage,
    queries: Any,
    params: dict[str, Any],
    conditions: list[str],
    sub: list[Sel],
    size: int,
    cursor: list[Any] | None,
) -> Shaped:
    """A page in name order (companies, persons): the filters set, the keyset on (sortName, id)."""
    c = compiler(deps, who)
    after = PageArgs(size, cursor).after_params("afterName", "afterId")  # checks the cursor's shape
    c.params.update(params, afterName=after["afterName"] or "", afterId=after["afterId"] or "")
    query, plan = r.page_statement(
        c,
        root,
        where(queries.CONDITIONS, conditions, queries.KEYSET),
        where(queries.CONDITIONS, conditions),
        sub,
        size,
        cursor is not None,
    )
    return await r.run_page(deps.db, c, query, plan, encode_cursor)


async def leads(
    deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None, flt: dict[str, Any] | None
) -> Shaped:
    size, cursor = _page_args(first, after)
    flt = flt or {}
    c = compiler(deps, who)
    params = {name: flt.get(name) for name in r.LEAD_CONDITIONS}
    active = [name for name, value in params.items() if value is not None]
    c.params.update(params, **PageArgs(size, cursor).after_params("afterAt", "afterId"))  # checks the cursor's shape
    conditions = r.LEAD_CONDITIONS
    query, plan = r.page_statement(
        c, r.LEADS, where(conditions, active, r.LEAD_KEYSET), where(conditions, active), sub, size, cursor is not None
    )
    return await r.run_page(deps.db, c, query, plan, encode_cursor)


async def opportunities(
    deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None, flt: dict[str, Any] | None
) -> Shaped:
    size, cursor = _page_args(first, after)
    c = compiler(deps, who)
    flt = flt or {}
    params = {name: flt.get(name) for name in r.OPPORTUNITY_CONDITIONS}
    for name in ("closingFrom", "closingTo"):
        value = params[name]
        if isinstance(value, date):
            params[name] = value.isoformat()
    active = [name for name, value in params.items() if value is not None]
    c.params.update(params, **PageArgs(size, cursor).after_params("afterAt", "afterId"))  # checks the cursor's shape
    query, plan = r.page_statement(
        c,
        r.OPPORTUNITIES,
        where(r.OPPORTUNITY_CONDITIONS, active, r.OPPORTUNITY_KEYSET),
        where(r.OPPORTUNITY_CONDITIONS, active),
        sub,
        size,
        cursor is not None,
    )
    return await r.run_page(deps.db, c, query, plan, encode_cursor)


async def projects(
    deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None, flt: dict[str, Any]
) -> Shaped:
    """[field] Projects newest first, of one company and/or one status."""
    size, cursor = _page_args(first, after)
    c = compiler(deps, who)
    params = {name: flt.get(name) for name in r.PROJECT_CONDITIONS}
    active = [name for name, value in params.items() if value is not None]
    c.params.update(params, **PageArgs(size, cursor).after_params("afterAt", "afterId"))  # checks the cursor's shape
    root = r.COMPANY_PROJECTS if params.get("companyId") is not None else r.PROJECTS
    active = [name for name in active if name != "companyId" or root is r.PROJECTS]
    query, plan = r.page_statement(
        c,
        root,
        where(r.PROJECT_CONDITIONS, active, r.PROJECT_KEYSET),
        where(r.PROJECT_CONDITIONS, active),
        sub,
        size,
        cursor is not None,
    )
    return await r.run_page(deps.db, c, query, plan, encode_cursor)
