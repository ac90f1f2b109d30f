"""Constraints and indexes, applied idempotently at start and by `crm migrate`."""

from __future__ import annotations

from config.settings import get_settings
from graph.activities import FILE_ON_TIMELINES
from graph.db import Db
from graph.normalize import MIGRATIONS as NORMALIZE_KEYS
from graph.orders import RECOUNT_TOTAL_SPENT
from graph.phone_links import MIGRATE as LINK_PHONES

UNIQUE_IDS = (
    "Entity",
    "User",
    "ApiKey",
    "Company",
    "Unit",
    "Person",
    "Opportunity",
    "Activity",
    "ExternalId",
    "OutboxEvent",
    "Skill",
    "Ticket",
)

# The full-text index of `search`. Changing its labels or properties is a migration: an index of another
# shape is dropped first (`refresh_search_index`) and created again here (Neo4j fills it in the background).
SEARCH_LABELS = ["Person", "Company", "Opportunity", "Lead", "Ticket", "Project", "Document"]
SEARCH_PROPERTIES = ["fullName", "name", "email", "domain", "subject", "companyName", "city", "transcript"]
SEARCH_INDEX = (
    "CREATE FULLTEXT INDEX search IF NOT EXISTS "
    f"FOR (n:{'|'.join(SEARCH_LABELS)}) "
    f"ON EACH [{', '.join('n.' + p for p in SEARCH_PROPERTIES)}] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}"
)
SEARCH_SHAPE = "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties WHERE name = 'search' RETURN *"


async def refresh_search_index(db: Db) -> bool:
    """Drops the `search` index when it covers other labels or properties than SEARCH_INDEX; True if dropped."""
    for row in await db.read(SEARCH_SHAPE):
        if sorted(row["labelsOrTypes"]) != sorted(SEARCH_LABELS) or sorted(row["properties"]) != sorted(
            SEARCH_PROPERTIES
        ):
            await db.write("DROP INDEX search IF EXISTS")
            return True
    return False


# Run before the schema statements, so the constraints can be created on an existing database.
PREPARE: tuple[str, ...] = (
    # Parallel setTarget calls made duplicate targets before `target_key`; the latest one stays.
    """
MATCH (t:Target)
WITH t ORDER BY t.updatedAt DESC
WITH t.userId AS userId, t.period AS period, t.currency AS currency, collect(t) AS targets
WHERE size(targets) > 1
UNWIND targets[1..] AS extra
DETACH DELETE extra
""",
)

STATEMENTS: tuple[str, ...] = (
    *(
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in UNIQUE_IDS
    ),
    "CREATE CONSTRAINT user_email IF NOT EXISTS FOR (u:User) REQUIRE u.email IS UNIQUE",
    "CREATE CONSTRAINT apikey_hash IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.keyHash IS UNIQUE",
    "CREATE CONSTRAINT lock_name IF NOT EXISTS FOR (l:Lock) REQUIRE l.name IS UNIQUE",
    # External ids were keyed 'label|system|value' (colliding for values with '|'); now the triple.
    "DROP CONSTRAINT externalid_key IF EXISTS",
    "CREATE CONSTRAINT externalid_system_value IF NOT EXISTS "
    "FOR (x:ExternalId) REQUIRE (x.label, x.system, x.value) IS UNIQUE",
    "CREATE INDEX company_sort IF NOT EXISTS FOR (c:Company) ON (c.sortName, c.id)",
    "CREATE INDEX company_sortname IF NOT EXISTS FOR (c:Company) ON (c.sortName)",
    "CREATE INDEX company_industry IF NOT EXISTS FOR (c:Company) ON (c.industry)",
    "CREATE INDEX company_city IF NOT EXISTS FOR (c:Company) ON (c.city)",
    "CREATE INDEX company_domain IF NOT EXISTS FOR (c:Company) ON (c.domain)",
    "CREATE INDEX person_sortname IF NOT EXISTS FOR (p:Person) ON (p.sortName)",
    "CREATE INDEX person_email IF NOT EXISTS FOR (p:Person) ON (p.emailLower)",
    "CREATE INDEX person_city IF NOT EXISTS FOR (p:Person) ON (p.city)",
    "CREATE INDEX person_tags IF NOT EXISTS FOR (p:Person) ON (p.tags)",
    "CREATE INDEX unit_name IF NOT EXISTS FOR (u:Unit) ON (u.name)",
    "CREATE INDEX activity_occurred IF NOT EXISTS FOR (a:Activity) ON (a.occurredAt)",
    "CREATE INDEX timeline_entry IF NOT EXISTS FOR (e:TimelineEntry) ON (e.companyId, e.at, e.activityId)",
    "CREATE INDEX opportunity_stage IF NOT EXISTS FOR (o:Opportunity) ON (o.stage)",
    "CREATE CONSTRAINT alert_id IF NOT EXISTS FOR (a:OpportunityAlert) REQUIRE a.id IS UNIQUE",
    # One unresolved alert per opportunity and kind (`open` is removed when the alert resolves).
    "CREATE CONSTRAINT alert_open IF NOT EXISTS FOR (a:OpportunityAlert) REQUIRE (a.opportunityId, a.kind, a.open) IS UNIQUE",
    "CREATE CONSTRAINT lead_id IF NOT EXISTS FOR (l:Lead) REQUIRE l.id IS UNIQUE",
    "CREATE INDEX lead_created IF NOT EXISTS FOR (l:Lead) ON (l.createdAt)",
    "CREATE INDEX target_period IF NOT EXISTS FOR (t:Target) ON (t.period, t.currency)",
    # One target per user, period and currency: setTarget MERGEs on this key.
    "CREATE CONSTRAINT target_key IF NOT EXISTS FOR (t:Target) REQUIRE (t.userId, t.period, t.currency) IS UNIQUE",
    "CREATE INDEX opportunity_close IF NOT EXISTS FOR (o:Opportunity) ON (o.expectedCloseDate)",
    "CREATE INDEX outbox_at IF NOT EXISTS FOR (o:OutboxEvent) ON (o.at)",
    "CREATE CONSTRAINT skill_key IF NOT EXISTS FOR (s:Skill) REQUIRE s.key IS UNIQUE",
    "CREATE CONSTRAINT phone_e164 IF NOT EXISTS FOR (p:Phone) REQUIRE p.e164 IS UNIQUE",
    "CREATE CONSTRAINT sla_breach_ticket IF NOT EXISTS FOR (b:SlaBreach) REQUIRE b.ticketId IS UNIQUE",
    "CREATE INDEX ticket_status IF NOT EXISTS FOR (t:Ticket) ON (t.status)",
    "CREATE INDEX ticket_created IF NOT EXISTS FOR (t:Ticket) ON (t.createdAt)",
    "CREATE INDEX ticket_due IF NOT EXISTS FOR (t:Ticket) ON (t.dueAt)",
    "CREATE POINT INDEX company_location IF NOT EXISTS FOR (c:Company) ON (c.location)",
    "CREATE POINT INDEX person_location IF NOT EXISTS FOR (p:Person) ON (p.location)",
    # [b2c:segments]
    *(
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in ("Campaign", "Segment", "Event", "Material")
    ),
    "CREATE INDEX campaign_created IF NOT EXISTS FOR (c:Campaign) ON (c.createdAt)",
    "CREATE INDEX segment_name IF NOT EXISTS FOR (s:Segment) ON (s.name)",
    "CREATE INDEX event_starts IF NOT EXISTS FOR (e:Event) ON (e.startsAt)",
    "CREATE INDEX delivery_campaign IF NOT EXISTS FOR (d:Delivery) ON (d.campaignId)",
    "CREATE INDEX company_reference IF NOT EXISTS FOR (c:Company) ON (c.isReference)",
    # Segment rules: conditions on these read an index (city and tags exist above).
    "CREATE INDEX person_country IF NOT EXISTS FOR (p:Person) ON (p.country)",
    "CREATE INDEX person_last_order IF NOT EXISTS FOR (p:Person) ON (p.lastOrderAt)",
    "CREATE INDEX person_created IF NOT EXISTS FOR (p:Person) ON (p.createdAt)",
    # purchased {productSku} finds the product by its key (the model's constraint; equal to imports')
    "CREATE CONSTRAINT product_sku IF NOT EXISTS FOR (p:Product) REQUIRE p.sku IS UNIQUE",
    # [b2c:mail]
    "CREATE CONSTRAINT consent_key IF NOT EXISTS FOR (c:Consent) REQUIRE c.key IS UNIQUE",
    "CREATE CONSTRAINT used_token_jti IF NOT EXISTS FOR (t:UsedToken) REQUIRE t.jti IS UNIQUE",
    "CREATE CONSTRAINT mailing_id IF NOT EXISTS FOR (m:Mailing) REQUIRE m.id IS UNIQUE",
    "CREATE CONSTRAINT mail_run_id IF NOT EXISTS FOR (r:MailRun) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT mail_run_slot IF NOT EXISTS FOR (r:MailRun) REQUIRE (r.mailingId, r.scheduledFor) IS UNIQUE",
    "CREATE CONSTRAINT delivery_key IF NOT EXISTS FOR (d:Delivery) REQUIRE d.key IS UNIQUE",
    "CREATE INDEX delivery_person IF NOT EXISTS FOR (d:Delivery) ON (d.personId)",
    "CREATE INDEX mailing_status IF NOT EXISTS FOR (m:Mailing) ON (m.status)",
    "CREATE INDEX mail_run_status IF NOT EXISTS FOR (r:MailRun) ON (r.status)",
    "CREATE INDEX delivery_mailing_status IF NOT EXISTS FOR (d:Delivery) ON (d.mailingId, d.status)",
    # [b2c:imports]
    "CREATE CONSTRAINT order_id IF NOT EXISTS FOR (o:Order) REQUIRE o.id IS UNIQUE",
    "CREATE CONSTRAINT product_sku IF NOT EXISTS FOR (p:Product) REQUIRE p.sku IS UNIQUE",
    "CREATE CONSTRAINT importjob_id IF NOT EXISTS FOR (j:ImportJob) REQUIRE j.id IS UNIQUE",
    "CREATE INDEX order_placed IF NOT EXISTS FOR (o:Order) ON (o.placedAt)",
    # [field:projects]
    "CREATE CONSTRAINT project_id IF NOT EXISTS FOR (p:Project) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT document_id IF NOT EXISTS FOR (d:Document) REQUIRE d.id IS UNIQUE",
    "CREATE INDEX project_created IF NOT EXISTS FOR (p:Project) ON (p.createdAt)",
    # [integrations:webhooks]
    "CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (w:Webhook) REQUIRE w.id IS UNIQUE",
    # One delivery per (webhook, event): its id is derived from both and is the X-CRM-Delivery header.
    "CREATE CONSTRAINT webhook_delivery_id IF NOT EXISTS FOR (d:WebhookDelivery) REQUIRE d.id IS UNIQUE",
    "CREATE INDEX webhook_delivery_order IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.webhookId, d.seq)",
    # The head of a webhook's queue (waiting deliveries in order): one seek however long its history. (An index
    # on `due` alone served no query and cost an update per delivery recorded and per attempt: dropped.)
    "CREATE INDEX webhook_delivery_pending IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.pendingOf, d.seq)",
    "DROP INDEX webhook_delivery_due IF EXISTS",
    # [integrations:exports]
    "CREATE CONSTRAINT audit_entry_id IF NOT EXISTS FOR (e:AuditEntry) REQUIRE e.id IS UNIQUE",
    "CREATE INDEX audit_entry_at IF NOT EXISTS FOR (e:AuditEntry) ON (e.at)",
    "CREATE CONSTRAINT shop_inbox_key IF NOT EXISTS FOR (i:ShopInbox) REQUIRE i.key IS UNIQUE",
    "CREATE INDEX shop_inbox_status IF NOT EXISTS FOR (i:ShopInbox) ON (i.status, i.receivedAt)",
    SEARCH_INDEX,
)


ALERT_KEYS = """
MATCH (x:OpportunityAlert)-[:ON]->(o:Opportunity) WHERE x.opportunityId IS NULL
WITH DISTINCT o, x.kind AS kind
CALL (o, kind) {
  MATCH (a:OpportunityAlert {kind: kind})-[:ON]->(o)
  WITH a ORDER BY a.open IS NULL, a.raisedAt, a.id
  WITH collect(a) AS alerts
  WITH alerts, [a IN alerts WHERE a.resolvedAt IS NULL][0] AS keep
  UNWIND alerts AS a
  SET a.opportunityId = o.id,
    a.resolvedAt = CASE WHEN a.resolvedAt IS NULL AND a <> keep THEN datetime() ELSE a.resolvedAt END,
    a.open = CASE WHEN a = keep THEN true END
} IN TRANSACTIONS OF 1000 ROWS
"""

# Data migrations: idempotent, batched, run after the schema ones.
DATA: tuple[str, ...] = (
    # Opportunity amounts also as integer cents, for exact sums.
    "MATCH (o:Opportunity) WHERE o.amountCents IS NULL AND o.amount IS NOT NULL "
    "CALL (o) { SET o.amountCents = toInteger(round(toFloat(o.amount) * 100)) } IN TRANSACTIONS OF 10000 ROWS",
    # Every activity is filed on the timelines of its companies and their parents.
    "MATCH (a:Activity) WHERE NOT EXISTS { (:TimelineEntry)-[:OF]->(a) } "
    "CALL (a) {" + FILE_ON_TIMELINES + "} IN TRANSACTIONS OF 5000 ROWS",
    # Alerts raised before `alert_open` get their key; of duplicates an overlapping run raised, the
    # first stays open and the others are resolved.
    ALERT_KEYS,
    # External ids of the old shape get their label (from the old key, else from what they identify).
    "MATCH (x:ExternalId) WHERE x.label IS NULL OR x.key IS NOT NULL "
    "CALL (x) { SET x.label = coalesce(x.label, split(x.key, '|')[0], "
    "[(x)-[:IDENTIFIES]->(n) | [l IN labels(n) WHERE l <> 'Entity'][0]][0]) REMOVE x.key } "
    "IN TRANSACTIONS OF 10000 ROWS",
    # Phone numbers of persons and companies as (:Phone {e164}) nodes, for callerLookup.
    LINK_PHONES,
    # [integrations:webhooks] stored company domains and e-mail keys as domain/normalize.py gives them.
    *NORMALIZE_KEYS,
)


async def migrate(db: Db, currency: str | None = None) -> int:
    for statement in PREPARE:
        await db.write(statement)
    await refresh_search_index(db)
    for statement in STATEMENTS:
        await db.write(statement)
    await db.write("CALL db.awaitIndexes(300)")
    for statement in DATA:
        await db.autocommit(statement)
    # [b2c:imports] Person.totalSpent counts CRM_DEFAULT_CURRENCY: recounted when that setting changed.
    await db.autocommit(RECOUNT_TOTAL_SPENT, {"currency": currency or get_settings().default_currency})
    return len(PREPARE) + len(STATEMENTS) + len(DATA) + 1
