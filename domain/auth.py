"""Passwords, signed tokens, API keys and the principal a request acts as."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from config.settings import Settings
from domain.errors import Forbidden, Unauthenticated
from graph import users as q
from graph.db import Db, Row

log = logging.getLogger("crm.auth")
API_KEY_PREFIX = "crmk_"
_hasher = PasswordHasher()
# A hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not a password")


class Role(StrEnum):
    ADMIN = "ADMIN"
    SALES_MANAGER = "SALES_MANAGER"
    SALES_REP = "SALES_REP"
    MARKETING = "MARKETING"
    SERVICE_AGENT = "SERVICE_AGENT"
    TECHNICIAN = "TECHNICIAN"
    INTEGRATION = "INTEGRATION"


# Who may write customer master data (companies, units, persons, relations, activities).
CRM_WRITERS = frozenset(
    {
        Role.ADMIN,
        Role.SALES_MANAGER,
        Role.SALES_REP,
        Role.MARKETING,
        Role.SERVICE_AGENT,
        Role.INTEGRATION,
    }
)
CRM_DELETERS = frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.INTEGRATION})
ADMIN_ONLY = frozenset({Role.ADMIN})
ACTIVITY_LOGGERS = CRM_WRITERS | {Role.TECHNICIAN}
TARGET_SETTERS = frozenset({Role.ADMIN, Role.SALES_MANAGER})
FEED_ROLES = frozenset({Role.ADMIN, Role.INTEGRATION})
HOME_BASE_READERS = frozenset({Role.ADMIN, Role.SERVICE_AGENT})
# [b2c:segments] Who runs marketing: campaigns, segments, events, materials, bulk updates of persons.
MARKETERS = frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.MARKETING, Role.INTEGRATION})
# [field] Who uploads and reads documents (service reports, site photos, voice notes): everyone but MARKETING.
DOCUMENT_READERS = frozenset(
    {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_REP, Role.SERVICE_AGENT, Role.TECHNICIAN, Role.INTEGRATION}
)
# Every set of roles a permission check uses: a role's permissions are the sets it belongs to.
ROLE_SETS = (
    CRM_WRITERS,
    CRM_DELETERS,
    ADMIN_ONLY,
    ACTIVITY_LOGGERS,
    TARGET_SETTERS,
    FEED_ROLES,
    HOME_BASE_READERS,
    MARKETERS,
    DOCUMENT_READERS,
)
# Tie-break among roles with no permission the other lacks (SALES_REP and MARKETING have the same ones).
PRIVILEGE_ORDER = (
    Role.ADMIN,
    Role.SALES_MANAGER,
    Role.INTEGRATION,
    Role.SERVICE_AGENT,
    Role.SALES_REP,
    Role.MARKETING,
    Role.TECHNICIAN,
)


def lesser_role(key_role: Role, user_role: Role) -> Role:
    """The role an API key acts with: the greatest role none of whose permissions the key's role or its creator's
    current role lacks. The key's role when the creator may still do all it may, the creator's when it may do more,
    else the best role within both (an INTEGRATION key of a SALES_MANAGER acts as SALES_REP)."""
    for role in (key_role, user_role, *PRIVILEGE_ORDER):
        if all(role not in roles or (key_role in roles and user_role in roles) for roles in ROLE_SETS):
            return role
    return Role.TECHNICIAN  # unreachable: TECHNICIAN's only permission is shared by every role


@dataclass(frozen=True)
class Principal:
    """Who a request acts as. `role` is the effective role: for an API key the lesser of the key's role and its
    creator's current role; a check through a key also needs both of those roles in the allowed set."""

    user: Row
    role: Role
    api_key_id: str | None = None
    key_role: Role | None = None

    @property
    def user_id(self) -> str:
        return str(self.user["id"])

    def allows(self, roles: frozenset[Role] | set[Role]) -> bool:
        if self.role not in roles:
            return False
        return self.key_role is None or (self.key_role in roles and Role(self.user["role"]) in roles)

    def require(self, roles: frozenset[Role] | set[Role], action: str) -> None:
        if not self.allows(roles):
            raise Forbidden(f"role {self.role.value} may not {action}")


# Argon2 takes tens of milliseconds of CPU on purpose: it runs on these threads (it releases the GIL), never on the
# event loop, and at most this many at once (CRM_HASH_THREADS); further logins queue for a thread.
_HASH_POOL = ThreadPoolExecutor(
    max_workers=int(os.environ.get("CRM_HASH_THREADS") or min(4, os.cpu_count() or 1)), thread_name_prefix="argon2"
)


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_HASH_POOL, _hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_HASH_POOL, _verify, stored, password)


def issue_token(settings: Settings, user_id: str) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "iat": now, "exp": now + settings.token_ttl_seconds, "typ": "user"}
    return jwt.encode(claims, settings.secret, algorithm="HS256")


def new_api_key() -> tuple[str, str]:
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key_hash(key)


def key_hash(key: str) -> str:
    # API keys carry 256 random bits, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(key.encode()).hexdigest()


# Bumped whenever a user's role, activation or profile or an API key changes, so every process drops its cache.
AUTH_GENERATION_KEY = "crm:auth:generation"


class Authenticator:
    """Resolves a bearer credential to a principal, with a short per-process cache (TTL seconds). A change made in
    any process empties the caches of all within CHECK seconds: each looks at the generation in Redis that often."""

    TTL = 5.0
    CHECK = 0.5

    def __init__(self, db: Db, settings: Settings, redis: Redis | None = None) -> None:
        self.db = db
        self.settings = settings
        self.redis = redis
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._generation: bytes | str | None = None
        self._checked_at = float("-inf")

    def forget(self) -> None:
        self._cache.clear()

    async def changed(self) -> None:
        """A user or key changed: this process forgets at once, the others at their next generation check."""
        self._cache.clear()
        if self.redis is not None:
            try:
                await self.redis.incr(AUTH_GENERATION_KEY)
            except Exception:  # Redis away: the others' caches still expire within TTL
                log.warning("could not announce an authentication change", exc_info=True)

    async def _check_generation(self, now: float) -> None:
        if self.redis is None or now < self._checked_at + self.CHECK:
            return
        self._checked_at = now
        try:
            generation = await self.redis.get(AUTH_GENERATION_KEY)
        except (RedisError, OSError):  # Redis away: cached principals still expire within TTL
            return
        if generation != self._generation:
            self._generation = generation
            self._cache.clear()

    async def authenticate(self, credential: str | None) -> Principal | None:
        """None without credential; Unauthenticated for a bad one."""
        if not credential:
            return None
        credential = credential.strip()
        if credential.lower().startswith("bearer "):
            credential = credential[7:].strip()
        if not credential:
            return None
        now = time.monotonic()
        await self._check_generation(now)
        hit = self._cache.get(credential)
        if hit and hit[0] > now:
            return hit[1]
        principal = await self._resolve(credential)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[credential] = (now + self.TTL, principal)
        return principal

    async def _resolve(self, credential: str) -> Principal:
        if credential.startswith(API_KEY_PREFIX):
            row = await self.db.write(q.PRINCIPAL_BY_KEY, {"hash": key_hash(credential)})
            if not row:
                raise Unauthenticated("invalid or revoked API key")
            user, key_role = row[0]["user"], Role(row[0]["keyRole"])
            return Principal(user, lesser_role(key_role, Role(user["role"])), row[0]["keyId"], key_role)
        try:
            claims: dict[str, Any] = jwt.decode(
                credential, self.settings.secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated("invalid token") from exc
        user = await self.db.read_one(q.USER_BY_ID, {"id": claims["sub"]})
        if user is None or not user["user"]["active"]:
            raise Unauthenticated("user unknown or inactive")
        return Principal(user["user"], Role(user["user"]["role"]))
