"""Cypher of mailings, their runs and deliveries.

(:Mailing:Entity)-[:OF_CAMPAIGN]->(:Campaign), -[:TO_SEGMENT]->(:Segment); (:MailRun {id, mailingId, scheduledFor})
unique per (mailingId, scheduledFor); (:Delivery {key: runId|personId}) unique.
"""

from __future__ import annotations

MAILING = """m {.id, .subject, .bodyTemplate, .fromAddress, .consentPurpose, .status, .recurrence, .timezone,
  .campaignId, .segmentId, .currentRunId,
  sendAt: m.sendAt.epochMillis, lastRunAt: m.lastRunAt.epochMillis, nextRunAt: m.nextRunAt.epochMillis,
  createdAt: m.createdAt.epochMillis,
  sentCount: COUNT { MATCH (d:Delivery) WHERE d.mailingId = m.id AND d.status IN ['SENT', 'BOUNCED'] }}"""

GET = "MATCH (m:Mailing {id: $id}) RETURN " + MAILING + " AS mailing"
OF_CAMPAIGN = (
    "MATCH (m:Mailing)-[:OF_CAMPAIGN]->(:Campaign {id: $id}) RETURN "
    + MAILING
    + " AS mailing ORDER BY m.createdAt, m.id"
)
EXISTS = "OPTIONAL MATCH (c:Campaign {id: $campaignId}) OPTIONAL MATCH (s:Segment {id: $segmentId}) RETURN c.id AS campaign, s.id AS segment"

CREATE = """
MATCH (c:Campaign {id: $campaignId}), (s:Segment {id: $segmentId})
CREATE (m:Mailing:Entity {id: $id, subject: $subject, bodyTemplate: $bodyTemplate, fromAddress: $fromAddress,
  consentPurpose: $consentPurpose, status: $status, recurrence: $recurrence, timezone: $timezone,
  sendAt: CASE WHEN $sendAt IS NULL THEN null ELSE datetime($sendAt) END,
  nextRunAt: CASE WHEN $nextRunAt IS NULL THEN null ELSE datetime($nextRunAt) END,
  campaignId: $campaignId, segmentId: $segmentId, createdAt: datetime(), updatedAt: datetime()})
CREATE (m)-[:OF_CAMPAIGN]->(c), (m)-[:TO_SEGMENT]->(s)
"""

# The mailing's write lock first: sending, pausing and editing one mailing run one after another.
LOCK = (
    "MATCH (m:Mailing {id: $id}) SET m._lock = true REMOVE m._lock RETURN "
    + MAILING
    + " AS mailing, COLLECT { MATCH (r:MailRun {id: m.currentRunId}) RETURN r {.status, .cursor} }[0] AS run"
)

UPDATE = """
MATCH (m:Mailing {id: $id})
SET m += $props, m.updatedAt = datetime(),
    m.sendAt = CASE WHEN $sendAt IS NULL THEN null ELSE datetime($sendAt) END,
    m.nextRunAt = CASE WHEN $nextRunAt IS NULL THEN null ELSE datetime($nextRunAt) END
"""

SET_STATUS = "MATCH (m:Mailing {id: $id}) SET m.status = $status, m.updatedAt = datetime()"

# A run starts once per (mailing, scheduledFor): a second start fails on the constraint mail_run_slot.
START_RUN = """
MATCH (m:Mailing {id: $mailingId})
CREATE (r:MailRun {id: $runId, mailingId: $mailingId, scheduledFor: datetime($scheduledFor), status: 'RUNNING',
  startedAt: datetime(), progressAt: datetime(), cursor: null, chunks: 0})
SET m.status = 'SENDING', m.lastRunAt = datetime(), m.currentRunId = $runId, m.updatedAt = datetime(),
    m.nextRunAt = CASE WHEN $nextRunAt IS NULL THEN null ELSE datetime($nextRunAt) END
"""

RESUME_RUN = """
MATCH (m:Mailing {id: $mailingId}), (r:MailRun {id: m.currentRunId})
SET m.status = 'SENDING', m.updatedAt = datetime(), r.status = 'RUNNING', r.progressAt = datetime()
RETURN r.id AS runId, r.cursor AS cursor
"""

# Mailings whose next run is due (one-off at sendAt, recurring at the next occurrence).
DUE = """
MATCH (m:Mailing) WHERE m.status = 'SCHEDULED' AND m.nextRunAt <= datetime($now)
RETURN m.id AS id, m.nextRunAt.epochMillis AS nextRunAt, m.recurrence AS recurrence, m.timezone AS timezone
ORDER BY m.nextRunAt LIMIT 100
"""

# Runs whose chain of chunk tasks stopped (a worker died between advancing the cursor and queueing the next chunk).
STALLED = """
MATCH (r:MailRun {status: 'RUNNING'}) WHERE r.progressAt < datetime($before)
WITH r LIMIT 100
SET r.progressAt = datetime()
RETURN r.id AS runId, r.cursor AS cursor
"""

RUN = """
MATCH (r:MailRun {id: $runId}) MATCH (m:Mailing {id: r.mailingId})
RETURN r.status AS runStatus, r.cursor AS cursor, m.status AS status, m.id AS mailingId, m.subject AS subject,
  m.bodyTemplate AS bodyTemplate, m.fromAddress AS fromAddress, m.consentPurpose AS purpose,
  m.campaignId AS campaignId, m.segmentId AS segmentId, m.currentRunId = r.id AS current,
  r.progressAt < datetime() - duration({milliseconds: $idleMs}) AS idle
"""

# A page of the segment claimed in one write: every member with an address, e-mail consent GRANTED for the purpose
# (checked here, at send time) and no delivery in this run yet gets a Delivery SENDING with this claim, an SMTP
# connection (lane) and a place in that lane's order (seq). Only the claim's creator sends (a delivery that exists
# already, made by another worker, is not returned), so a recipient gets one mail per run even when two workers hold
# the same page.
CLAIM = """
UNWIND $ids AS pid
MATCH (p:Person {id: pid}) WHERE p.email IS NOT NULL
  AND EXISTS { MATCH (c:Consent {key: pid + '|EMAIL|' + $purpose}) WHERE c.status = 'GRANTED' }
  AND NOT EXISTS { MATCH (d:Delivery {key: $runId + '|' + pid}) }
WITH collect(p) AS people
UNWIND range(0, size(people) - 1) AS i
WITH people[i] AS p, i
MERGE (d:Delivery {key: $runId + '|' + p.id})
  ON CREATE SET d.status = 'SENDING', d.runId = $runId, d.mailingId = $mailingId, d.campaignId = $campaignId,
    d.personId = p.id, d.createdAt = datetime(), d.claim = $claim, d.lane = i % $lanes, d.seq = i / $lanes
WITH p, d WHERE d.claim = $claim
RETURN collect([d.lane, d.seq, p.id, p.email, p.firstName, p.lastName, p.fullName, p.city, p.country]) AS claimed
"""
# One row with a list: the driver costs tens of microseconds per record, next to nothing per list element.
CLAIMED_FIELDS = ("id", "email", "firstName", "lastName", "fullName", "city", "country")

# A page's deliveries still SENDING and not known to be in doubt: claims of a worker that died (or still sends).
HELD = """
UNWIND $ids AS pid
MATCH (d:Delivery {key: $runId + '|' + pid}) WHERE d.status = 'SENDING' AND d.doubt IS NULL
RETURN d.key AS key, d.claim AS claim, d.lane AS lane, d.seq AS seq
"""

# What became of a claim's messages, in one write: done (SENT, or BOUNCED on a 5xx), in doubt (the one message per
# connection that may have been taken when the connection broke: it stays SENDING and is not sent again), unsent
# (certainly not taken: the delivery goes, so the page's next attempt sends it).
SETTLE = """
CALL () {
  UNWIND $done AS row
  MATCH (d:Delivery {key: row.key}) WHERE d.status = 'SENDING' AND d.claim = $claim
  SET d.status = row.status, d.sentAt = datetime(), d.doubt = null,
      d.bouncedAt = CASE WHEN row.status = 'BOUNCED' THEN datetime() ELSE null END, d.bounceReason = row.reason
}
CALL () {
  UNWIND $doubt AS key
  MATCH (d:Delivery {key: key}) WHERE d.status = 'SENDING' AND d.claim = $claim
  SET d.doubt = true
}
CALL () {
  UNWIND $unsent AS key
  MATCH (d:Delivery {key: key}) WHERE d.status = 'SENDING' AND d.claim = $claim
  DELETE d
}
RETURN 1 AS ok
"""

# The chunk is done: the cursor moves from where this chunk started (compare and set: of two workers holding
# the same chunk only one moves it on and queues the next chunk).
ADVANCE = """
MATCH (r:MailRun {id: $runId}) WHERE r.status = 'RUNNING' AND coalesce(r.cursor, '') = coalesce($after, '')
SET r.cursor = $cursor, r.chunks = r.chunks + 1, r.progressAt = datetime()
RETURN r.id AS runId
"""

FINISH = """
MATCH (r:MailRun {id: $runId}) WHERE r.status = 'RUNNING'
SET r.status = 'DONE', r.finishedAt = datetime(), r.progressAt = datetime()
WITH r
MATCH (m:Mailing {id: r.mailingId}) WHERE m.currentRunId = r.id AND m.status = 'SENDING'
SET m.status = CASE WHEN m.nextRunAt IS NOT NULL THEN 'SCHEDULED' ELSE 'SENT' END, m.updatedAt = datetime()
RETURN m.id AS mailingId
"""

PAUSE_RUN = """
MATCH (r:MailRun {id: $runId}) WHERE r.status = 'RUNNING'
SET r.status = 'PAUSED', r.progressAt = datetime()
RETURN r.id AS runId
"""

FAIL = """
MATCH (r:MailRun {id: $runId}) WHERE r.status = 'RUNNING'
SET r.status = 'FAILED', r.error = $error, r.progressAt = datetime()
WITH r
MATCH (m:Mailing {id: r.mailingId}) WHERE m.currentRunId = r.id
SET m.status = 'FAILED', m.updatedAt = datetime()
RETURN m.id AS mailingId
"""
