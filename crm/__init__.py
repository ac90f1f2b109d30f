"""The app entry: Starlette app factory and the `crm` command line."""
