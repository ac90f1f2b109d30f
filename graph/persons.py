"""Cypher for persons: B2B contacts (with company) and consumers (without)."""

from __future__ import annotations

from graph.common import EXTERNAL_IDS, point_of, to_point
from graph.companies import BASE as COMPANY_BASE
from graph.phone_links import SYNC_PERSON
from graph.projection import Nodes
from graph.users import USER

BASE = (
    ".id, .firstName, .lastName, .fullName, .email, .jobTitle, .city, .country, .source, "
    "createdAt: p.createdAt.epochMillis, updatedAt: p.updatedAt.epochMillis, phones: coalesce(p.phones, []), tags: coalesce(p.tags, []), "
    f"location: {point_of('p', 'location')}"
)
FRAGMENTS = {
    "company": "company: [(p)-[:WORKS_AT]->(c:Company) | c {" + COMPANY_BASE + "}][0]",
    "unit": (
        "unit: [(p)-[:MEMBER_OF]->(n:Unit) | n {.id, .name, "
        "companyId: [(n)-[:UNIT_OF]->(x:Company) | x.id][0], "
        "parentId: [(n)-[:PART_OF]->(x:Unit) | x.id][0]}][0]"
    ),
    "owner": f"owner: [(p)-[:OWNED_BY]->(u:User) | {USER}][0]",
    "externalIds": EXTERNAL_IDS.format(v="p"),
    "employmentHistory": (
        "employmentHistory: COLLECT { MATCH (p)-[w:WORKS_AT|WORKED_AT]->(c:Company) "
        "RETURN {company: c {"
        + COMPANY_BASE
        + "}, jobTitle: CASE WHEN type(w) = 'WORKS_AT' THEN p.jobTitle ELSE w.jobTitle END, since: w.since.epochMillis, until: w.until.epochMillis, "
        "current: type(w) = 'WORKS_AT'} ORDER BY w.since DESC }"
    ),
}

# One condition per filter; only the filters a caller sets are joined into the WHERE clause, so an
# unfiltered page walks the sortName index in order instead of sorting every person.
CONDITIONS = {
    "nameContains": "(p.sortName CONTAINS $nameContains OR toLower(p.fullName) CONTAINS $nameContains)",
    "email": "p.emailLower = $email",
    "city": "toLower(p.city) = $city",
    "tag": "$tag IN p.tags",
    "consumer": "$consumer = (NOT EXISTS { (p)-[:WORKS_AT]->(:Company) })",
    "companyId": "EXISTS { (p)-[:WORKS_AT]->(:Company {id: $companyId}) }",
    "unitId": "EXISTS { (p)-[:MEMBER_OF]->(:Unit {id: $unitId}) }",
}
# Keyset on (sortName, id): the range on sortName is index-backed; ties are broken by id.
KEYSET = "p.sortName >= $afterName AND (p.sortName > $afterName OR p.id > $afterId)"
AFTER = "AND " + KEYSET


# Contacts of one company start from the company, not from every person.
# Nested pages are written for many parents at once, so a list of companies with their contacts
# is one round trip per level (a DataLoader gathers the parents).
CONTACTS_PAGES = """
UNWIND $ids AS id
MATCH (c:Company {{id: id}})
CALL (c) {{
  MATCH (p:Person)-[:WORKS_AT]->(c) WHERE true {after}
  WITH p ORDER BY p.sortName, p.id LIMIT $limit
  RETURN collect({{node: {projection}, key: [p.sortName, p.id]}}) AS rows
}}
RETURN id AS key, rows, CASE WHEN $withTotal THEN COUNT {{ (:Person)-[:WORKS_AT]->(c) }} END AS total
"""
MEMBERS_PAGES = """
UNWIND $ids AS id
MATCH (n:Unit {{id: id}})
CALL (n) {{
  MATCH (p:Person)-[:MEMBER_OF]->(n) WHERE true {after}
  WITH p ORDER BY p.sortName, p.id LIMIT $limit
  RETURN collect({{node: {projection}, key: [p.sortName, p.id]}}) AS rows
}}
RETURN id AS key, rows, CASE WHEN $withTotal THEN COUNT {{ (:Person)-[:MEMBER_OF]->(n) }} END AS total
"""

BY_ID = "MATCH (p:Person {{id: $id}}) RETURN {projection} AS node"
BY_IDS = "UNWIND $ids AS id MATCH (p:Person {{id: id}}) RETURN id AS key, {projection} AS value"

CREATE = f"""
OPTIONAL MATCH (c:Company {{id: $companyId}})
OPTIONAL MATCH (n:Unit {{id: $unitId}})
OPTIONAL MATCH (o:User {{id: $ownerId}})
CREATE (p:Person:Entity {{id: $id, firstName: $firstName, lastName: $lastName,
  fullName: trim(coalesce($firstName, '') + ' ' + $lastName),
  sortName: $sortName,
  email: $email, emailLower: toLower($email), phones: $phones, jobTitle: $jobTitle,
  city: $city, country: $country, tags: $tags, source: $source,
  location: {to_point("$location")}, createdAt: datetime(), updatedAt: datetime()}})
FOREACH (x IN CASE WHEN c IS NULL THEN [] ELSE [c] END |
  CREATE (p)-[:WORKS_AT {{since: datetime(), jobTitle: $jobTitle}}]->(x))
FOREACH (x IN CASE WHEN n IS NULL THEN [] ELSE [n] END | CREATE (p)-[:MEMBER_OF]->(x))
FOREACH (x IN CASE WHEN o IS NULL THEN [] ELSE [o] END | CREATE (p)-[:OWNED_BY]->(x))
WITH p
{SYNC_PERSON}
RETURN p.id AS id
"""

# Read for a change, after the person's write lock: parallel changes (moves, erasure) run one after
# another, and a person erased meanwhile is no longer found.
CURRENT = "MATCH (p:Person {id: $id}) SET p._lock = true REMOVE p._lock WITH p WHERE p:Person RETURN p.firstName AS firstName, p.lastName AS lastName, [(p)-[:WORKS_AT]->(c:Company) | c.id][0] AS companyId, [(p)-[:MEMBER_OF]->(u:Unit) | u.id][0] AS unitId"

# A move to another company closes the current employment into dated history (WORKED_AT).
UPDATE = f"""
MATCH (p:Person {{id: $id}})
SET p += $props, p.updatedAt = datetime(),
    p.fullName = trim(coalesce(p.firstName, '') + ' ' + p.lastName),
    p.sortName = $sortName,
    p.emailLower = toLower(p.email)
SET p.location = CASE WHEN $setLocation THEN {to_point("$location")} ELSE p.location END
WITH p
CALL (p) {{
  WITH p WHERE $setCompany
  OPTIONAL MATCH (p)-[w:WORKS_AT]->(old:Company)
  WITH p, w, old WHERE w IS NOT NULL AND (old.id <> $companyId OR $companyId IS NULL)
  CREATE (p)-[:WORKED_AT {{since: w.since, until: datetime(), jobTitle: w.jobTitle}}]->(old)
  DELETE w
}}
CALL (p) {{
  WITH p WHERE $setCompany AND $companyId IS NOT NULL AND NOT EXISTS {{ (p)-[:WORKS_AT]->(:Company {{id: $companyId}}) }}
  MATCH (c:Company {{id: $companyId}})
  CREATE (p)-[:WORKS_AT {{since: datetime(), jobTitle: p.jobTitle}}]->(c)
}}
CALL (p) {{
  WITH p WHERE $setUnit
  OPTIONAL MATCH (p)-[m:MEMBER_OF]->() DELETE m
  WITH p MATCH (n:Unit {{id: $unitId}}) CREATE (p)-[:MEMBER_OF]->(n)
}}
CALL (p) {{
  WITH p WHERE $setOwner
  OPTIONAL MATCH (p)-[o:OWNED_BY]->() DELETE o
  WITH p MATCH (u:User {{id: $ownerId}}) CREATE (p)-[:OWNED_BY]->(u)
}}
{SYNC_PERSON}
RETURN p.id AS id
"""

# Before a delete, under the person's write lock: does it exist, and has it placed orders (kept for bookkeeping:
# such a person is erased, not deleted, so every order keeps its customer).
DELETE_CHECK = """
MATCH (p:Person {id: $id})
SET p._lock = true REMOVE p._lock
WITH p WHERE p:Person
RETURN EXISTS { (p)-[:PLACED]->(:Order) } AS hasOrders
"""

DELETE = """
MATCH (p:Person {id: $id})
SET p._lock = true REMOVE p._lock
WITH p
OPTIONAL MATCH (p)<-[:IDENTIFIES]-(x:ExternalId)
DETACH DELETE x
WITH DISTINCT p
DETACH DELETE p
RETURN $id AS id
"""

# GDPR erasure: the node stays as an anonymous :ErasedPerson (country, orders and their aggregates kept for
# bookkeeping); every personal property, relation, consent and external id goes.
# Erasure, step 1: what identifies the person (its own and its converted leads' names, e-mails, phones) and the
# texts that may mention it but belong to others too: activities also about other people.
ERASE_COPIES = """
MATCH (p:Person {id: $id})
SET p._lock = true REMOVE p._lock
WITH p WHERE p:Person
OPTIONAL MATCH (p)<-[:CONVERTED_TO]-(l:Lead)
WITH p, collect(l) AS leads
RETURN [x IN [p.fullName, p.firstName, p.lastName, p.email] + coalesce(p.phones, []) WHERE x IS NOT NULL]
  + reduce(acc = [], l IN leads | acc + [x IN [l.fullName, l.firstName, l.lastName, l.email, l.phone] WHERE x IS NOT NULL])
  AS identifiers,
  [x IN [p.emailLower, toLower(p.email)] + [l IN leads | toLower(l.email)] WHERE x IS NOT NULL AND x <> ''] AS emails,
  COLLECT {
    MATCH (a:Activity)-[:ABOUT]->(s) WHERE (s = p OR s IN leads) AND EXISTS { (a)-[:ABOUT]->(o:Person) WHERE o <> p }
    RETURN DISTINCT a {.id, .subject, .body, .outcome}
  } AS shared,
  COLLECT {
    MATCH (a:Activity)-[:ABOUT]->(s) WHERE (s = p OR s IN leads) AND EXISTS { (a)-[:ABOUT]->(o:Person) WHERE o <> p }
    MATCH (d:Document)-[:ATTACHED_TO]->(a) WHERE d.transcript IS NOT NULL
    RETURN DISTINCT d {.id, .transcript}
  } AS sharedTranscripts
"""
# [field] Step 2b: transcripts of voice notes attached to shared activities, mentions replaced the same way.
ERASE_SHARED_TRANSCRIPTS = """
UNWIND $rows AS row
MATCH (d:Document {id: row.id})
SET d.transcript = row.transcript
"""
# Step 2: shared activities keep their texts with every mention of the person replaced (computed in Python).
ERASE_SHARED_TEXTS = """
UNWIND $rows AS row
MATCH (a:Activity {id: row.id})
SET a.subject = row.subject, a.body = row.body, a.outcome = row.outcome
"""
# Step 2c: consent and its evidence (ConsentRecord: who, when, the client address of a confirmation) go entirely;
# every Consent key starts with the person's id (`personId|channel|purpose`, a prefix seek on the constraint).
ERASE_CONSENTS = """
MATCH (c:Consent) WHERE c.key STARTS WITH $prefix
CALL (c) { MATCH (c)-[:HAD]->(r:ConsentRecord) DETACH DELETE r }
DETACH DELETE c
"""
# Step 2d: mail deliveries stay for the mailings' and campaigns' counts (status, times of sending, opening,
# clicking, bouncing, unsubscribing) but name nobody: the key (runId|personId) gets a random suffix instead of the
# id, so the links in mails already sent (open, click, unsubscribe) find no delivery any more; the relay's bounce
# text (which may quote the address) goes.
ERASE_DELIVERIES = """
MATCH (d:Delivery {personId: $id})
SET d.key = coalesce(d.runId, '') + '|erased-' + randomUUID(), d.erasedAt = datetime()
REMOVE d.personId, d.bounceReason, d.claim
"""
# Step 2e: shop webhook bodies still held (PENDING or FAILED; DONE entries keep no body) that belong to the person's
# orders or contain one of its e-mail addresses lose the body and become ERASED (never processed: that would create
# the person again). Keys stay, so a redelivery of the same body is still recognised as a duplicate.
ERASE_SHOP_INBOX = """
OPTIONAL MATCH (:Person {id: $id})-[:PLACED]->(:Order)<-[:IDENTIFIES]-(x:ExternalId)
WITH collect([x.system, x.value]) AS orders
MATCH (i:ShopInbox) WHERE i.status IN ['PENDING', 'FAILED'] AND i.receivedAt IS NOT NULL AND i.body IS NOT NULL
  AND ([i.platform + ':' + i.shop, i.orderId] IN orders OR any(e IN $emails WHERE toLower(i.body) CONTAINS e))
SET i.status = 'ERASED', i.erasedAt = datetime()
REMOVE i.body, i.error
"""
# Step 3: the person's own activities (and its converted leads') lose their texts, the leads their contact data,
# the person everything but id, country, creation time and order aggregates (its names read "(erased)": an order's
# customer answers with this node, Person fields that are non-null need a value).
ERASE = """
MATCH (p:Person {id: $id})
SET p._lock = true REMOVE p._lock
WITH p
OPTIONAL MATCH (p)<-[:IDENTIFIES]-(x:ExternalId)
DETACH DELETE x
WITH DISTINCT p
CALL (p) {
  OPTIONAL MATCH (p)<-[:CONVERTED_TO]-(l:Lead)
  WITH p, collect(l) AS leads
  MATCH (a:Activity)-[:ABOUT]->(s) WHERE (s = p OR s IN leads) AND NOT EXISTS { (a)-[:ABOUT]->(o:Person) WHERE o <> p }
  WITH DISTINCT a
  SET a.body = null, a.subject = '(erased)', a.outcome = null
  WITH a
  CALL (a) {
    // [field] and the transcripts of the voice notes attached to them
    MATCH (d:Document)-[:ATTACHED_TO]->(a) WHERE d.transcript IS NOT NULL
    SET d.transcript = null
  }
}
CALL (p) {
  MATCH (p)<-[:CONVERTED_TO]-(l:Lead)
  SET l.firstName = null, l.lastName = '(erased)', l.fullName = '(erased)', l.email = null, l.emailLower = null,
      l.phone = null, l.disqualifiedReason = null, l.erasedAt = datetime(), l.updatedAt = datetime()
}
CALL (p) {
  MATCH (p)-[r]-()
  WHERE NOT type(r) IN ['PLACED']
  DELETE r
}
WITH p, p.id AS id, p.country AS country, p.createdAt AS createdAt, p.orderCount AS orderCount,
  p.totalSpentCents AS totalSpentCents, p.totalSpentCurrency AS totalSpentCurrency, p.lastOrderAt AS lastOrderAt
SET p = {id: id, country: country, createdAt: createdAt, erasedAt: datetime(), updatedAt: datetime(),
  lastName: '(erased)', fullName: '(erased)', orderCount: orderCount, totalSpentCents: totalSpentCents,
  totalSpentCurrency: totalSpentCurrency, lastOrderAt: lastOrderAt}
REMOVE p:Person
SET p:ErasedPerson
RETURN id
"""

NODES = Nodes("p", BASE, FRAGMENTS, BY_ID, BY_IDS)
