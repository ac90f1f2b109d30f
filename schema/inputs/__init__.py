"""GraphQL input objects, one module per area (the areas of schema/types): every `@strawberry.input` lives here.

Inputs import enums (schema/enums.py), scalars and each other, never schema/types or resolvers
(tests/test_schema_layout.py checks it).
"""
