"""Cypher for [field] documents: the node of a stored file, its attachment, its transcript."""

from __future__ import annotations

from graph.compiler.projects import visible

CREATE = """
MATCH (u:User {id: $byId})
CREATE (d:Document:Entity {id: $id, name: $name, contentType: $contentType, sizeBytes: $sizeBytes,
  sha256: $sha256, storage: $storage, storageKey: $storageKey, transcriptStatus: $transcriptStatus,
  uploadedAt: datetime()})
CREATE (d)-[:UPLOADED_BY]->(u)
RETURN d.id AS id
"""

# What a download, an attach or a delete needs, when the viewer may see the document.
VISIBLE = (
    "MATCH (d:Document {id: $id}) WHERE "
    + visible("d")
    + """
RETURN d.id AS id, d.name AS name, d.contentType AS contentType, d.sizeBytes AS sizeBytes,
  d.storageKey AS storageKey, d.transcriptStatus AS transcriptStatus,
  [(d)-[:UPLOADED_BY]->(u:User) | u.id][0] AS uploadedById
"""
)

# Takes the document's write lock (a parallel attach or delete waits and then reads what the first one did).
LOCK = "MATCH (d:Document {id: $id}) SET d._lock = true REMOVE d._lock RETURN d.id AS id"

# Exactly one attachment: any previous one is replaced. A finished transcript fills an activity's empty body.
ATTACH = """
MATCH (d:Document {id: $id}), (x:Entity {id: $targetId})
OPTIONAL MATCH (d)-[old:ATTACHED_TO]->()
DELETE old
WITH DISTINCT d, x
CREATE (d)-[:ATTACHED_TO]->(x)
WITH d, x
CALL (d, x) {
  WITH d, x WHERE x:Activity AND x.body IS NULL AND d.transcriptStatus = 'DONE' AND d.transcript <> ''
  SET x.body = d.transcript
}
RETURN d.id AS id
"""

# Documents an activity is logged with: each must exist, be visible to the viewer and not be attached elsewhere.
FOR_ACTIVITY = (
    """
UNWIND range(0, size($ids) - 1) AS i
OPTIONAL MATCH (d:Document {id: $ids[i]})
CALL (d) { WITH d WHERE d IS NOT NULL SET d._lock = true REMOVE d._lock }
RETURN i, d IS NOT NULL AND """
    + visible("d")
    + """ AS ok, EXISTS { (d)-[:ATTACHED_TO]->() } AS attached
ORDER BY i
"""
)

ATTACH_TO_ACTIVITY = """
MATCH (a:Activity {id: $activityId})
UNWIND $ids AS docId
MATCH (d:Document {id: docId})
MERGE (d)-[:ATTACHED_TO]->(a)
WITH a, d
CALL (a, d) {
  WITH a, d WHERE a.body IS NULL AND d.transcriptStatus = 'DONE' AND d.transcript <> ''
  SET a.body = d.transcript
}
"""

DELETE = "MATCH (d:Document {id: $id}) DETACH DELETE d"

# The transcription task: claims nothing (idempotent); a note attached to an activity with no body fills it.
FOR_TRANSCRIPTION = """
MATCH (d:Document {id: $id})
RETURN d.transcriptStatus AS status, d.storageKey AS storageKey, d.contentType AS contentType
"""

SET_TRANSCRIPT = """
MATCH (d:Document {id: $id}) WHERE d.transcriptStatus = 'PENDING'
SET d.transcriptStatus = $status, d.transcript = $transcript, d.transcribedAt = datetime()
WITH d
CALL (d) {
  MATCH (d)-[:ATTACHED_TO]->(a:Activity)
  WITH a WHERE $status = 'DONE' AND a.body IS NULL AND $transcript <> ''
  SET a.body = $transcript
  RETURN count(a) AS filled
}
RETURN d.id AS id, filled
"""

# Voice notes still PENDING a while after their upload (their task was never queued: the broker was away).
STALE_PENDING = """
MATCH (d:Document) WHERE d.transcriptStatus = 'PENDING' AND d.uploadedAt < datetime() - duration({seconds: $seconds})
RETURN d.id AS id ORDER BY d.uploadedAt LIMIT $limit
"""
