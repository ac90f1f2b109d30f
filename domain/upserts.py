"""ERP and shop synchronisation: batches of up to 1,000 rows, idempotent on external ids, all or nothing."""

from __future__ import annotations

from typing import Any

from neo4j.exceptions import ConstraintError

from domain import validate
from domain.auth import CRM_WRITERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict, NotFound
from domain.events import emit
from domain.ids import new_id
from domain.normalize import normalize_domain
from graph import upserts as q
from graph.db import Row, Tx

MAX_ROWS = 1000
COMPANY_FIELDS = ("domain", "industry", "city", "country")
PERSON_FIELDS = ("firstName", "email", "city", "country")


def _key(ext: dict[str, Any], where: str) -> tuple[str, str]:
    system = validate.text(ext.get("system"), f"{where}.system", required=True, max_len=100)
    value = validate.text(ext.get("value"), f"{where}.value", required=True, max_len=200)
    return str(system), str(value)


def _check_batch(rows: list[dict[str, Any]]) -> None:
    if len(rows) > MAX_ROWS:
        raise BadInput(f"at most {MAX_ROWS} rows a call", argument="input")


def _row_error(index: int, exc: BadInput) -> BadInput:
    return BadInput(f"row {index}: {exc.message}", row=index, **{k: v for k, v in exc.details.items() if k != "row"})


def _company_row(index: int, data: dict[str, Any]) -> dict[str, Any]:
    try:
        system, value = _key(data["externalId"], "externalId")
        name = str(validate.text(data.get("name"), "name", required=True, max_len=300))
        props: dict[str, Any] = {"name": name}
        for field in COMPANY_FIELDS:
            if field in data:
                props[field] = validate.text(data[field], field, max_len=200)
        if "domain" in props:
            props["domain"] = normalize_domain(props["domain"])
    except BadInput as exc:
        raise _row_error(index, exc) from exc
    return {
        "index": index,
        "system": system,
        "value": value,
        "newId": new_id("Company"),
        "props": props,
        "sortName": validate.sort_key(name),
    }


def _person_row(index: int, data: dict[str, Any]) -> dict[str, Any]:
    try:
        system, value = _key(data["externalId"], "externalId")
        last = str(validate.text(data.get("lastName"), "lastName", required=True, max_len=200))
        props: dict[str, Any] = {"lastName": last}
        for field in PERSON_FIELDS:
            if field in data:
                props[field] = (
                    validate.email(data[field]) if field == "email" else validate.text(data[field], field, max_len=200)
                )
        if "phones" in data:
            props["phones"] = validate.phones(data["phones"]) or []
        company = None
        if data.get("companyExternalId"):
            company_system, company_value = _key(data["companyExternalId"], "companyExternalId")
            company = {"system": company_system, "value": company_value}
    except BadInput as exc:
        raise _row_error(index, exc) from exc
    first = props.get("firstName") or ""
    return {
        "index": index,
        "system": system,
        "value": value,
        "newId": new_id("Person"),
        "props": props,
        "sortName": validate.sort_key(f"{last} {first}"),
        "source": "integration",
        "company": company,
        "setCompany": "companyExternalId" in data,
    }


def _unique(rows: list[dict[str, Any]]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["system"], row["value"])
        if key in seen:
            raise BadInput(f"rows {seen[key]} and {row['index']} have the same external id", row=row["index"])
        seen[key] = row["index"]


async def _run(
    deps: Deps, who: Principal, label: str, query: str, rows: list[dict[str, Any]], check: Any = None
) -> list[Row]:
    who.require(CRM_WRITERS, "synchronise records")
    _unique(rows)

    async def work(tx: Tx) -> list[Row]:
        if check is not None:
            await check(tx)
        results = await tx.run(query, {"rows": rows})
        by_index = {r["index"]: r for r in results}
        for r in rows:
            done = by_index[r["index"]]
            emit(
                tx,
                label.upper(),
                done["id"],
                "CREATED" if done["created"] else "UPDATED",
                r["props"].keys(),
                who.user_id,
            )
        return results

    try:
        results = await deps.db.transaction(work)
    except ConstraintError as exc:
        raise Conflict("another synchronisation wrote the same external ids; retry") from exc
    by_index = {r["index"]: r for r in results}
    return [
        {
            "index": r["index"],
            "externalId": {"system": r["system"], "value": r["value"]},
            "id": by_index[r["index"]]["id"],
            "created": by_index[r["index"]]["created"],
        }
        for r in rows
    ]


async def companies(deps: Deps, who: Principal, data: list[dict[str, Any]]) -> list[Row]:
    _check_batch(data)
    rows = [_company_row(i, d) for i, d in enumerate(data)]
    return await _run(deps, who, "Company", q.UPSERT_COMPANIES, rows)


async def persons(deps: Deps, who: Principal, data: list[dict[str, Any]]) -> list[Row]:
    _check_batch(data)
    rows = [_person_row(i, d) for i, d in enumerate(data)]
    companies = sorted({(r["company"]["system"], r["company"]["value"]) for r in rows if r["company"]})

    async def check(tx: Tx) -> None:
        if companies:
            params = {"companies": [{"system": system, "value": value} for system, value in companies]}
            missing = (await tx.run(q.MISSING_COMPANIES, params))[0]["missing"]
            if missing:
                system, value = missing[0]["system"], missing[0]["value"]
                raise NotFound(f"companyExternalId {system}:{value}: no such company", field="companyExternalId")

    return await _run(deps, who, "Person", q.UPSERT_PERSONS, rows, check)
