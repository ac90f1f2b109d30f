"""Imports flow one way: resolvers map domain rows to schema types, so no module under schema/types (nor the
schema/fields helpers the types call) imports resolvers, at module level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_schema_types_and_fields_never_import_resolvers() -> None:
    files = sorted([*ROOT.glob("schema/types/*.py"), *ROOT.glob("schema/fields/*.py")])
    assert len(files) > 10
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "resolvers")
        for path in files
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from resolvers.orders import person_field\n    return person_field\n")
    assert "resolvers.orders" in imported_modules(sample)
