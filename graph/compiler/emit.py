"""Compiles a selection tree into one Cypher projection and the plan that shapes its result.

The selection tree is neutral (no GraphQL library types): `Sel(name, args, children, on)`, where
`on` is the type condition of the fragment a field came from. Fields asked for under several
aliases, or through several fragments, are merged into one read; connections with different
arguments are read once per distinct arguments and kept under `page_key(...)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.compiler.decl import TYPES, Decl, Many, One, Page, Same, Type, Union, Val, page_key, plain, py_name
from graph.paging import PageArgs as KeysetArgs

TOKEN = re.compile(r"\{(\w+)\}")

# How the shaper treats one projected entry.
VAL, OBJ, LIST, PAGE, UNION = 0, 1, 2, 3, 4


@dataclass
class Sel:
    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    children: list[Sel] = field(default_factory=list)
    on: str | None = None


Item = tuple[str, str, int, Any]
SAFE_KEY = re.compile(r"[a-z][a-z0-9_]*")


@dataclass
class Plan:
    """Shapes one projected map: (Cypher key, output key, kind, converter or sub-plan).

    Most entries need no shaping: a value under its output key with no converter, or an object or list of
    objects that need none either. `fixes()` lists only the others, so the shaper leaves the rest of the
    driver's dict as it is (and a whole subtree when nothing below needs shaping)."""

    items: list[Item]
    typename: str | None = None
    _fixes: list[Item] | None = field(default=None, repr=False, compare=False)

    def fixes(self) -> list[Item]:
        if self._fixes is None:
            self._fixes = [item for item in self.items if not _as_is(item)]
        return self._fixes

    def as_is(self) -> bool:
        """Whether the projected map already is the shaped dict."""
        return self.typename is None and not self.fixes()


def map_key(out: str, n: int) -> str:
    """The key of the n-th entry of a projected map: the output key itself when it is a plain name (so the
    shaper need not rename it; `ty` tags union members), else a generated one no plain name can equal."""
    return out if SAFE_KEY.fullmatch(out) and out != "ty" else f"_{n}"


def _as_is(item: Item) -> bool:
    key, name, kind, arg = item
    if key != name:
        return False
    if kind == VAL:
        return arg is None
    return kind in (OBJ, LIST) and bool(arg.as_is())


@dataclass
class PagePlan:
    node: Plan
    first: int
    has_previous: bool
    cursors: bool = True  # only encoded when a cursor is selected


# (first, after) as the client sent them -> (first, decoded cursor); raises on bad input.
PageArgs = Callable[[Any, Any], tuple[int, list[Any] | None]]


def merge(children: list[Sel], type_name: str) -> list[tuple[str, Mapping[str, Any], list[Sel]]]:
    """Fields of `type_name` in `children` (fragments of other object types left out), merged."""
    merged: dict[tuple[str, str], tuple[str, Mapping[str, Any], list[Sel]]] = {}
    for sel in children:
        if sel.name.startswith("__"):
            continue
        if sel.on is not None and sel.on != type_name and sel.on in TYPES:
            continue
        key = (sel.name, repr(sorted(sel.args.items())))
        if key not in merged:
            merged[key] = (sel.name, sel.args, [])
        merged[key][2].extend(sel.children)
    return list(merged.values())


class Compiler:
    """One statement's worth of generated names and parameters."""

    def __init__(self, page_args: PageArgs, params: dict[str, Any] | None = None) -> None:
        self.page_args = page_args
        self.params: dict[str, Any] = params if params is not None else {}
        self.taken = 0  # fresh names handed out so far

    def fresh(self, prefix: str = "v") -> str:
        self.taken += 1
        return f"{prefix}{self.taken}"

    def locals_for(self, *templates: str) -> dict[str, str]:
        """Fresh names for the target `{t}`, helpers `{_x}` and the parameter prefix `{p}`."""
        local: dict[str, str] = {}
        for template in templates:
            for name in TOKEN.findall(template):
                if name not in local and (name == "t" or name.startswith("_")):
                    local[name] = self.fresh()
                elif name == "p" and "p" not in local:
                    local["p"] = self.fresh("p") + "_"
        return local

    @staticmethod
    def render(template: str, scope: Mapping[str, str], local: Mapping[str, str]) -> str:
        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in local:
                return local[name]
            if name in scope:
                return scope[name]
            raise KeyError(f"template token {{{name}}} is not bound in {template!r}")

        return TOKEN.sub(sub, template)

    @staticmethod
    def bound(bind: Mapping[str, str], scope: Mapping[str, str], local: Mapping[str, str]) -> dict[str, str]:
        return {k: local.get(v) or scope[v] for k, v in bind.items()}

    # ---- objects

    def obj(self, type_name: str, scope: Mapping[str, str], children: list[Sel]) -> tuple[str, Plan]:
        """A map literal with only the selected fields of `type_name`, read over `scope`."""
        t = TYPES[type_name]
        parts: list[str] = []
        plan = Plan(items=[])
        need_id = False
        # One read per output key: `members(first: 10)` and `members(first: $n)` with n = 10 are one page.
        reads: dict[str, tuple[Decl, Mapping[str, Any], list[Sel]]] = {}
        for name, args, sub in merge(children, type_name):
            decl = t.fields.get(name)
            if decl is None:
                if name not in t.fallback:
                    raise KeyError(f"{type_name}.{name} is not declared for the read compiler")
                need_id = True
                continue
            out = self.out_key(name, decl, args)
            if out in reads:
                reads[out][2].extend(sub)
            else:
                reads[out] = (decl, args, list(sub))
        for out, (decl, args, sub) in reads.items():
            key = map_key(out, len(parts))
            expr, kind, arg = self.field(t, decl, scope, args, sub)
            parts.append(f"{key}: {expr}")
            plan.items.append((key, out, kind, arg))
        if need_id and "id" not in reads:
            key = map_key("id", len(parts))
            expr, kind, arg = self.field(t, t.fields["id"], scope, {}, [])
            parts.append(f"{key}: {expr}")
            plan.items.append((key, "id", kind, arg))
        for out, carried in t.carry.items() if need_id else ():
            key = map_key(out, len(parts))
            expr, kind, arg = self.field(t, carried, scope, {}, [])
            parts.append(f"{key}: {expr}")
            plan.items.append((key, out, kind, arg))
        return "{" + ", ".join(parts) + "}", plan

    def out_key(self, name: str, decl: Decl, args: Mapping[str, Any]) -> str:
        py = py_name(name, decl)
        if isinstance(decl, Page):
            first = args.get("first")
            filters = {name: args.get(name) for name in decl.filters}
            return page_key(py, None if first is None else int(first), args.get("after"), decl.default_first, filters)
        return py

    def field(
        self, t: Type, decl: Decl, scope: Mapping[str, str], args: Mapping[str, Any], sub: list[Sel]
    ) -> tuple[str, int, Any]:
        if isinstance(decl, Val):
            local = self.locals_for(decl.expr)
            return self.render(decl.expr, scope, local), VAL, decl.convert
        if isinstance(decl, Same):
            proj, plan = self.obj(decl.target, self.bound(decl.bind, scope, {}), sub)
            return proj, OBJ, plan
        if isinstance(decl, One):
            local = self.locals_for(decl.pattern)
            proj, plan = self.obj(decl.target, self.bound(decl.bind, scope, local), sub)
            return f"[{self.render(decl.pattern, scope, local)} | {proj}][0]", OBJ, plan
        if isinstance(decl, Many):
            local = self.locals_for(decl.match, decl.order)
            proj, plan = self.obj(decl.target, self.bound(decl.bind, scope, local), sub)
            match = self.render(decl.match, scope, local)
            order = self.render(decl.order, scope, local)
            return f"COLLECT {{ {match} WITH * ORDER BY {order} RETURN {proj} }}", LIST, plan
        if isinstance(decl, Union):
            return self.union(decl, scope, sub)
        return self.page(decl, scope, args, sub)

    def union(self, decl: Union, scope: Mapping[str, str], sub: list[Sel]) -> tuple[str, int, Any]:
        """Each member projected as its own type, tagged `ty` so the shaper picks its plan."""
        local = self.locals_for(decl.match, decl.order)
        inner = self.bound(decl.bind, scope, local)
        node = inner["v"]
        cases: list[str] = []
        plans: dict[str, Plan] = {}
        for type_name, label in decl.targets.items():
            proj, plan = self.obj(type_name, inner, sub)
            plan.typename = type_name
            plans[type_name] = plan
            tagged = "{ty: '" + type_name + "'" + (", " + proj[1:] if proj != "{}" else "}")
            cases.append(f"WHEN {node}:{label} THEN {tagged}")
        labels = " OR ".join(f"{node}:{label}" for label in decl.targets.values())
        match = self.render(decl.match, scope, local)
        order = self.render(decl.order, scope, local)
        expr = f"COLLECT {{ {match} WITH * WHERE {labels} WITH * ORDER BY {order} RETURN CASE {' '.join(cases)} END }}"
        return expr, UNION, plans

    # ---- connections

    def page(
        self, decl: Page, scope: Mapping[str, str], args: Mapping[str, Any], sub: list[Sel]
    ) -> tuple[str, int, Any]:
        first, after = self.page_args(args.get("first"), args.get("after"))
        templates = (decl.match, decl.order, decl.key, decl.after, decl.then, decl.first_page, decl.total)
        local = self.locals_for(*templates, "{p}")
        prefix = local["p"]
        self.params[prefix + "limit"] = first + 1
        if after is not None:
            local["where"] = self.render(decl.after, scope, local)
            self.params[prefix + "after"] = after
            self.params.update({f"{prefix}{i}": value for i, value in enumerate(cursor_key(decl, after))})
        else:
            local["where"] = self.render(decl.first_page, scope, local)
        for name, condition in decl.filters.items():
            self.params[prefix + name] = plain(args.get(name))  # the total may read it too (null: not set)
            if args.get(name) is not None:
                local["where"] = f"({local['where']}) AND {self.render(condition, scope, local)}"
        node_sels, wants_total = self.connection_parts(sub)
        cursors = self.wants_cursors(sub)
        proj, plan = self.obj(decl.target, self.bound(decl.bind, scope, local), node_sels)
        match = self.render(decl.match, scope, local)
        order = self.render(decl.order, scope, local)
        then = self.render(decl.then, scope, local)
        key = self.render(decl.key, scope, local) if cursors else "null"
        total = self.render(decl.total, scope, local) if wants_total else "null"
        rows = (
            f"COLLECT {{ {match} WITH * ORDER BY {order} LIMIT ${prefix}limit {then} RETURN {{n: {proj}, k: {key}}} }}"
        )
        return f"{{rows: {rows}, total: {total}}}", PAGE, PagePlan(plan, first, after is not None, cursors)

    @staticmethod
    def wants_cursors(sub: list[Sel]) -> bool:
        """Whether an edge's cursor or the page's start or end cursor is selected."""
        for sel in sub:
            if sel.name == "edges" and any(edge.name == "cursor" for edge in sel.children):
                return True
            if sel.name == "pageInfo" and any(info.name in ("startCursor", "endCursor") for info in sel.children):
                return True
        return False

    @staticmethod
    def connection_parts(sub: list[Sel]) -> tuple[list[Sel], bool]:
        """The selections below edges.node, and whether totalCount is selected."""
        nodes: list[Sel] = []
        wants_total = False
        for sel in sub:
            if sel.name == "totalCount":
                wants_total = True
            elif sel.name == "edges":
                nodes.extend(child for edge in sel.children if edge.name == "node" for child in edge.children)
        return nodes, wants_total


def cursor_key(decl: Page, after: list[Any]) -> list[Any]:
    """The cursor's values for the page's keyset condition, checked against the page's key: as many parts as
    the key has, each a string, those the condition reads as `datetime(${p}i)` a time as Cypher's toString
    writes it. A forged cursor, or one of another page, raises InvalidCursor."""
    times = set(re.findall(r"datetime\(\$\{p\}(\d+)\)", decl.after))
    names = [f"afterAt{i}" if str(i) in times else f"after{i}" for i in range(_arity(decl.key))]
    return list(KeysetArgs(0, after).after_params(*names).values())


def _arity(key: str) -> int:
    """How many parts the key list `[a, f(b, c), d]` has (commas outside nested brackets)."""
    depth, parts = 0, 1
    for char in key.strip()[1:-1]:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts += 1
    return parts
