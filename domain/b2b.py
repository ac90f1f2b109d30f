"""The relationship graph: relations, acquaintances, buying centers, paths and org charts."""

from __future__ import annotations

from typing import Any

from domain import refs, validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput
from domain.events import emit
from graph import b2b as q
from graph.db import Row, Tx
from graph.paging import Page, PageArgs, read_pages

RELATION_TYPES = ("REPORTS_TO", "INFLUENCES", "KNOWS")
BUYING_ROLES = (
    "DECISION_MAKER",
    "ECONOMIC_BUYER",
    "TECHNICAL_EVALUATOR",
    "INFLUENCER",
    "CHAMPION",
    "USER",
    "GATEKEEPER",
    "BLOCKER",
)
ATTITUDES = ("SUPPORTER", "NEUTRAL", "SKEPTIC", "OPPONENT", "UNKNOWN")


def _hops(value: int) -> int:
    if not 1 <= value <= 6:
        raise BadInput("maxHops must be between 1 and 6", argument="maxHops")
    return value


def _first(value: int | None, default: int = 10) -> int:
    first = default if value is None else value
    if not 0 <= first <= 100:
        raise BadInput("first must be between 0 and 100", argument="first")
    return first


async def relate(deps: Deps, who: Principal, from_id: str, to_id: str, type_: str, strength: float | None) -> Row:
    who.require(CRM_WRITERS, "relate persons")
    if type_ not in RELATION_TYPES:
        raise BadInput("unknown relation type", argument="type")
    if from_id == to_id:
        raise BadInput("a person cannot be related to themself", argument="toId")
    validate.unit_interval(strength, "strength")
    params = {"fromId": from_id, "toId": to_id, "type": type_, "strength": strength}

    async def work(tx: Tx) -> list[Row]:
        await refs.require_locked(tx, {"fromId": ("Person", from_id), "toId": ("Person", to_id)})
        rows = await tx.run(q.RELATE, params)
        emit(tx, "PERSON", from_id, "UPDATED", ("relations",), who.user_id)
        return rows

    rows = await deps.db.transaction(work)
    return rows[0]


async def unrelate(deps: Deps, who: Principal, from_id: str, to_id: str, type_: str) -> bool:
    who.require(CRM_WRITERS, "unrelate persons")

    async def work(tx: Tx) -> bool:
        rows = await tx.run(q.UNRELATE, {"fromId": from_id, "toId": to_id, "type": type_})
        if rows and rows[0]["deleted"]:
            emit(tx, "PERSON", from_id, "UPDATED", ("relations",), who.user_id)
            return True
        return False

    deleted = await deps.db.transaction(work)
    if not deleted:
        await refs.require_read(deps.db, {"fromId": ("Person", from_id), "toId": ("Person", to_id)})
    return deleted


async def acquaint(deps: Deps, who: Principal, user_id: str, person_id: str, strength: float | None) -> bool:
    who.require(CRM_WRITERS, "record acquaintances")
    validate.unit_interval(strength, "strength")

    async def work(tx: Tx) -> None:
        await refs.require_locked(tx, {"userId": ("User", user_id), "personId": ("Person", person_id)})
        await tx.run(q.ACQUAINT, {"userId": user_id, "personId": person_id, "strength": strength})
        emit(tx, "PERSON", person_id, "UPDATED", ("acquaintances",), who.user_id)

    await deps.db.transaction(work)
    return True


async def relations_many(deps: Deps, ids: list[str], args: PageArgs) -> dict[str, Page]:
    """One page of relations for each person, in one round trip."""
    key = args.after_params("afterType", "afterFrom", "afterTo")  # checks the cursor's shape
    return await read_pages(deps.db, q.RELATIONS_PAGES, ids, {"after": args.after and list(key.values())}, args)


async def set_role(
    deps: Deps, who: Principal, opportunity_id: str, person_id: str, roles: list[str], attitude: str | None
) -> None:
    who.require(CRM_WRITERS, "change buying centers")
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise BadInput("give the person at least one role", argument="roles")
    if any(r not in BUYING_ROLES for r in roles) or (attitude and attitude not in ATTITUDES):
        raise BadInput("unknown role or attitude")
    params = {"opportunityId": opportunity_id, "personId": person_id, "roles": roles, "attitude": attitude}

    async def work(tx: Tx) -> None:
        await refs.require_locked(
            tx, {"opportunityId": ("Opportunity", opportunity_id), "personId": ("Person", person_id)}
        )
        await tx.run(q.SET_ROLE, params)
        emit(tx, "OPPORTUNITY", opportunity_id, "UPDATED", ("buyingCenter",), who.user_id)

    await deps.db.transaction(work)


async def remove_member(deps: Deps, who: Principal, opportunity_id: str, person_id: str) -> None:
    who.require(CRM_WRITERS, "change buying centers")

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"opportunityId": ("Opportunity", opportunity_id), "personId": ("Person", person_id)})
        await tx.run(q.REMOVE_MEMBER, {"opportunityId": opportunity_id, "personId": person_id})
        emit(tx, "OPPORTUNITY", opportunity_id, "UPDATED", ("buyingCenter",), who.user_id)

    await deps.db.transaction(work)


async def buying_center(deps: Deps, opportunity_id: str) -> Row | None:
    """Members, relations among them, missing roles and neglected members, in one round trip."""
    return (await buying_centers(deps, [opportunity_id])).get(opportunity_id)


async def buying_centers(deps: Deps, ids: list[str]) -> dict[str, Row]:
    rows = await deps.db.read(q.BUYING_CENTER, {"ids": ids, "neglectDays": deps.settings.neglect_days})
    for row in rows:
        held = {role for member in row["members"] for role in member["roles"] or []}
        row["missingRoles"] = [r for r in deps.settings.required_buying_roles if r not in held]
        row["neglected"] = [m["person"] for m in row["members"] if m["neglected"]]
    return {row["key"]: row for row in rows}


async def influence_paths(
    deps: Deps,
    from_id: str,
    to_id: str,
    max_hops: int,
    first: int | None,
    person: str = q.PERSON,
    params: dict[str, Any] | None = None,
) -> list[Row]:
    """`person` projects each person `p` (a constant or a compiled projection using `params`)."""
    query = q.INFLUENCE_PATHS.replace(q.PERSON_SLOT, person).replace("{max_hops}", str(_hops(max_hops)))
    if from_id == to_id:
        raise BadInput("fromPersonId and toPersonId are the same person", argument="toPersonId")
    rows = await deps.db.read(query, {**(params or {}), "fromId": from_id, "toId": to_id, "first": _first(first)})
    if not rows:
        await refs.require_read(deps.db, {"fromPersonId": ("Person", from_id), "toPersonId": ("Person", to_id)})
    return rows


async def introduction_paths(
    deps: Deps,
    to_id: str,
    max_hops: int,
    first: int | None,
    person: str = q.PERSON,
    user: str = q.USER,
    params: dict[str, Any] | None = None,
) -> list[Row]:
    """`person` and `user` project `p` and `u` (constants or compiled projections using `params`)."""
    query = q.INTRODUCTION_PATHS.replace(q.PERSON_SLOT, person).replace(q.USER_SLOT, user)
    query = query.replace("{max_rel_hops}", str(_hops(max_hops) - 1))
    rows = await deps.db.read(query, {**(params or {}), "toId": to_id, "first": _first(first)})
    if not rows:
        await refs.require_read(deps.db, {"toPersonId": ("Person", to_id)})
    return rows
