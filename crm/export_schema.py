"""Prints the served schema as SDL (committed as schema.graphql)."""

from __future__ import annotations

from schema.root import build_schema


def main() -> None:
    print(build_schema().as_str())


if __name__ == "__main__":
    main()
