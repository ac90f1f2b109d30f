"""Thin resolvers: check arguments, call the domain, map results to schema types."""
