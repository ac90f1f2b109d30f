"""The read compiler: a GraphQL selection (as a neutral tree) becomes one parameterised Cypher statement.

`decl` declares what each type's fields read; `core` and `sales` hold the declarations; `emit`
compiles a selection into a projection and a shaping plan; `shape` turns the result into plain
dicts for the GraphQL layer; `roots` builds the root statements.
"""

# b2c before mail: mail adds Campaign.mailings to b2c's Campaign.
from graph.compiler import b2c, core, history, mail, orders, projects, sales, service
from graph.compiler.decl import TYPES, page_key
from graph.compiler.emit import Compiler, Sel

__all__ = [
    "TYPES",
    "Compiler",
    "Sel",
    "b2c",
    "core",
    "history",
    "mail",
    "orders",
    "page_key",
    "projects",
    "sales",
    "service",
]
