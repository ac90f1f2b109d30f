"""The transactional outbox: change events written by the transaction that makes the change.

An `(:OutboxEvent)` node lives from the commit of its write until a relay has appended it to the
change stream; its `id` is the event's idempotency key (MERGE: a retried commit records it once).
"""

from __future__ import annotations

RECORD = """
UNWIND $events AS event
MERGE (o:OutboxEvent {id: event.id})
ON CREATE SET o += event
"""

# Oldest first: `at` (epoch microseconds at record time), then the order within the transaction.
PENDING = """
MATCH (o:OutboxEvent)
WHERE o.at < $before
WITH o ORDER BY o.at, o.seq LIMIT $limit
RETURN o {.*} AS event
"""

DELETE = """
UNWIND $ids AS id
MATCH (o:OutboxEvent {id: id})
DELETE o
"""

COUNT = "MATCH (o:OutboxEvent) RETURN count(o) AS pending"
