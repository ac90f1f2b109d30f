"""Turns the statement's maps into what the GraphQL types read: plain dicts keyed by the
Python field names (Strawberry's default resolver reads them), times as datetimes, pages as
{edges, page_info, total_count}. One pass over only the entries that need it, no per-field tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.compiler.emit import LIST, OBJ, PAGE, UNION, VAL, PagePlan, Plan

Encode = Callable[[list[Any]], str]


def shape(plan: Plan, raw: dict[str, Any], encode: Encode) -> dict[str, Any]:
    """Shapes the driver's dict in place (it is this read's own): only the entries the plan lists as
    needing it are renamed, converted or shaped below."""
    for key, name, kind, arg in plan.fixes():
        value = raw.pop(key) if key != name else raw[name]
        if kind == VAL:
            raw[name] = value if arg is None or value is None else arg(value)
        elif kind == OBJ:
            raw[name] = None if value is None else shape(arg, value, encode)
        elif kind == LIST:
            raw[name] = value if arg.as_is() else [shape(arg, v, encode) for v in value]
        elif kind == PAGE:
            raw[name] = shape_page(arg, value, encode)
        elif kind == UNION:
            raw[name] = [shape(arg[v.pop("ty")], v, encode) for v in value]
    if plan.typename is not None:
        raw["__typename"] = plan.typename
    return raw


def shape_page(plan: PagePlan, raw: dict[str, Any], encode: Encode) -> dict[str, Any]:
    rows = raw["rows"]
    has_next = len(rows) > plan.first
    rows = rows[: plan.first]
    node = plan.node
    edges: list[dict[str, Any]]
    if node.as_is():
        if plan.cursors:
            edges = [{"cursor": encode(r["k"]), "node": r["n"]} for r in rows]
        else:
            edges = [{"cursor": None, "node": r["n"]} for r in rows]
    elif plan.cursors:
        edges = [{"cursor": encode(r["k"]), "node": shape(node, r["n"], encode)} for r in rows]
    else:
        edges = [{"cursor": None, "node": shape(node, r["n"], encode)} for r in rows]
    return {
        "edges": edges,
        "page_info": {
            "has_next_page": has_next,
            "has_previous_page": plan.has_previous,
            "start_cursor": edges[0]["cursor"] if edges else None,
            "end_cursor": edges[-1]["cursor"] if edges else None,
        },
        "total_count": raw["total"] or 0,
    }
