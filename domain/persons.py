"""Persons: B2B contacts and B2C consumers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from domain import refs, validate
from domain.auth import ADMIN_ONLY, CRM_DELETERS, CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_email
from graph import common
from graph import persons as q
from graph import units as unit_q
from graph.db import Row, Tx
from graph.paging import Page, PageArgs, read_pages

PARTS = frozenset(q.FRAGMENTS)
TEXT_FIELDS = {
    "firstName": 200,
    "lastName": 200,
    "jobTitle": 200,
    "city": 200,
    "country": 200,
    "source": 200,
}


def projection(include: Iterable[str]) -> str:
    return q.NODES.projection(include)


async def get(deps: Deps, person_id: str, include: Iterable[str] = ()) -> Row | None:
    return await q.NODES.get(deps.db, person_id, include)


async def get_many(deps: Deps, ids: list[str], include: Iterable[str] = ()) -> dict[str, Row]:
    return await q.NODES.get_many(deps.db, ids, include)


async def by_external_id(deps: Deps, system: str, value: str, include: Iterable[str] = ()) -> Row | None:
    row = await deps.db.read_one(common.BY_EXTERNAL_ID, refs.external_key("Person", system, value))
    return await get(deps, row["id"], include) if row else None


def filter_params(flt: dict[str, Any] | None) -> dict[str, Any]:
    flt = flt or {}
    name = validate.text(flt.get("nameContains"), "filter.nameContains", max_len=200)
    city = validate.text(flt.get("city"), "filter.city", max_len=200)
    email = validate.text(flt.get("email"), "filter.email", max_len=254)
    return {
        "nameContains": validate.sort_key(name) if name else None,
        "email": normalize_email(email),
        "companyId": flt.get("companyId"),
        "unitId": flt.get("unitId"),
        "city": city.lower() if city else None,
        "tag": flt.get("tag"),
        "consumer": flt.get("consumer"),
    }


async def contacts_many(deps: Deps, ids: list[str], args: PageArgs, include: Iterable[str] = ()) -> dict[str, Page]:
    """One page of contacts for each company, in one round trip."""
    query = q.CONTACTS_PAGES.format(after=q.AFTER, projection=projection(include))
    return await read_pages(deps.db, query, ids, _after(args), args)


async def members_many(deps: Deps, ids: list[str], args: PageArgs, include: Iterable[str] = ()) -> dict[str, Page]:
    """One page of members for each unit, in one round trip."""
    query = q.MEMBERS_PAGES.format(after=q.AFTER, projection=projection(include))
    return await read_pages(deps.db, query, ids, _after(args), args)


def _after(args: PageArgs) -> dict[str, str]:
    after = args.after_params("afterName", "afterId")
    return {"afterName": str(after["afterName"] or ""), "afterId": str(after["afterId"] or "")}


def _props(data: dict[str, Any], creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, max_len in TEXT_FIELDS.items():
        if key in data:
            out[key] = validate.text(data[key], key, required=key == "lastName", max_len=max_len)
    if creating and "lastName" not in out:
        raise BadInput("lastName is required", field="lastName")
    if "email" in data:
        out["email"] = validate.email(data["email"])
    if "phones" in data:
        out["phones"] = validate.phones(data["phones"]) or []
    if "tags" in data:
        out["tags"] = validate.tags(data["tags"]) or []
    return out


async def _unit_company(tx: Tx, unit_id: str | None, joining: bool = True) -> str | None:
    """The company of the unit (None without a unit); NotFound for an unknown unit.

    A unit the person joins is read under its company's lock, which unit deletes take too."""
    if unit_id is None:
        return None
    rows = await tx.run(unit_q.LOCK_COMPANY_OF if joining else unit_q.COMPANY_OF, {"id": unit_id})
    if not rows:
        raise NotFound(f"unitId: no such unit {unit_id!r}", field="unitId")
    return str(rows[0]["companyId"])


def _person_sort_key(last: str | None, first: str | None) -> str:
    return validate.sort_key(f"{last or ''} {first or ''}")


def _unit_conflict() -> BadInput:
    return BadInput("unitId belongs to another company than companyId", field="unitId")


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "create persons")
    props = _props(data, creating=True)
    location = validate.geo(data.get("location"), "location")
    ext = validate.external_ids(data.get("externalIds"))
    company_id, unit_id, owner_id = data.get("companyId"), data.get("unitId"), data.get("ownerId")
    person_id = new_id("Person")

    async def work(tx: Tx) -> None:
        await refs.require(tx, {"companyId": ("Company", company_id), "ownerId": ("User", owner_id)})
        unit_company = await _unit_company(tx, unit_id)
        if unit_company is not None and company_id is not None and unit_company != company_id:
            raise _unit_conflict()
        params: dict[str, Any] = {key: props.get(key) for key in (*TEXT_FIELDS, "email")}
        params.update(
            sortName=_person_sort_key(props.get("lastName"), props.get("firstName")),
            id=person_id,
            phones=props.get("phones") or [],
            tags=props.get("tags") or [],
            location=location,
            companyId=company_id or unit_company,  # a unit alone places the person in its company
            unitId=unit_id,
            ownerId=owner_id,
        )
        await tx.run(q.CREATE, params)
        await refs.add_external_ids(tx, "Person", person_id, ext)
        emit(tx, "PERSON", person_id, "CREATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return person_id


async def update(deps: Deps, who: Principal, person_id: str, data: dict[str, Any]) -> str:
    who.require(CRM_WRITERS, "update persons")
    props = _props(data, creating=False)
    location = validate.geo(data.get("location"), "location") if "location" in data else None
    owner_id = data.get("ownerId")

    async def work(tx: Tx) -> None:
        current = await tx.run(q.CURRENT, {"id": person_id})
        if not current:
            raise NotFound(f"no person {person_id!r}")
        company_id = data["companyId"] if "companyId" in data else current[0]["companyId"]
        unit_id = data["unitId"] if "unitId" in data else current[0]["unitId"]
        if "companyId" in data and "unitId" not in data and company_id != current[0]["companyId"]:
            unit_id = None  # a move to another company leaves the old company's unit
        await refs.require(tx, {"companyId": ("Company", company_id), "ownerId": ("User", owner_id)})
        unit_company = await _unit_company(tx, unit_id, joining=unit_id != current[0]["unitId"])
        move = "companyId" in data
        if unit_company is not None and unit_company != company_id:
            if "companyId" in data:
                raise _unit_conflict()
            company_id, move = unit_company, True  # a unit of another company moves the person there
        await tx.run(
            q.UPDATE,
            {
                "id": person_id,
                "props": props,
                "sortName": _person_sort_key(
                    props["lastName"] if "lastName" in props else current[0]["lastName"],
                    props["firstName"] if "firstName" in props else current[0]["firstName"],
                ),
                "setLocation": "location" in data,
                "location": location,
                "setCompany": move,
                "companyId": company_id,
                "setUnit": unit_id != current[0]["unitId"],
                "unitId": unit_id,
                "setOwner": "ownerId" in data,
                "ownerId": owner_id,
            },
        )
        emit(tx, "PERSON", person_id, "UPDATED", data.keys(), who.user_id)

    await deps.db.transaction(work)
    return person_id


async def delete(deps: Deps, who: Principal, person_id: str) -> str:
    who.require(CRM_DELETERS, "delete persons")

    async def work(tx: Tx) -> None:
        found = await tx.run(q.DELETE_CHECK, {"id": person_id})
        if not found:
            raise NotFound(f"no person {person_id!r}")
        if found[0]["hasOrders"]:
            raise Conflict("the person has orders, kept for bookkeeping: erase it (erasePerson) instead", argument="id")
        # its consents and their evidence go with it; its mail deliveries stay for the counts, naming nobody
        await tx.run(q.ERASE_CONSENTS, {"prefix": person_id + "|"})
        await tx.run(q.ERASE_DELIVERIES, {"id": person_id})
        await tx.run(q.DELETE, {"id": person_id})
        emit(tx, "PERSON", person_id, "DELETED", (), who.user_id)

    await deps.db.transaction(work)
    return person_id


ERASED = "erased person"


def _mentions(identifiers: list[str]) -> re.Pattern[str] | None:
    """A pattern for every way the texts may name the person: names and e-mails as whole words (any case), phone
    numbers by their last seven digits with any separators and any prefix. Longest first."""
    alternatives: list[str] = []
    for value in sorted({i.strip() for i in identifiers if i and len(i.strip()) > 1}, key=len, reverse=True):
        digits = re.sub(r"\D", "", value)
        if value.lstrip("+").replace(" ", "").isdigit() and len(digits) >= 7:
            alternatives.append(r"(?:[+(\d][\d\s\-/().]*)?" + r"[\s\-/().]*".join(digits[-7:]))
        else:
            alternatives.append(r"(?<!\w)" + re.escape(value) + r"(?!\w)")
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def _scrub(text: str | None, pattern: re.Pattern[str]) -> str | None:
    return pattern.sub(ERASED, text) if text else text


async def erase(deps: Deps, who: Principal, person_id: str) -> str:
    """Erases every copy of the person's data (README, "Erasure"): the person, its external ids and links, its
    converted leads' contact data, the texts of activities about it alone, its mentions in shared activities, its
    consents and their evidence, what its mail deliveries name, and shop webhook bodies still holding its data."""
    who.require(ADMIN_ONLY, "erase personal data")

    async def work(tx: Tx) -> list[Row]:
        found = await tx.run(q.ERASE_COPIES, {"id": person_id})
        if not found:
            return []
        pattern = _mentions(found[0]["identifiers"])
        if pattern is not None and found[0]["shared"]:
            rows = [
                {"id": a["id"], **{k: _scrub(a[k], pattern) for k in ("subject", "body", "outcome")}}
                for a in found[0]["shared"]
            ]
            await tx.run(q.ERASE_SHARED_TEXTS, {"rows": rows})
        if pattern is not None and found[0]["sharedTranscripts"]:
            notes = [
                {"id": d["id"], "transcript": _scrub(d["transcript"], pattern)} for d in found[0]["sharedTranscripts"]
            ]
            await tx.run(q.ERASE_SHARED_TRANSCRIPTS, {"rows": notes})
        await tx.run(q.ERASE_CONSENTS, {"prefix": person_id + "|"})
        await tx.run(q.ERASE_DELIVERIES, {"id": person_id})
        await tx.run(q.ERASE_SHOP_INBOX, {"id": person_id, "emails": sorted(set(found[0]["emails"]))})
        erased = await tx.run(q.ERASE, {"id": person_id})
        emit(tx, "PERSON", person_id, "DELETED", ("erased",), who.user_id)
        return erased

    rows = await deps.db.transaction(work)
    if not rows:
        raise NotFound(f"no person {person_id!r}")
    return person_id
