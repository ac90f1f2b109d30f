"""Users, login and API keys."""

from __future__ import annotations

from typing import Any, cast

from neo4j.exceptions import ConstraintError

from domain import validate
from domain.auth import Principal, Role, hash_password, issue_token, new_api_key, verify_password
from domain.deps import Deps
from domain.errors import BadInput, Conflict, Forbidden, NotFound, RateLimited, Unauthenticated
from domain.ids import new_id
from graph import users as q
from graph.db import Row
from graph.paging import Page, PageArgs, to_page

ADMIN_ONLY = frozenset({Role.ADMIN})
# A key may carry the creator's role or one of these lesser ones.
LESSER_ROLES = {
    Role.ADMIN: set(Role),
    Role.SALES_MANAGER: {Role.SALES_MANAGER, Role.SALES_REP},
}


# Failed logins allowed per account and per client address within the window (guessing passwords).
LOGIN_FAILURES_PER_ACCOUNT = 10
LOGIN_FAILURES_PER_CLIENT = 50
LOGIN_WINDOW_SECONDS = 15 * 60


async def login(deps: Deps, email: str, password: str, client: str | None = None) -> tuple[str, Row]:
    email = email.strip().lower()
    keys = {f"crm:login:failed:account:{email}": LOGIN_FAILURES_PER_ACCOUNT}
    if client:
        keys[f"crm:login:failed:client:{client}"] = LOGIN_FAILURES_PER_CLIENT
    counts = await deps.redis.mget(list(keys))
    if any(int(count or 0) >= limit for count, limit in zip(counts, keys.values(), strict=True)):
        raise RateLimited(f"too many failed logins; try again in {LOGIN_WINDOW_SECONDS // 60} minutes")
    row = await deps.db.read_one(q.LOGIN, {"email": email})
    if not verify_password(row["hash"] if row else None, password) or row is None:
        async with deps.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, LOGIN_WINDOW_SECONDS, nx=True)
            await pipe.execute()
        raise Unauthenticated("wrong email or password")
    if not row["user"]["active"]:
        raise Unauthenticated("this user is deactivated")
    await deps.redis.delete(next(iter(keys)))
    return issue_token(deps.settings, row["user"]["id"]), row["user"]


def _password(value: str) -> str:
    if len(value) < 8:
        raise BadInput("password must have at least 8 characters", field="password")
    if len(value) > 1024:
        raise BadInput("password is too long", field="password")
    return value


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> Row:
    who.require(ADMIN_ONLY, "create users")
    email = validate.email(data.get("email"))
    if email is None:
        raise BadInput("email is required", field="email")
    params: dict[str, Any] = {
        "id": new_id("User"),
        "email": email.lower(),
        "name": validate.text(data.get("name"), "name", required=True, max_len=200),
        "role": Role(data["role"]).value,
        "team": validate.text(data.get("team"), "team", max_len=200),
        "homeBase": validate.geo(data.get("homeBase"), "homeBase"),
        "passwordHash": hash_password(_password(data["password"])),
    }
    try:
        rows = await deps.db.write(q.CREATE_USER, params)
    except ConstraintError as exc:
        raise Conflict(f"a user with email {email!r} exists", field="email") from exc
    await deps.bus.publish("USER", params["id"], "CREATED", data.keys() - {"password"}, who.user_id)
    return cast(Row, rows[0]["user"])


async def update(deps: Deps, who: Principal, user_id: str, data: dict[str, Any]) -> Row:
    is_admin = who.role is Role.ADMIN
    if not is_admin and (user_id != who.user_id or {"role", "active"} & data.keys()):
        raise Forbidden("only an ADMIN may change other users, roles or activation")
    name = validate.text(data["name"], "name", required=True, max_len=200) if "name" in data else None
    if data.get("active") is False and user_id == who.user_id:
        raise BadInput("you cannot deactivate yourself", field="active")
    params = {
        "id": user_id,
        "name": name,
        "role": Role(data["role"]).value if data.get("role") else None,
        "active": data.get("active"),
        "setTeam": "team" in data,
        "team": validate.text(data.get("team"), "team", max_len=200),
        "setHomeBase": "homeBase" in data,
        "homeBase": validate.geo(data.get("homeBase"), "homeBase"),
    }
    rows = await deps.db.write(q.UPDATE_USER, params)
    if not rows:
        raise NotFound(f"no user {user_id!r}")
    deps.auth.forget()
    await deps.bus.publish("USER", user_id, "UPDATED", data.keys(), who.user_id)
    return cast(Row, rows[0]["user"])


async def get(deps: Deps, user_id: str) -> Row | None:
    row = await deps.db.read_one(q.USER_BY_ID, {"id": user_id})
    return row["user"] if row else None


async def page(deps: Deps, args: PageArgs, role: str | None) -> Page:
    rows = await deps.db.read(q.USERS_PAGE, {"role": role, "limit": args.limit, **args.after_params("afterEmail")})
    total = None
    if args.with_total:
        total_row = await deps.db.read_one(q.USERS_COUNT, {"role": role})
        total = int(total_row["total"]) if total_row else 0
    return to_page(rows, args, total)


async def create_api_key(deps: Deps, who: Principal, name: str, role: str) -> tuple[Row, str]:
    who.require(ADMIN_ONLY, "create API keys")
    wanted = Role(role)
    if wanted not in LESSER_ROLES.get(who.role, {who.role}):
        raise Forbidden(f"a key's role may not exceed its creator's ({who.role.value})")
    key, key_hash = new_api_key()
    rows = await deps.db.write(
        q.CREATE_API_KEY,
        {
            "userId": who.user_id,
            "id": new_id("ApiKey"),
            "name": validate.text(name, "name", required=True, max_len=200),
            "role": wanted.value,
            "hash": key_hash,
        },
    )
    return rows[0]["apiKey"], key


async def api_keys(deps: Deps, who: Principal) -> list[Row]:
    rows = await deps.db.read(q.LIST_API_KEYS, {"userId": None if who.role is Role.ADMIN else who.user_id})
    return [r["apiKey"] for r in rows]


async def api_key(deps: Deps, who: Principal, key_id: str) -> Row | None:
    """A live key, for its creator or an ADMIN (others do not learn that it exists)."""
    row = await deps.db.read_one(q.API_KEY_BY_ID, {"id": key_id})
    if row is None or (who.role is not Role.ADMIN and row["apiKey"]["createdBy"]["id"] != who.user_id):
        return None
    return cast(Row, row["apiKey"])


async def revoke_api_key(deps: Deps, who: Principal, key_id: str) -> str:
    row = await deps.db.read_one(q.API_KEY_OWNER, {"id": key_id})
    if row is None or (who.role is not Role.ADMIN and row["ownerId"] != who.user_id):
        raise NotFound(f"no API key {key_id!r}")
    await deps.db.write(q.REVOKE_API_KEY, {"id": key_id})
    deps.auth.forget()
    return key_id


async def get_many(deps: Deps, ids: list[str]) -> dict[str, Row]:
    return await q.by_ids(deps.db, ids)
