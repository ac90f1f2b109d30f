"""Cypher for shop and ERP orders: (:Person)-[:PLACED]->(:Order)-[:CONTAINS]->(:Product).

One upsert is three statements in one write transaction:

1. LOCK takes the write locks every later decision depends on, in a fixed order: the orders'
   external ids, the customers' external ids (MERGEd on their constrained key, so a parallel call
   delivering the same new order or customer waits for the first to commit and then finds it) and
   the e-mail stripes (`Lock {name: 'person-email-<n>'}`, n from a hash of the normalised address,
   so no address is stored) that serialise creating customers by e-mail;
2. CUSTOMERS finds each customer by external id, then by normalised e-mail, else creates a consumer;
3. ORDERS creates or replaces each order and adjusts its customer's aggregates (orderCount,
   totalSpentCents, lastOrderAt) by the difference, under the customer's write lock. totalSpentCents counts
   only the orders in `$currency` (CRM_DEFAULT_CURRENCY, kept in totalSpentCurrency); every currency's sum is
   read from the orders (Person.spentByCurrency).
"""

from __future__ import annotations

LOCK = """
CALL () {
  UNWIND $orderKeys AS k
  MERGE (x:ExternalId {label: 'Order', system: k.system, value: k.value})
  SET x._lock = true REMOVE x._lock
}
CALL () {
  UNWIND $customerKeys AS k
  MERGE (x:ExternalId {label: 'Person', system: k.system, value: k.value})
  SET x._lock = true REMOVE x._lock
}
CALL () {
  UNWIND $stripes AS name
  MERGE (l:Lock {name: name})
  SET l._lock = true REMOVE l._lock
}
RETURN true AS locked
"""

# Each customer in its own subquery: a later row sees the person an earlier row created.
CUSTOMERS = """
UNWIND $customers AS c
CALL (c) {
  WITH c, [(:ExternalId {label: 'Person', system: c.system, value: c.value})-[:IDENTIFIES]->(p:Person) | p][0] AS byExt
  WITH c, coalesce(byExt, CASE WHEN c.email IS NULL THEN null ELSE
    COLLECT { MATCH (p:Person {emailLower: c.email}) RETURN p ORDER BY p.createdAt, p.id LIMIT 1 }[0] END) AS found
  CALL (c, found) {
    WITH c, found WHERE found IS NULL
    CREATE (p:Person:Entity {id: c.newId, firstName: c.firstName, lastName: c.lastName, fullName: c.fullName,
      sortName: c.sortName, email: c.emailText, emailLower: c.email, phones: [], tags: [], source: c.source,
      orderCount: 0, totalSpentCents: 0, createdAt: datetime(), updatedAt: datetime()})
    RETURN p, true AS created
    UNION
    WITH c, found WHERE found IS NOT NULL
    RETURN found AS p, false AS created
  }
  CALL (c, p) {
    WITH c, p WHERE c.system IS NOT NULL
      AND NOT EXISTS { (:ExternalId {label: 'Person', system: c.system, value: c.value})-[:IDENTIFIES]->(p) }
    MATCH (x:ExternalId {label: 'Person', system: c.system, value: c.value})
    CREATE (x)-[:IDENTIFIES]->(p)
  }
  RETURN p.id AS id, created
}
RETURN c.key AS key, id, created
"""

# The lines of order `o` from `row.lines` (products MERGEd on their SKU; a new name wins).
_LINES = """
  CALL (o, row) {
    UNWIND row.lines AS line
    MERGE (pr:Product {sku: line.sku})
    ON CREATE SET pr.name = line.name
    WITH o, pr, line
    CALL (pr, line) { WITH pr, line WHERE pr.name <> line.name SET pr.name = line.name }
    CREATE (o)-[:CONTAINS {position: line.position, quantity: line.quantity, unitPrice: line.unitPrice,
      unitPriceCents: line.unitPriceCents}]->(pr)
  }
"""

ORDERS = (
    """
UNWIND $rows AS row
MATCH (x:ExternalId {label: 'Order', system: row.system, value: row.value})
WITH row, x, [(x)-[:IDENTIFIES]->(o:Order) | o][0] AS existing
CALL (row, x, existing) {
  WITH row, x, existing WHERE existing IS NULL
  MATCH (p:Person {id: row.personId})
  SET p._lock = true REMOVE p._lock
  CREATE (o:Order:Entity {id: row.newId, number: row.number, placedAt: datetime(row.placedAt), total: row.total,
    totalCents: row.totalCents, currency: row.currency, fingerprint: row.fingerprint,
    createdAt: datetime(), updatedAt: datetime()})
  CREATE (x)-[:IDENTIFIES]->(o)
  CREATE (p)-[:PLACED]->(o)
  SET p.orderCount = coalesce(p.orderCount, 0) + 1,
      p.totalSpentCents = coalesce(p.totalSpentCents, 0) + CASE WHEN o.currency = $currency THEN o.totalCents ELSE 0 END,
      p.totalSpentCurrency = $currency,
      p.lastOrderAt = CASE WHEN p.lastOrderAt IS NULL OR p.lastOrderAt < o.placedAt THEN o.placedAt
        ELSE p.lastOrderAt END
  WITH row, o
"""
    + _LINES
    + """
  RETURN o, 'CREATED' AS op
  UNION
  WITH row, x, existing WHERE existing IS NOT NULL AND existing.fingerprint = row.fingerprint
  RETURN existing AS o, 'UNCHANGED' AS op
  UNION
  WITH row, x, existing WHERE existing IS NOT NULL AND existing.fingerprint <> row.fingerprint
  OPTIONAL MATCH (p:Person)-[:PLACED]->(existing)
  CALL (p) { WITH p WHERE p IS NOT NULL SET p._lock = true REMOVE p._lock }
  WITH row, existing AS o, p, existing.totalCents AS oldCents, existing.placedAt AS oldAt,
    existing.currency AS oldCurrency
  SET o.number = row.number, o.placedAt = datetime(row.placedAt), o.total = row.total, o.totalCents = row.totalCents,
      o.currency = row.currency, o.fingerprint = row.fingerprint, o.updatedAt = datetime()
  WITH row, o, p, oldCents, oldAt, oldCurrency
  CALL (o) { MATCH (o)-[c:CONTAINS]->(:Product) DELETE c }
"""
    + _LINES
    + """
  CALL (p, o, oldCents, oldAt, oldCurrency) {
    WITH p, o, oldCents, oldAt, oldCurrency WHERE p IS NOT NULL
    SET p.totalSpentCents = coalesce(p.totalSpentCents, 0)
          - CASE WHEN oldCurrency = $currency THEN oldCents ELSE 0 END
          + CASE WHEN o.currency = $currency THEN o.totalCents ELSE 0 END,
        p.totalSpentCurrency = $currency
    SET p.lastOrderAt = CASE
      WHEN p.lastOrderAt IS NULL OR o.placedAt >= p.lastOrderAt THEN o.placedAt
      WHEN oldAt = p.lastOrderAt THEN COLLECT { MATCH (p)-[:PLACED]->(x:Order) RETURN max(x.placedAt) }[0]
      ELSE p.lastOrderAt END
  }
  RETURN o, 'UPDATED' AS op
}
RETURN row.index AS index, o.id AS id, op
"""
)

# The customers of these orders (demo data: who gets a consent).
CUSTOMERS_OF = "UNWIND $ids AS id MATCH (p:Person)-[:PLACED]->(:Order {id: id}) RETURN DISTINCT p.id AS id ORDER BY id"

# totalSpentCents of persons (and erased ones) counted in another currency than CRM_DEFAULT_CURRENCY (or before it
# was stored): recounted from their orders in that currency under the person's write lock (an order written
# meanwhile waits, then adjusts the recounted sum). Run by `migrate` (idempotent, batched).
RECOUNT_TOTAL_SPENT = """
MATCH (p:Person|ErasedPerson) WHERE p.orderCount > 0 AND coalesce(p.totalSpentCurrency, '') <> $currency
CALL (p) {
  SET p._lock = true REMOVE p._lock
  WITH p
  SET p.totalSpentCents = reduce(s = 0, c IN COLLECT {
        MATCH (p)-[:PLACED]->(o:Order) WHERE o.currency = $currency RETURN o.totalCents } | s + c),
      p.totalSpentCurrency = $currency
} IN TRANSACTIONS OF 5000 ROWS
"""
