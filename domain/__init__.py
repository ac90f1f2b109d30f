"""Use cases shared by the API, the workers and the integrations."""
