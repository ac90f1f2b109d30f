"""Glue between Strawberry and the read compiler (graph.compiler knows nothing of GraphQL libraries).

* `selection(info)` turns the selection below the current field into the compiler's neutral tree
  (fragments flattened with their type condition, @skip/@include applied, variables resolved).
* Compiled reads come back as plain dicts keyed by Python field names: `read_field` is the
  schema's default resolver (dict key or attribute), `compiled(obj)` tells resolvers with custom
  logic that their parent was shaped by a statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from graphql.execution.values import VariableValues
from strawberry.types.nodes import SelectedField, Selection

from graph.compiler import Sel
from schema.context import Info
from schema.document_cache import DocumentCache, variables_text

Row = dict[str, Any]


def _skipped(directives: dict[str, dict[str, Any]]) -> bool:
    if not directives:
        return False
    skip = directives.get("skip")
    include = directives.get("include")
    return bool(skip and skip.get("if")) or (include is not None and not include.get("if"))


def _convert(selections: Iterable[Selection], on: str | None = None) -> list[Sel]:
    out: list[Sel] = []
    for sel in selections:
        if _skipped(sel.directives):
            continue
        if isinstance(sel, SelectedField):
            out.append(Sel(sel.name, sel.arguments, _convert(sel.selections), on))
        else:
            out.extend(_convert(sel.selections, sel.type_condition or on))
    return out


class Selected(list[Sel]):
    """A selection with its text (`key`), computed once: the compiler's statement cache is keyed by it."""

    key: str


# Selections by the field nodes they came from and the variables (schema.document_cache): a hit skips
# Strawberry's conversion of the selection and its text.
_SELECTED: DocumentCache[Selected] = DocumentCache()


def selection(info: Info) -> list[Sel]:
    """What the client selected below the current field."""
    raw = info._raw_info
    nodes = tuple(raw.field_nodes)
    values: Any = raw.variable_values  # typed as graphql-core's VariableValues, handed out as the coerced dict
    variables = variables_text(values.coerced if isinstance(values, VariableValues) else values)
    found = _SELECTED.get("selection", variables, nodes)
    if found is None:
        found = Selected(_convert(child for field in info.selected_fields for child in field.selections))
        found.key = repr(list(found))
        _SELECTED.put("selection", variables, nodes, found)
    return found


def read_field(obj: Any, name: str) -> object:
    """Default resolver: a compiled read's dict by key, any other object by attribute."""
    if type(obj) is dict:
        return obj[name]
    return getattr(obj, name)


def compiled(obj: object) -> Row | None:
    """The shaped dict when `obj` came from a compiled statement, else None."""
    return obj if type(obj) is dict else None


def is_type_of(cls: type, obj: Any) -> bool:
    """Compiled dicts carry `__typename` where the position is abstract (node, unions)."""
    if type(obj) is dict:
        return bool(obj.get("__typename", cls.__name__) == cls.__name__)
    return isinstance(obj, cls)


F = TypeVar("F", bound=Callable[..., Any])


def entry(resolver: F) -> F:
    """Marks a resolver that, on a compiled dict, returns the dict's entry under the field's Python name
    (the lean executor then reads the entry itself; the resolver serves the other sources)."""
    resolver._compiled_entry = "entry"  # type: ignore[attr-defined]
    return resolver


def paged(resolver: F) -> F:
    """Marks a connection resolver that, on a compiled dict, returns the entry under
    `page_key(python name, first, after)`."""
    resolver._compiled_entry = "page"  # type: ignore[attr-defined]
    return resolver
