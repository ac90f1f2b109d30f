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
from graph import upserts as q
from graph.db import Row, Tx

MAX_ROWS = 1000
COMPANY_FIELDS = ("domain", "industry", "city", "country")
PERSON_FIELDS = ("firstName", "email", "city", "country")


def _key(label: str, ext: dict[str, Any], where: str) -> tuple[str, str, str]:
    system = validate.text(ext.get("system"), f"{where}.system", required=True, max_len=100)
    value = validate.text(ext.get("value"), f"{where}.value", required=True, max_len=200)
    return f"{label}|{system}|{value}", str(system), str(value)


def _check_batch(rows: list[dict[str, Any]]) -> None:
    if len(rows) > MAX_ROWS:
        raise BadInput(f"at most {MAX_ROWS} rows a call", argument="input")


def _row_error(index: int, exc: BadInput) -> BadInput:
    return BadInput(f"row {index}: {exc.message}", row=index, **{k: v for k, v in exc.details.items() if k != "row"})


def _company_row(index: int, data: dict[str, Any]) -> dict[str, Any]:
    try:
        key, system, value = _key("Company", data["externalId"], "externalId")
        name = str(validate.text(data.get("name"), "name", required=True, max_len=300))
        props: dict[str, Any] = {"name": name}
        for field in COMPANY_FIELDS:
            if field in data:
                props[field] = validate.text(data[field], field, max_len=200)
        if props.get("domain"):
            props["domain"] = str(props["domain"]).lower()
    except BadInput as exc:
        raise _row_error(index, exc) from exc
    return {
        "index": index,
        "key": key,
        "system": system,
        "value": value,
        "newId": new_id("Company"),
        "props": props,
        "sortName": validate.sort_key(name),
    }


def _person_row(index: int, data: dict[str, Any]) -> dict[str, Any]:
    try:
        key, system, value = _key("Person", data["externalId"], "externalId")
        last = str(validate.text(data.get("lastName"), "lastName", required=True, max_len=200))
        props: dict[str, Any] = {"lastName": last}
        for field in PERSON_FIELDS:
            if field in data:
                props[field] = (
                    validate.email(data[field]) if field == "email" else validate.text(data[field], field, max_len=200)
                )
        if "phones" in data:
            props["phones"] = validate.phones(data["phones"]) or []
        company_key = None
        if data.get("companyExternalId"):
            company_key = _key("Company", data["companyExternalId"], "companyExternalId")[0]
    except BadInput as exc:
        raise _row_error(index, exc) from exc
    first = props.get("firstName") or ""
    return {
        "index": index,
        "key": key,
        "system": system,
        "value": value,
        "newId": new_id("Person"),
        "props": props,
        "sortName": validate.sort_key(f"{last} {first}"),
        "source": "integration",
        "companyKey": company_key,
        "setCompany": "companyExternalId" in data,
    }


def _unique(rows: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row["key"] in seen:
            raise BadInput(f"rows {seen[row['key']]} and {row['index']} have the same external id", row=row["index"])
        seen[row["key"]] = row["index"]


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
    keys = sorted({r["companyKey"] for r in rows if r["companyKey"]})

    async def check(tx: Tx) -> None:
        if keys:
            missing = (await tx.run(q.MISSING_COMPANIES, {"keys": keys}))[0]["missing"]
            if missing:
                system, value = missing[0].split("|", 2)[1:]
                raise NotFound(f"companyExternalId {system}:{value}: no such company", field="companyExternalId")

    return await _run(deps, who, "Person", q.UPSERT_PERSONS, rows, check)
