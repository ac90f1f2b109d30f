"""What a type can answer: each GraphQL field of a type declared once, as Cypher templates.

A template names the node of its scope `{v}` (and the other variables a scope binds, e.g. `{m}`
for a buying-center membership), the node a hop reaches `{t}`, and fresh helper variables
`{_name}`; `{p}` prefixes the parameters a template adds. The compiler replaces every token with
a generated name, so templates nest to any depth without clashes. Only these constants and
generated names ever form Cypher text; values from the client travel as parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

Convert = Callable[[Any], Any]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)


def ms(value: Any) -> datetime:
    """Times leave Cypher as epoch milliseconds (hydrating a Neo4j temporal costs ~85 µs). Any stored value
    reads: one outside what Python can show reads as the first or last representable moment."""
    try:
        return EPOCH + timedelta(milliseconds=value)
    except OverflowError:
        return LAST if value > 0 else FIRST


def iso_date(value: Any) -> date:
    """A date as ISO text; one outside what Python can show (before year 1, after 9999) reads as the first or
    last representable day."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        if str(value).startswith("-") or str(value).startswith("0000"):
            return date.min
        return date.max


def decimal(value: Any) -> Decimal:
    return Decimal(value)


@dataclass(frozen=True)
class Val:
    """A leaf value (scalar, enum, list of scalars, or a small map such as a point)."""

    expr: str
    convert: Convert | None = None
    py: str = ""


@dataclass(frozen=True)
class One:
    """At most one node of `target` through a pattern (a pattern comprehension, first match)."""

    pattern: str
    target: str
    bind: Mapping[str, str] = field(default_factory=lambda: {"v": "t"})
    py: str = ""


@dataclass(frozen=True)
class Many:
    """A list of `target`: reading clauses binding `{t}`, ordered on nodes before projection."""

    match: str
    target: str
    order: str
    bind: Mapping[str, str] = field(default_factory=lambda: {"v": "t"})
    py: str = ""


@dataclass(frozen=True)
class Same:
    """Another type read over the same variables (Opportunity.buyingCenter, a member's person)."""

    target: str
    bind: Mapping[str, str] = field(default_factory=lambda: {"v": "v"})
    py: str = ""


@dataclass(frozen=True)
class Union:
    """A list of nodes of several types: `targets` maps each GraphQL type to its node label."""

    match: str
    targets: Mapping[str, str]
    order: str
    bind: Mapping[str, str] = field(default_factory=lambda: {"v": "t"})
    py: str = ""


@dataclass(frozen=True)
class Page:
    """A connection: a keyset page inside the statement.

    `match` has a `{where}` slot for the keyset condition `after`, which reads the cursor's values
    as `${p}0`, `${p}1`, ...; `key` is the list the cursor encodes; `total` counts every row (only
    emitted when totalCount is selected).
    """

    match: str
    target: str
    order: str
    key: str
    after: str
    total: str
    bind: Mapping[str, str] = field(default_factory=lambda: {"v": "t"})
    then: str = ""
    # The condition without a cursor (e.g. a range that keeps an index-backed order).
    first_page: str = "true"
    default_first: int = 50
    py: str = ""
    # Further arguments of the connection: name -> condition over `${p}name` (added when the argument is set).
    filters: Mapping[str, str] = field(default_factory=dict)


Decl = Val | One | Many | Same | Union | Page


@dataclass(frozen=True)
class Type:
    """A GraphQL object type: its fields by GraphQL name."""

    name: str
    fields: Mapping[str, Decl]
    # Fields answered outside the statement (by a DataLoader from the node's id).
    fallback: frozenset[str] = frozenset()
    # Read with the node whenever a fallback field is selected, under these keys (not GraphQL fields): what
    # those resolvers need besides the id, so they need no round trip of their own to fetch it.
    carry: Mapping[str, Val] = field(default_factory=dict)


TYPES: dict[str, Type] = {}


def declare(*types: Type) -> None:
    for t in types:
        TYPES[t.name] = t


def py_name(name: str, decl: Decl | None = None) -> str:
    """The Python attribute Strawberry reads for a GraphQL field (firstName -> first_name)."""
    if decl is not None and decl.py:
        return decl.py
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def page_key(
    py: str, first: int | None, after: str | None, default_first: int = 50, filters: Mapping[str, Any] | None = None
) -> str:
    """Where a shaped object keeps a connection read with these arguments (resolvers use it too)."""
    key = f"{py}|{default_first if first is None else first}|{after or ''}"
    for name, value in sorted((filters or {}).items()):
        if value is not None:
            key += f"|{name}={plain(value)}"
    return key


def plain(value: Any) -> Any:
    """An argument as the statement takes it (an enum member as its value)."""
    return getattr(value, "value", value)
