"""[b2c] Compiled reads: campaigns, events, segments, materials, and pages of persons (participants, members).

Each root field is one statement with the compiled projection (graph/compiler/b2c.py); a page of
persons selected below an event or a segment is one statement too.
"""

from __future__ import annotations

from typing import Any

from domain.auth import Principal
from domain.deps import Deps
from domain.pagination import encode_cursor
from domain.reads import Shaped, _page_args, compiler
from graph import b2c_reads as q
from graph.compiler import Compiler, Sel
from graph.compiler import roots as r
from graph.compiler.emit import PagePlan
from graph.compiler.shape import shape, shape_page
from graph.paging import PageArgs
from graph.projection import where


async def _root_page(
    deps: Deps,
    who: Principal,
    root: r.RootPage,
    conditions: dict[str, str],
    keyset: str,
    after_names: tuple[str, str],
    params: dict[str, Any],
    sub: list[Sel],
    first: int | None,
    after: str | None,
) -> Shaped:
    size, cursor = _page_args(first, after)
    c = compiler(deps, who)
    active = [name for name, value in params.items() if value is not None]
    c.params.update(params, **PageArgs(size, cursor).after_params(*after_names))  # checks the cursor's shape
    query, plan = r.page_statement(
        c, root, where(conditions, active, keyset), where(conditions, active), sub, size, cursor is not None
    )
    return await r.run_page(deps.db, c, query, plan, encode_cursor)


async def campaigns(
    deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None, status: str | None
) -> Shaped:
    return await _root_page(
        deps, who, q.CAMPAIGNS, q.CAMPAIGN_CONDITIONS, q.CAMPAIGN_KEYSET, ("afterAt", "afterId"),
        {"status": status}, sub, first, after,
    )  # fmt: skip


async def events(
    deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None, campaign_id: str | None
) -> Shaped:
    return await _root_page(
        deps, who, q.EVENTS, q.EVENT_CONDITIONS, q.EVENT_KEYSET, ("afterAt", "afterId"),
        {"campaignId": campaign_id}, sub, first, after,
    )  # fmt: skip


async def segments(deps: Deps, who: Principal, sub: list[Sel], first: int | None, after: str | None) -> Shaped:
    return await _root_page(
        deps, who, q.SEGMENTS, {}, q.SEGMENT_KEYSET, ("afterName", "afterId"), {}, sub, first, after
    )


async def materials(
    deps: Deps, who: Principal, sub: list[Sel], industry: str | None, product: str | None
) -> list[Shaped]:
    c = compiler(deps, who)
    proj, plan = c.obj("Material", {"v": "m"}, sub)
    c.params.update(industry=_lower(industry), product=_lower(product))
    rows = await deps.db.read(q.MATERIALS.replace("{projection}", proj), c.params)
    return [shape(plan, row["node"], encode_cursor) for row in rows]


async def references(deps: Deps, who: Principal, sub: list[Sel], industry: str | None) -> list[Shaped]:
    c = compiler(deps, who)
    proj, plan = c.obj("Company", {"v": "c"}, sub)
    c.params.update(industry=_lower(industry))
    rows = await deps.db.read(q.REFERENCES.replace("{projection}", proj), c.params)
    return [shape(plan, row["node"], encode_cursor) for row in rows]


def _lower(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


async def person_page(
    deps: Deps,
    c: Compiler,
    match: str,
    sub: list[Sel],
    first: int | None,
    after: str | None,
) -> Shaped:
    """A page of persons `p` bound by `match` (a constant with a `{keyset}` slot, parameters already in `c`),
    in id order, projected as selected, with the total only when selected."""
    size, cursor = _page_args(first, after)
    node_sels, wants_total = Compiler.connection_parts(sub)
    cursors = Compiler.wants_cursors(sub)
    proj, plan = c.obj("Person", {"v": "p"}, node_sels)
    c.params.update(PageArgs(size, cursor).after_params("afterId"), limit=size + 1)
    query = q.PERSON_PAGE.format(
        match=match.replace("{keyset}", "($afterId IS NULL OR p.id > $afterId)"),
        projection=proj,
        key="[p.id]" if cursors else "null",
        total=(
            "CALL () { " + match.replace("{keyset}", "true") + " RETURN count(p) AS total }"
            if wants_total
            else "WITH rows, null AS total"
        ),
    )
    r.RECENT.append((query, c.params))
    row = await deps.db.read_one(query, c.params)
    return shape_page(PagePlan(plan, size, cursor is not None, cursors), row or {"rows": [], "total": 0}, encode_cursor)
