"""Cypher for the vCard import (the person statements themselves are graph/persons.py's)."""

from __future__ import annotations

# Imports run one after another, so two imports of the same address cannot both create a person.
LOCK = "MERGE (l:Lock {name: 'vcard-import'}) SET l._lock = true REMOVE l._lock"
# The oldest person with the address, under its write lock (moves and erasure wait or are waited for).
BY_EMAIL = """
MATCH (p:Person) WHERE p.emailLower = $email
WITH p ORDER BY p.createdAt, p.id LIMIT 1
SET p._lock = true REMOVE p._lock
WITH p WHERE p:Person
RETURN p.id AS id, p.firstName AS firstName, p.lastName AS lastName
"""
