"""Cypher for users and API keys."""

from __future__ import annotations

from graph.db import Db, Row

USER_FIELDS = (
    ".id, .email, .name, .role, .team, .active, "
    "homeBase: CASE WHEN u.homeBase IS NULL THEN null "
    "ELSE {lat: u.homeBase.latitude, lon: u.homeBase.longitude} END"
)
USER = f"u {{{USER_FIELDS}}}"

CREATE_USER = f"""
CREATE (u:User:Entity {{id: $id, email: $email, name: $name, role: $role, team: $team, active: true,
  passwordHash: $passwordHash, createdAt: datetime(),
  homeBase: CASE WHEN $homeBase IS NULL THEN null
    ELSE point({{latitude: $homeBase.lat, longitude: $homeBase.lon}}) END}})
RETURN {USER} AS user
"""

UPDATE_USER = f"""
MATCH (u:User {{id: $id}})
SET u.name = coalesce($name, u.name), u.role = coalesce($role, u.role),
    u.team = CASE WHEN $setTeam THEN $team ELSE u.team END,
    u.active = coalesce($active, u.active),
    u.homeBase = CASE WHEN $setHomeBase THEN
      CASE WHEN $homeBase IS NULL THEN null
      ELSE point({{latitude: $homeBase.lat, longitude: $homeBase.lon}}) END
      ELSE u.homeBase END,
    u.updatedAt = datetime()
RETURN {USER} AS user
"""

USER_BY_ID = f"MATCH (u:User {{id: $id}}) RETURN {USER} AS user"
USERS_BY_IDS = f"UNWIND $ids AS id MATCH (u:User {{id: id}}) RETURN id AS key, {USER} AS value"
LOGIN = f"MATCH (u:User {{email: $email}}) RETURN {USER} AS user, u.passwordHash AS hash"
SET_PASSWORD_HASH = "MATCH (u:User {id: $id}) SET u.passwordHash = $hash"

USERS_PAGE = f"""
MATCH (u:User)
WHERE ($role IS NULL OR u.role = $role)
  AND ($afterEmail IS NULL OR u.email > $afterEmail)
WITH u ORDER BY u.email LIMIT $limit
RETURN {USER} AS node, [u.email] AS key
"""
USERS_COUNT = "MATCH (u:User) WHERE ($role IS NULL OR u.role = $role) RETURN count(u) AS total"

PRINCIPAL_BY_KEY = f"""
MATCH (k:ApiKey {{keyHash: $hash}})-[:CREATED_BY]->(u:User)
WHERE k.revokedAt IS NULL AND u.active
SET k.lastUsedAt = CASE WHEN k.lastUsedAt IS NULL OR k.lastUsedAt < datetime() - duration('PT1M')
                   THEN datetime() ELSE k.lastUsedAt END
RETURN {USER} AS user, k.id AS keyId, k.role AS keyRole
"""

API_KEY = (
    "k {.id, .name, .role, createdAt: k.createdAt.epochMillis, lastUsedAt: k.lastUsedAt.epochMillis, createdBy: [(k)-[:CREATED_BY]->(u:User) | "
    + USER
    + "][0]}"
)
CREATE_API_KEY = f"""
MATCH (u:User {{id: $userId}})
CREATE (k:ApiKey:Entity {{id: $id, name: $name, role: $role, keyHash: $hash, createdAt: datetime()}})
CREATE (k)-[:CREATED_BY]->(u)
RETURN {API_KEY} AS apiKey
"""
LIST_API_KEYS = f"""
MATCH (k:ApiKey)-[:CREATED_BY]->(owner:User)
WHERE k.revokedAt IS NULL AND ($userId IS NULL OR owner.id = $userId)
RETURN {API_KEY} AS apiKey ORDER BY k.createdAt
"""
API_KEY_BY_ID = f"MATCH (k:ApiKey {{id: $id}}) WHERE k.revokedAt IS NULL RETURN {API_KEY} AS apiKey"
API_KEY_OWNER = "MATCH (k:ApiKey {id: $id})-[:CREATED_BY]->(u:User) WHERE k.revokedAt IS NULL RETURN u.id AS ownerId"
REVOKE_API_KEY = "MATCH (k:ApiKey {id: $id}) SET k.revokedAt = datetime() RETURN k.id AS id"


async def by_ids(db: Db, ids: list[str]) -> dict[str, Row]:
    rows = await db.read(USERS_BY_IDS, {"ids": ids})
    return {r["key"]: r["value"] for r in rows}
