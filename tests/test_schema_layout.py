"""Where the schema's classes live: every GraphQL input (`@strawberry.input`) in schema/inputs/<area>.py, output
types in schema/types/<area>.py; inputs use enums (schema/enums.py), scalars and other inputs, never schema/types
nor resolvers (checked by parsing every module under schema/ with `ast`)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.test_schema_imports import ROOT, imported_modules


def _is_strawberry_input(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (
        isinstance(target, ast.Attribute)
        and target.attr == "input"
        and isinstance(target.value, ast.Name)
        and target.value.id == "strawberry"
    )


def input_classes(path: Path) -> list[str]:
    """The classes of a module decorated with @strawberry.input (bare or called, at any depth)."""
    return [
        node.name
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.ClassDef) and any(_is_strawberry_input(d) for d in node.decorator_list)
    ]


def schema_modules() -> list[Path]:
    return sorted(ROOT.glob("schema/**/*.py"))


def test_inputs_are_defined_only_under_schema_inputs() -> None:
    found = {str(path.relative_to(ROOT)): input_classes(path) for path in schema_modules()}
    outside = {path: names for path, names in found.items() if names and not path.startswith("schema/inputs/")}
    assert outside == {}
    assert sum(len(names) for names in found.values()) > 40


def test_input_modules_never_import_schema_types_or_resolvers() -> None:
    files = sorted(ROOT.glob("schema/inputs/*.py"))
    assert len(files) > 10
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "resolvers" or m.startswith("schema.types")
        )
        for path in files
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_input_modules_are_named_after_the_type_areas() -> None:
    areas = {path.stem for path in ROOT.glob("schema/types/*.py")}
    modules = {path.stem for path in ROOT.glob("schema/inputs/*.py")} - {"__init__"}
    assert modules - areas == set()


def test_the_check_sees_an_input_in_a_types_module(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import strawberry\n\n"
        "@strawberry.type\nclass Out:\n    a: int\n\n"
        "@strawberry.input\nclass In:\n    a: int\n\n"
        '@strawberry.input(description="d")\nclass Described:\n    a: int\n'
    )
    assert input_classes(sample) == ["In", "Described"]
