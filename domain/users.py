"""Users, login and API keys."""

from __future__ import annotations

from typing import Any, cast

from neo4j.exceptions import ConstraintError

from domain import validate
from domain.auth import ADMIN_ONLY, Principal, Role, hash_password, issue_token, new_api_key, verify_password
from domain.deps import Deps
from domain.errors import BadInput, Conflict, Forbidden, NotFound, RateLimited, Unauthenticated
from domain.events import emit
from domain.ids import new_id
from graph import users as q
from graph.db import Row, Tx
from graph.paging import Page, PageArgs, to_page

# A key may carry the creator's role or one of these lesser ones.
LESSER_ROLES = {
    Role.ADMIN: set(Role),
    Role.SALES_MANAGER: {Role.SALES_MANAGER, Role.SALES_REP},
}


# Failed logins are counted per account and per client address within this window (guessing passwords);
# the limits are settings (CRM_LOGIN_LIMIT_PER_ACCOUNT, CRM_LOGIN_LIMIT_PER_CLIENT).
LOGIN_WINDOW_SECONDS = 15 * 60


async def login(deps: Deps, email: str, password: str, client: str | None = None) -> tuple[str, Row]:
    email = email.strip().lower()
    account_key = f"crm:login:failed:account:{email}"
    keys = {account_key: deps.settings.login_failures_per_account}
    if client:
        keys[f"crm:login:failed:client:{client}"] = deps.settings.login_failures_per_client
    # Count first, then decide: every attempt takes a slot atomically (INCR), so parallel guesses cannot all pass
    # a check made before any of them is counted. A failure keeps its slot; a success gives it back.
    async with deps.redis.pipeline(transaction=True) as pipe:
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, LOGIN_WINDOW_SECONDS, nx=True)
        replies = await pipe.execute()
    if any(int(count) > limit for count, limit in zip(replies[0::2], keys.values(), strict=True)):
        raise RateLimited(f"too many failed logins; try again in {LOGIN_WINDOW_SECONDS // 60} minutes")
    try:
        row = await deps.db.read_one(q.LOGIN, {"email": email})
        valid = await verify_password(row["hash"] if row else None, password) and row is not None
    except BaseException:
        await _give_back(deps, keys, reset_account=False)
        raise
    if not valid or row is None:
        raise Unauthenticated("wrong email or password")
    await _give_back(deps, keys, reset_account=True)
    if not row["user"]["active"]:
        raise Unauthenticated("this user is deactivated")
    return issue_token(deps.settings, row["user"]["id"]), row["user"]


async def _give_back(deps: Deps, keys: dict[str, int], reset_account: bool) -> None:
    """Returns the slots of an attempt that was no wrong guess; the right password also clears the account's count."""
    async with deps.redis.pipeline(transaction=False) as pipe:
        for index, key in enumerate(keys):
            if index == 0 and reset_account:
                pipe.delete(key)
            else:
                pipe.decr(key)
        await pipe.execute()


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
        "passwordHash": await hash_password(_password(data["password"])),
    }

    async def work(tx: Tx) -> Row:
        rows = await tx.run(q.CREATE_USER, params)
        emit(tx, "USER", params["id"], "CREATED", data.keys() - {"password"}, who.user_id)
        return cast(Row, rows[0]["user"])

    try:
        return await deps.db.transaction(work)
    except ConstraintError as exc:
        raise Conflict(f"a user with email {email!r} exists", field="email") from exc


async def update(deps: Deps, who: Principal, user_id: str, data: dict[str, Any]) -> Row:
    if not who.allows(ADMIN_ONLY) and (
        user_id != who.user_id or {"role", "active"} & data.keys() or who.api_key_id is not None
    ):
        raise Forbidden("only an ADMIN may change other users, roles or activation, or a profile through an API key")
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

    async def work(tx: Tx) -> Row:
        rows = await tx.run(q.UPDATE_USER, params)
        if not rows:
            raise NotFound(f"no user {user_id!r}")
        emit(tx, "USER", user_id, "UPDATED", data.keys(), who.user_id)
        return cast(Row, rows[0]["user"])

    user = await deps.db.transaction(work)
    await deps.auth.changed()
    return user


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
    who.require(ADMIN_ONLY, "manage API keys")
    rows = await deps.db.read(q.LIST_API_KEYS, {"userId": None})
    return [r["apiKey"] for r in rows]


async def api_key(deps: Deps, who: Principal, key_id: str) -> Row | None:
    """A live key, for an ADMIN (others do not learn that it exists)."""
    if not who.allows(ADMIN_ONLY):
        return None
    row = await deps.db.read_one(q.API_KEY_BY_ID, {"id": key_id})
    return cast(Row, row["apiKey"]) if row else None


async def revoke_api_key(deps: Deps, who: Principal, key_id: str) -> str:
    who.require(ADMIN_ONLY, "manage API keys")
    row = await deps.db.read_one(q.API_KEY_OWNER, {"id": key_id})
    if row is None:
        raise NotFound(f"no API key {key_id!r}")
    await deps.db.write(q.REVOKE_API_KEY, {"id": key_id})
    await deps.auth.changed()
    return key_id


async def get_many(deps: Deps, ids: list[str]) -> dict[str, Row]:
    return await q.by_ids(deps.db, ids)
