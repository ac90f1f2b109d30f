"""Cypher for the audit trail: one (:AuditEntry) per export or import, newest first."""

from __future__ import annotations

RECORD = """
CREATE (e:AuditEntry {id: $id, at: datetime(), actorId: $actorId, action: $action, target: $target,
  params: $params})
RETURN e.id AS id
"""
ENTRY = "e {.id, .actorId, .action, .target, .params, at: e.at.epochMillis}"
PAGE = (
    "MATCH (e:AuditEntry) WHERE ($actorId IS NULL OR e.actorId = $actorId) "
    "AND (e.at < datetime($afterAt) OR (e.at = datetime($afterAt) AND e.id < $afterId)) "
    "WITH e ORDER BY e.at DESC, e.id DESC LIMIT $limit "
    "RETURN " + ENTRY + " AS entry, toString(e.at) AS at"
)
