"""Cypher for the shop webhook inbox: each verified delivery stored once, then processed by a worker."""

from __future__ import annotations

# A delivery is stored once per key (shop, order id, body digest): a redelivery of the same body matches.
STORE = """
MERGE (i:ShopInbox {key: $key})
ON CREATE SET i.platform = $platform, i.shop = $shop, i.topic = $topic, i.orderId = $orderId,
  i.deliveryId = $deliveryId, i.body = $body, i.receivedAt = datetime(), i.status = 'PENDING', i.fresh = true
WITH i, coalesce(i.fresh, false) AS created
REMOVE i.fresh
RETURN created, i.status AS status
"""
ENTRY = (
    "MATCH (i:ShopInbox {key: $key}) RETURN i.status AS status, i.platform AS platform, i.shop AS shop, i.body AS body"
)
# Processed: the body (personal data) goes, the key stays to deduplicate later redeliveries.
DONE = """
MATCH (i:ShopInbox {key: $key})
SET i.status = 'DONE', i.processedAt = datetime(), i.crmOrderId = $orderId
REMOVE i.body, i.error
"""
FAILED = "MATCH (i:ShopInbox {key: $key}) SET i.status = 'FAILED', i.error = $error, i.processedAt = datetime()"
STALE = """
MATCH (i:ShopInbox) WHERE i.status = 'PENDING' AND i.receivedAt < datetime() - duration({seconds: $seconds})
RETURN i.key AS key ORDER BY i.receivedAt LIMIT $limit
"""
