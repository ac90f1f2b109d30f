"""Cypher for subscription webhooks and their deliveries.

A `(:Webhook)` keeps its signing secret (it must sign, so it is not hashed), the creator (user, and
API key when created through one), the committed position in the change stream (`position`, the
last entry id the dispatcher handled) and `nextSeq`, the order of its deliveries. A
`(:WebhookDelivery)` is one (webhook, event) pair: its id is the X-CRM-Delivery header; `seq`
orders it among the webhook's deliveries; `pendingOf` (the webhook id) is set only while it waits
(PENDING or RETRYING), so the head of a webhook's queue is one index seek however long its history.
"""

from __future__ import annotations

from graph.users import USER

WEBHOOK = (
    "w {.id, .url, .subscriptionQuery, .active, createdAt: w.createdAt.epochMillis, "
    f"createdBy: [(w)-[:CREATED_BY]->(u:User) | {USER}][0]}}"
)
DELIVERY = (
    "d {.id, .eventId, .attempt, .status, .responseCode, at: d.at.epochMillis, "
    "nextAttemptAt: d.nextAttemptAt.epochMillis, .webhookId}"
)

CREATE = f"""
MATCH (u:User {{id: $userId}})
CREATE (w:Webhook:Entity {{id: $id, url: $url, subscriptionQuery: $query, secret: $secret, active: true,
  createdAt: datetime(), createdByKeyId: $keyId, position: $position, nextSeq: 0}})
CREATE (w)-[:CREATED_BY]->(u)
RETURN {WEBHOOK} AS webhook
"""

LIST = f"MATCH (w:Webhook) RETURN {WEBHOOK} AS webhook ORDER BY w.createdAt, w.id"
BY_ID = f"MATCH (w:Webhook {{id: $id}}) RETURN {WEBHOOK} AS webhook"

SET_ACTIVE = f"""
MATCH (w:Webhook {{id: $id}})
SET w._lock = true REMOVE w._lock
WITH w, w.active <> $active AS changed
SET w.active = $active
RETURN {WEBHOOK} AS webhook, changed
"""

# The deliveries go with the webhook (in batches: a long history is not one huge transaction).
DELETE = """
MATCH (w:Webhook {id: $id})
SET w._lock = true REMOVE w._lock
DETACH DELETE w
RETURN $id AS id
"""
DELETE_DELIVERIES = """
MATCH (d:WebhookDelivery) WHERE d.webhookId = $id
CALL (d) { DELETE d } IN TRANSACTIONS OF 10000 ROWS
"""

# What the dispatcher needs: the document, the creator and the committed position.
ACTIVE = """
MATCH (w:Webhook)-[:CREATED_BY]->(u:User)
WHERE w.active
RETURN w.id AS id, w.subscriptionQuery AS query, w.position AS position, u.id AS userId, w.createdByKeyId AS keyId
"""

# The creator as a principal: the user (active) and, for a webhook created through an API key, the key
# (not revoked); no row when either is gone.
CREATOR = f"""
MATCH (u:User {{id: $userId}}) WHERE u.active
OPTIONAL MATCH (k:ApiKey {{id: $keyId}})-[:CREATED_BY]->(u) WHERE k.revokedAt IS NULL
WITH u, k WHERE $keyId IS NULL OR k IS NOT NULL
RETURN {USER} AS user, k.role AS keyRole
"""

# Records the deliveries of a batch of events and moves the committed positions, for several webhooks in one
# transaction; each only from the position the dispatcher read (no row for a webhook another dispatcher moved, or
# that is gone). MERGE on the delivery id: a batch recorded twice yields each delivery once.
RECORD = """
UNWIND $hooks AS h
MATCH (w:Webhook {id: h.webhookId})
WHERE w.position = h.from
WITH w, h, coalesce(w.nextSeq, 0) AS base
SET w.position = h.to, w.nextSeq = base + size(h.rows)
WITH w, h, base
CALL (w, h, base) {
  UNWIND range(0, size(h.rows) - 1) AS i
  WITH w, base + i AS seq, h.rows[i] AS row
  MERGE (d:WebhookDelivery {id: row.id})
  ON CREATE SET d.webhookId = w.id, d.pendingOf = w.id, d.eventId = row.eventId, d.eventKey = row.key,
    d.seq = seq, d.status = 'PENDING', d.attempt = 0, d.body = row.body, d.createdAt = datetime(),
    d.at = datetime(), d.due = $now
  RETURN count(*) AS recorded
}
RETURN w.id AS id
"""

# The head of the webhook's queue: waiting deliveries in order, with what it takes to send them.
NEXT = """
MATCH (w:Webhook {id: $id})
OPTIONAL MATCH (d:WebhookDelivery) WHERE d.pendingOf = $id AND d.seq >= 0
WITH w, d ORDER BY d.seq LIMIT $limit
RETURN w.url AS url, w.secret AS secret, w.active AS active,
  [x IN collect(d) | x {.id, .seq, .attempt, .body, .due, firstAttemptAt: x.firstAttemptAt.epochMillis}] AS deliveries
"""

# Outcomes of attempts: `status` SUCCEEDED/FAILED leaves the queue (the body of a success is dropped).
OUTCOMES = """
UNWIND $rows AS row
MATCH (d:WebhookDelivery {id: row.id})
WHERE d.pendingOf IS NOT NULL
SET d.status = row.status, d.attempt = d.attempt + 1, d.responseCode = row.responseCode,
  d.at = datetime({epochMillis: row.at}),
  d.firstAttemptAt = coalesce(d.firstAttemptAt, datetime({epochMillis: row.at})),
  d.nextAttemptAt = CASE WHEN row.nextAttemptAt IS NULL THEN null ELSE datetime({epochMillis: row.nextAttemptAt}) END,
  d.due = row.nextAttemptAt,
  d.pendingOf = CASE WHEN row.status = 'RETRYING' THEN d.webhookId ELSE null END,
  d.body = CASE WHEN row.status = 'SUCCEEDED' THEN null ELSE d.body END
"""

# The outcomes of the last attempts, then the head of the queue after them: one statement, one round trip.
OUTCOMES_THEN_NEXT = "CALL () {" + OUTCOMES.replace("\n", "\n  ") + "} WITH count(*) AS recorded" + NEXT

# Active webhooks (of $ids, or all when null) whose next delivery is due (one index seek each).
DUE = """
MATCH (w:Webhook) WHERE w.active AND ($ids IS NULL OR w.id IN $ids)
CALL (w) {
  MATCH (d:WebhookDelivery) WHERE d.pendingOf = w.id AND d.seq >= 0
  RETURN d ORDER BY d.seq LIMIT 1
}
WITH w, d WHERE d.due <= $now
RETURN w.id AS id
"""

# A failed (or still retrying) delivery goes back to the head of its webhook's queue, due now, with a new
# retry window.
RETRY = f"""
MATCH (d:WebhookDelivery {{id: $id}})
SET d._lock = true REMOVE d._lock
WITH d, d.status AS before
WITH d, before WHERE before IN ['FAILED', 'RETRYING']
SET d.status = 'RETRYING', d.pendingOf = d.webhookId, d.due = $now, d.nextAttemptAt = datetime({{epochMillis: $now}}),
  d.firstAttemptAt = null
RETURN {DELIVERY} AS delivery
"""
DELIVERY_BY_ID = f"MATCH (d:WebhookDelivery {{id: $id}}) RETURN {DELIVERY} AS delivery"

DELIVERIES_PAGE = f"""
MATCH (d:WebhookDelivery)
WHERE d.webhookId = $id AND d.seq < coalesce($afterRank, 9223372036854775807)
WITH d ORDER BY d.seq DESC LIMIT $limit
WITH collect({{node: {DELIVERY}, key: [d.seq]}}) AS rows
CALL () {{
  WITH $withTotal AS withTotal WHERE withTotal
  MATCH (x:WebhookDelivery) WHERE x.webhookId = $id AND x.seq >= 0
  RETURN count(x) AS total
  UNION
  WITH $withTotal AS withTotal WHERE NOT withTotal
  RETURN null AS total
}}
RETURN rows, total
"""

# Delivered bodies are dropped at once; the records of successes go after the retention.
PRUNE = """
MATCH (d:WebhookDelivery) WHERE d.status = 'SUCCEEDED' AND d.at < datetime() - duration({days: $days})
CALL (d) { DELETE d } IN TRANSACTIONS OF 10000 ROWS
"""
