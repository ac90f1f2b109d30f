"""Fields of schema types that are not answered from the parent's data: the types call these (lazily, inside
their field methods), and these call the domain and the context's loaders. Nothing under schema/types imports
resolvers: resolvers map domain rows to types, not the other way round (tests/test_schema_imports.py)."""
