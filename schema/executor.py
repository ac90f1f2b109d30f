"""Lean execution of compiled reads.

A compiled statement returns the response already shaped as dicts (graph.compiler). graphql-core
would still resolve each of their fields one by one: a resolve-info object, a resolver call, and
a completion step per field and per list item, about 10-25 µs a field (bench/execution.py). Most
fields of such a dict are *basic*: no resolver, no permission, the value is the dict's entry. This
executor completes those directly from the dict, and whole subtrees at once when every field below
is basic: a per-request plan per (type, selection) holds one small function per field, built once and
applied to every row.

Semantics stay graphql-core's: values go through the same scalar and enum serializers; a field whose
fast completion meets anything unusual (a null in a non-null position, a value that is not a dict,
an abstract type, a field with a resolver, a serializer refusing a value) is executed again by the
stock path, which raises the same errors at the same paths. Operations with @defer/@stream and
schemas with resolve middleware take the stock path throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import CodeType
from typing import Any, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.compiler import page_key
from schema.document_cache import DocumentCache, variables_text

Step = Callable[[Any], Any]
_BUILT_IN = {t.name: t for t in (GraphQLString, GraphQLID, GraphQLBoolean, GraphQLInt, GraphQLFloat)}
# Per field of a grouped field set, in its order: the fast step from the parent dict and its spec (None: stock path).
Plan = list[tuple[Step | None, "Spec | None"]]


class Slow(Exception):
    """The fast completion met something only the stock path handles. Raised as a fresh instance each time
    (a shared instance would keep every traceback it was ever raised with)."""


def _leaf(serialize: Callable[[Any], Any], non_null: bool) -> Step:
    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise Slow
            return None
        out = serialize(value)
        if out is None or out is Undefined:
            raise Slow
        return out

    return complete


# Built-in scalars whose serializer returns these values unchanged (graphql-core: str for String and ID,
# bool for Boolean, a 32-bit int for Int, a finite float for Float); anything else goes through it.
_SAME: dict[str, Callable[[Any], bool]] = {
    "String": lambda v: type(v) is str,
    "ID": lambda v: type(v) is str,
    "Boolean": lambda v: type(v) is bool,
    "Int": lambda v: type(v) is int and -(2**31) <= v < 2**31,
    "Float": lambda v: type(v) is float and math.isfinite(v),
}


def _scalar(type_: GraphQLScalarType, non_null: bool) -> Step:
    slow = _leaf(type_.serialize, non_null)
    if type_.name not in _SAME or type_.serialize is not _BUILT_IN[type_.name].serialize:
        return slow
    if type_.name in ("String", "ID"):
        return lambda value: value if type(value) is str else slow(value)
    same = _SAME[type_.name]
    return lambda value: value if same(value) else slow(value)


def _strings(type_: GraphQLOutputType) -> bool:
    """Whether a str value of this field is its own result (built-in String or ID, stock serializer)."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return (
        isinstance(inner, GraphQLScalarType)
        and inner.name in ("String", "ID")
        and inner.serialize is _BUILT_IN[inner.name].serialize
    )


def _enum(type_: GraphQLEnumType, non_null: bool) -> Step:
    """Stored values (strings) map to their names by one lookup; anything else takes the serializer."""
    slow = _leaf(type_.serialize, non_null)
    try:
        names = {v.value: name for name, v in type_.values.items() if type(v.value) is str}
    except TypeError:
        return slow

    def complete(value: Any) -> Any:
        if type(value) is str:
            name = names.get(value)
            if name is not None:
                return name
        return slow(value)

    return complete


def _list(item: Step, non_null: bool) -> Step:
    def complete(value: Any) -> Any:
        if value is None:
            if non_null:
                raise Slow
            return None
        if type(value) is not list:
            raise Slow
        return [item(x) for x in value]

    complete.item = item  # type: ignore[attr-defined]  # object completions inline the loop (see _object)
    return complete


class Spec(NamedTuple):
    """How one field is completed from its parent dict: the dict's `key` (None: the field is `__typename`)
    and the value's completion; `strings` when a str value is its own result (String and ID)."""

    key: str | None
    complete: Step
    strings: bool = False


# Compiled object completions by their source text: compiling is what costs, binding is cheap.
_CODE: dict[str, CodeType] = {}
MAX_CODE = 4096


def _object(type_name: str, fields: list[tuple[str, Spec]], non_null: bool) -> Step:
    """One generated function per object selection: a str field costs a dict read and a type check, any other
    field one call of its completion, and no per-field closure, loop or comprehension remains."""
    ns: dict[str, Any] = {"Slow": Slow, "T": type_name}
    lines = [
        "def complete(value):",
        "    if value is None:",
        "        raise Slow" if non_null else "        return None",
        "    if type(value) is not dict or ('__typename' in value and value['__typename'] != T):",
        "        raise Slow",
    ]
    outs: list[str] = []
    for i, (response_name, spec) in enumerate(fields):
        if spec.key is None:
            outs.append(f"{response_name!r}: T")
            continue
        ns[f"c{i}"] = spec.complete
        item = getattr(spec.complete, "item", None)
        if spec.strings:
            lines.append(f"    x{i} = value[{spec.key!r}]")
            lines.append(f"    if type(x{i}) is not str:")
            lines.append(f"        x{i} = c{i}(x{i})")
        elif item is not None:  # a list: its loop runs here, anything but a list takes the list's completion
            ns[f"i{i}"] = item
            lines.append(f"    x{i} = value[{spec.key!r}]")
            lines.append(f"    x{i} = [i{i}(v) for v in x{i}] if type(x{i}) is list else c{i}(x{i})")
        else:
            lines.append(f"    x{i} = c{i}(value[{spec.key!r}])")
        outs.append(f"{response_name!r}: x{i}")
    lines.append("    return {" + ", ".join(outs) + "}")
    source = "\n".join(lines)
    code = _CODE.get(source)
    if code is None:
        if len(_CODE) >= MAX_CODE:
            _CODE.clear()
        code = _CODE[source] = compile(source, f"<complete {type_name}>", "exec")
    exec(code, ns)  # the source holds only repr-quoted schema names and generated locals
    complete: Step = ns["complete"]
    return complete


def _entry(python_name: str, complete: Step) -> Step:
    def step(source: Any) -> Any:
        return complete(source[python_name])

    return step


def _typename(name: str) -> Step:
    return lambda _source: name


# Plans shared across requests (see LeanExecutor._shared_plan).
_PLANS: DocumentCache[Plan] = DocumentCache()


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with a fast path for the basic fields of compiled dicts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, int], tuple[GroupedFieldSet, Plan]] = {}
        self._lean = not getattr(self.middleware_manager, "middlewares", None)
        self._variables: str | None = None

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if position_context is not None or type(source_value) is not dict or not self._lean:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        plan = self._plan(parent_type, grouped_field_set)
        for (response_name, field_details_list), (step, _spec) in zip(grouped_field_set.items(), plan, strict=True):
            if step is not None:
                try:
                    results[response_name] = step(source_value)
                    continue
                except Exception:  # noqa: BLE001 - the stock path below reports it properly
                    pass
            result = self.execute_field(
                parent_type, source_value, field_details_list, Path(path, response_name, parent_type.name), None
            )
            if result is not Undefined:
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    # ---- plans

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        key = (parent_type.name, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan = self._shared_plan(parent_type, grouped_field_set)
        self._plans[key] = (grouped_field_set, plan)  # the set is kept alive, so its id is not reused
        return plan

    def _shared_plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        """Plans are shared by requests that select the same fields of the same parsed document with the same
        variables (schema.document_cache): the steps depend on nothing else."""
        if any(d.fragment_variable_values is not None for details in grouped_field_set.values() for d in details):
            return self._build_plan(parent_type, grouped_field_set)
        if self._variables is None:
            self._variables = variables_text(self.variable_values.coerced)
        nodes = tuple(d.node for details in grouped_field_set.values() for d in details)
        plan = _PLANS.get(parent_type, self._variables, nodes)
        if plan is None:
            plan = self._build_plan(parent_type, grouped_field_set)
            _PLANS.put(parent_type, self._variables, nodes, plan)
        return plan

    def _build_plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        plan: Plan = []
        for field_details_list in grouped_field_set.values():
            spec = self._field_spec(parent_type, field_details_list)
            if spec is None:
                step = None
            elif spec.key is None:
                step = _typename(parent_type.name)
            else:
                step = _entry(spec.key, spec.complete)
            plan.append((step, spec))
        return plan

    def _field_spec(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> Spec | None:
        """How to complete the field from its parent dict, or None when it needs the stock path."""
        name = field_details_list[0].node.name.value
        if name == "__typename":
            return Spec(None, _typename(parent_type.name))
        field_def = parent_type.fields.get(name)
        if field_def is None:
            return None
        definition = field_def.extensions.get("strawberry-definition")
        python_name = getattr(definition, "python_name", None)
        if python_name is None:
            return None
        key = python_name
        if not getattr(field_def.resolve, "_is_default", False):
            # A resolver marked by schema.compiled.entry/paged reads the compiled dict's entry; others run.
            resolver = getattr(definition, "base_resolver", None)
            marker = getattr(getattr(resolver, "wrapped_func", None), "_compiled_entry", None)
            if marker is None or getattr(definition, "extensions", None):
                return None
            if marker == "page":
                details = field_details_list[0]
                try:
                    args = get_argument_values(
                        field_def, details.node, self.variable_values, details.fragment_variable_values
                    )
                except Exception:  # noqa: BLE001 - bad arguments: the stock path reports them
                    return None
                key = page_key(python_name, args.get("first"), args.get("after"))
        complete = self._value_step(field_def.type, field_details_list)
        return None if complete is None else Spec(key, complete, _strings(field_def.type))

    def _value_step(self, type_: GraphQLOutputType, field_details_list: FieldDetailsList) -> Step | None:
        non_null = isinstance(type_, GraphQLNonNull)
        inner: Any = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLScalarType):
            return _scalar(inner, non_null)
        if isinstance(inner, GraphQLEnumType):
            return _enum(inner, non_null)
        if isinstance(inner, GraphQLList):
            item = self._value_step(inner.of_type, field_details_list)
            return None if item is None else _list(item, non_null)
        if isinstance(inner, GraphQLObjectType):
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(inner, field_details_list)
            if new_defer_usages:
                return None
            fields: list[tuple[str, Spec]] = []
            for response_name, (_step, spec) in zip(
                grouped_field_set, self._plan(inner, grouped_field_set), strict=True
            ):
                if spec is None:
                    return None  # a field below needs its resolver: the object takes the mixed path
                fields.append((response_name, spec))
            return _object(inner.name, fields, non_null)
        return None  # interfaces and unions: the stock path resolves the runtime type
