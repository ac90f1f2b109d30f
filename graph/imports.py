"""Cypher for contact imports: jobs, their row errors, and the batch upserts (UNWIND $rows).

A batch and the job's progress commit in one transaction (domain/imports.py): CLAIM locks the
job and returns its committed offset, so a runner whose offset is stale (another runner went on)
writes nothing; then the batch's statements (FIND_*, CREATE_PERSONS, UPDATE_PERSONS, phones), then PROGRESS.

Duplicates within one file are found in the graph: every person a job writes is marked with the
job's id and the row (`importJobId`, `importRow`), so a later row with the same key - in this batch
or one committed before a restart - sees the mark and is rejected.
"""

from __future__ import annotations

from graph.phone_links import SYNC_PERSON

CREATE_JOB = """
CREATE (j:ImportJob {id: $id, status: 'PENDING', matchOn: $matchOn, path: $path, bytes: $bytes, offset: 0,
  nextRow: 1, processed: 0, created: 0, updated: 0, rejected: 0, createdBy: $userId, createdAt: datetime(),
  heartbeatAt: datetime()})
RETURN j.id AS id
"""

JOB = """
MATCH (j:ImportJob {id: $id})
RETURN j {.id, .status, .matchOn, .path, .createdBy, .bytes, .offset, .nextRow, .totalRows, .processed, .created, .updated, .rejected,
  startedAt: j.startedAt.epochMillis, finishedAt: j.finishedAt.epochMillis} AS job
"""

# Locks the job; the runner goes on only when the committed offset is the one it read from.
CLAIM = """
MATCH (j:ImportJob {id: $id})
SET j._lock = true REMOVE j._lock
RETURN j.status AS status, j.offset AS offset
"""

START = """
MATCH (j:ImportJob {id: $id}) WHERE j.status = 'PENDING'
SET j.status = 'RUNNING', j.offset = $offset, j.nextRow = $nextRow, j.totalRows = $totalRows,
    j.columns = $columns, j.startedAt = coalesce(j.startedAt, datetime()), j.heartbeatAt = datetime()
"""

FAIL = """
MATCH (j:ImportJob {id: $id})
SET j.status = 'FAILED', j.startedAt = coalesce(j.startedAt, datetime()), j.finishedAt = datetime()
CREATE (:ImportRowError {jobId: $id, row: $row, message: $message})
"""

FINISH = """
MATCH (j:ImportJob {id: $id}) WHERE j.status = 'RUNNING' AND j.offset = $offset
SET j.status = 'COMPLETED', j.finishedAt = datetime()
"""

PROGRESS = """
MATCH (j:ImportJob {id: $id})
SET j.offset = $offset, j.nextRow = $nextRow, j.processed = j.processed + $processed,
    j.created = j.created + $created, j.updated = j.updated + $updated, j.rejected = j.rejected + $rejected,
    j.updatedAt = datetime(), j.heartbeatAt = datetime()
WITH j
CALL (j) {
  UNWIND $errors AS e
  CREATE (:ImportRowError {jobId: j.id, row: e.row, message: e.message})
}
"""

# Jobs PENDING or RUNNING without a heartbeat (created, started, a batch committed, queued again) for $seconds: their
# task was lost (Redis flushed or down when it was queued). Locked and checked again, then stamped, so a beat that
# runs twice (or two beats) queues each stale job once per period; a job queued twice is still run by one runner.
STALE_JOBS = """
MATCH (j:ImportJob) WHERE j.status IN ['PENDING', 'RUNNING']
  AND coalesce(j.heartbeatAt, j.updatedAt, j.startedAt, j.createdAt) < datetime() - duration({seconds: $seconds})
WITH j ORDER BY j.createdAt LIMIT $limit
SET j._lock = true REMOVE j._lock
WITH j WHERE j.status IN ['PENDING', 'RUNNING']
  AND coalesce(j.heartbeatAt, j.updatedAt, j.startedAt, j.createdAt) < datetime() - duration({seconds: $seconds})
SET j.heartbeatAt = datetime(), j.requeuedAt = datetime(), j.requeues = coalesce(j.requeues, 0) + 1
RETURN j.id AS id
"""

ERRORS_PAGE = """
MATCH (e:ImportRowError {jobId: $id}) WHERE e.row > $after
WITH e ORDER BY e.row LIMIT $limit
RETURN e.row AS row, e.message AS message
"""
ERRORS_TOTAL = "MATCH (e:ImportRowError {jobId: $id}) RETURN count(e) AS total"

# A batch is four plain statements (no per-row branching, so no Eager plans): look the keys up, create the
# new persons, update the found ones, link the phones. Python decides per row from the lookup.
FIND_BY_EMAIL = """
UNWIND $keys AS key
MATCH (p:Person {emailLower: key.key})
RETURN key.key AS key, p.id AS id, p.createdAt.epochMillis AS createdAt, p.importJobId AS jobId, p.importRow AS row,
  p.firstName AS firstName, p.lastName AS lastName
"""

FIND_BY_EXTERNAL_ID = """
UNWIND $keys AS key
MATCH (:ExternalId {label: 'Person', system: key.system, value: key.key})-[:IDENTIFIES]->(p:Person)
RETURN key.key AS key, key.system AS system, p.id AS id, p.createdAt.epochMillis AS createdAt, p.importJobId AS jobId,
  p.importRow AS row, p.firstName AS firstName, p.lastName AS lastName
"""

# Taken before the lookup, in a fixed (sorted) order, the same locks as upsertOrders (graph/orders.py LOCK): the
# e-mail stripes (`Lock {name: 'person-email-<n>'}`) or the persons' external ids. A parallel order (or another job)
# creating a person with the same normalised e-mail or external id waits for this batch, then finds its person.
LOCK_EMAILS = """
UNWIND $stripes AS name
MERGE (l:Lock {name: name})
SET l._lock = true REMOVE l._lock
"""
LOCK_EXTERNAL_IDS = """
UNWIND $keys AS k
MERGE (x:ExternalId {label: 'Person', system: k.system, value: k.key})
SET x._lock = true REMOVE x._lock
"""

# New persons with their phones linked (they had none before) in the same statement.
CREATE_PERSONS = """
UNWIND $rows AS row
CREATE (p:Person:Entity {id: row.id, phones: [], tags: [], source: 'import', createdAt: datetime(),
  updatedAt: datetime(), importJobId: $jobId, importRow: row.number})
SET p += row.props
WITH p, row
UNWIND coalesce(row.props.phones, []) AS e164
MERGE (ph:Phone {e164: e164})
CREATE (p)-[:HAS_PHONE]->(ph)
"""

IDENTIFY = """
UNWIND $rows AS row
MATCH (p:Person {id: row.id})
MERGE (x:ExternalId {label: 'Person', system: row.system, value: row.key})
MERGE (x)-[:IDENTIFIES]->(p)
"""

UPDATE_PERSONS = """
UNWIND $rows AS row
MATCH (p:Person {id: row.id})
SET p += row.props, p.updatedAt = datetime(), p.importJobId = $jobId, p.importRow = row.number
"""

# Phones of found persons: re-linked.
RELINK_PHONES = (
    """
UNWIND $rows AS row
MATCH (p:Person {id: row.id})
"""
    + SYNC_PERSON
)

# For the benchmark's baseline: the same persons (labels, properties, MERGE key) as the job creates, written raw -
# no lookups decided in Python, no phone nodes, no job progress, no change events.
RAW_MERGE = """
UNWIND $rows AS row
MERGE (p:Person {emailLower: row.key})
ON CREATE SET p:Entity, p.id = row.id, p.phones = [], p.tags = [], p.source = 'import', p.createdAt = datetime()
SET p += row.props, p.updatedAt = datetime()
"""
