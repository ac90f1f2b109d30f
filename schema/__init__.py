"""The GraphQL API's types, inputs, enums and permissions (Strawberry)."""
