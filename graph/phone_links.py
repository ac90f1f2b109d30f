"""Cypher that keeps the (:Phone {e164}) nodes (see graph/phones.py) in step with the phones of
persons and companies; no imports, so every write module may use it."""

from __future__ import annotations

# Re-links a person `p` to the Phone nodes of its `phones` property (inside a write query).
SYNC_PERSON = """
CALL (p) {
  OPTIONAL MATCH (p)-[old:HAS_PHONE]->(:Phone)
  DELETE old
  WITH DISTINCT p
  UNWIND coalesce(p.phones, []) AS e164
  MERGE (ph:Phone {e164: e164})
  MERGE (p)-[:HAS_PHONE]->(ph)
}
"""

SET_COMPANY_PHONES = """
MATCH (c:Company {id: $id})
SET c.phones = $phones
WITH c
OPTIONAL MATCH (c)-[old:HAS_PHONE]->(:Phone)
DELETE old
WITH DISTINCT c
UNWIND $phones AS e164
MERGE (ph:Phone {e164: e164})
MERGE (c)-[:HAS_PHONE]->(ph)
RETURN count(ph) AS phones
"""

# Existing data: link every person and company to its numbers (idempotent, batched).
MIGRATE = (
    "MATCH (n) WHERE (n:Person OR n:Company) AND size(coalesce(n.phones, [])) > 0 "
    "AND NOT EXISTS { (n)-[:HAS_PHONE]->(:Phone) } "
    "CALL (n) { UNWIND n.phones AS e164 MERGE (ph:Phone {e164: e164}) MERGE (n)-[:HAS_PHONE]->(ph) } "
    "IN TRANSACTIONS OF 5000 ROWS"
)
