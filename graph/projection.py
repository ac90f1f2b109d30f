"""Composes a map projection from constant Cypher fragments chosen by name.

Only fragment constants defined in this package are ever joined; user input
reaches the query as parameters alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def project(var: str, base: str, fragments: Mapping[str, str], include: Iterable[str]) -> str:
    parts = [base, *(fragments[name] for name in sorted(set(include)) if name in fragments)]
    return f"{var} {{{', '.join(p for p in parts if p)}}}"


def compose(template: str, **pieces: str) -> str:
    """Fills `{name}` slots of a constant template with other constants."""
    return template.format(**pieces)


def where(conditions: Mapping[str, str], active: Iterable[str], *always: str) -> str:
    """AND of the constant conditions named in `active` (and `always`); "true" when empty."""
    parts = [*always, *(conditions[name] for name in sorted(set(active)) if name in conditions)]
    return " AND ".join(parts) if parts else "true"
