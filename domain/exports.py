"""Exports for Outlook and Office: lists of persons and companies, segments, search results and histories,
read in keyset pages of PAGE_SIZE rows, so a list of a million rows is never held at once.

Each export is authorised like the GraphQL query it mirrors (`persons(filter)`, `companies(filter)`,
`search(text)`, `segment(id)`, `person(id)`, timelines: every signed-in principal, by bearer token or API
key) and filed in the audit trail (domain/audit.py) before its first byte.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain import companies as company_uc
from domain import persons as person_uc
from domain import segments, validate
from domain.auth import Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound, Unauthenticated
from graph import exports as q
from graph import search as search_q
from graph.db import Row
from graph.projection import where
from integrations.office import ical, vcard
from integrations.office.tabular import Cell, CsvChunks, XlsxFile, cell

PAGE_SIZE = 2000
FAR_FUTURE = "+999999999-12-31T23:59:59.999999999Z"
Pages = AsyncIterator[list[Row]]


async def principal(deps: Deps, credential: str | None) -> Principal:
    who = await deps.auth.authenticate(credential)
    if who is None:
        raise Unauthenticated("send Authorization: Bearer <token or API key>")
    return who


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class Columns:
    """A table's header and how a row becomes its cells."""

    names: tuple[str, ...]
    times: frozenset[str]

    def cells(self, row: Row) -> list[Cell]:
        return [_time(row.get(name)) if name in self.times else cell(row.get(name)) for name in self.names]


PERSON_COLUMNS = Columns(
    (
        "id",
        "firstName",
        "lastName",
        "fullName",
        "email",
        "phones",
        "jobTitle",
        "company",
        "companyId",
        "city",
        "country",
        "tags",
        "source",
        "owner",
        "createdAt",
        "updatedAt",
    ),
    frozenset({"createdAt", "updatedAt"}),
)
COMPANY_COLUMNS = Columns(
    (
        "id",
        "name",
        "domain",
        "industry",
        "city",
        "country",
        "phones",
        "isReference",
        "parent",
        "parentId",
        "owner",
        "contacts",
        "createdAt",
        "updatedAt",
    ),
    frozenset({"createdAt", "updatedAt"}),
)


# ---- filters from query strings (the names of PersonFilter / CompanyFilter)


def _flag(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise BadInput(f"{name} must be true or false", argument=name)


def person_filter(query: Mapping[str, str]) -> dict[str, Any]:
    """persons(filter): nameContains, email, companyId, city, tag, consumer."""
    flt: dict[str, Any] = {key: query.get(key) for key in ("nameContains", "email", "companyId", "city", "tag")}
    flt["consumer"] = _flag(query.get("consumer"), "consumer")
    return {key: value for key, value in flt.items() if value is not None}


def company_filter(query: Mapping[str, str]) -> dict[str, Any]:
    """companies(filter): nameContains, industry, city, ownerId, parentId."""
    keys = ("nameContains", "industry", "city", "ownerId", "parentId")
    return {key: query[key] for key in keys if query.get(key) is not None}


# ---- pages


async def _keyset(
    deps: Deps, query: str, params: dict[str, Any], first: dict[str, Any], key: Callable[[Row], dict[str, Any]]
) -> Pages:
    after = dict(first)
    while True:
        rows = await deps.db.read(query, {**params, **after, "limit": PAGE_SIZE})
        if rows:
            yield [row["row"] for row in rows]
        if len(rows) < PAGE_SIZE:
            return
        after = key(rows[-1])


def _name_key(row: Row) -> dict[str, Any]:
    return {"afterName": row["sortName"], "afterId": row["row"]["id"]}


def person_pages(deps: Deps, flt: Mapping[str, Any]) -> Pages:
    params = person_uc.filter_params(dict(flt))
    active = [name for name, value in params.items() if value is not None]
    match = q.PERSONS_ALL
    if params["companyId"] is not None:  # a company's contacts start from the company
        match, active = q.PERSONS_OF_COMPANY, [name for name in active if name != "companyId"]
    query = q.PERSON_PAGE.replace("{match}", match).replace(
        "{where}", where(q.PERSON_CONDITIONS, active, q.PERSON_KEYSET)
    )
    return _keyset(deps, query, params, {"afterName": "", "afterId": ""}, _name_key)


def company_pages(deps: Deps, flt: Mapping[str, Any]) -> Pages:
    params = company_uc.filter_params(dict(flt))
    active = [name for name, value in params.items() if value is not None]
    query = q.COMPANY_PAGE.replace("{where}", where(q.COMPANY_CONDITIONS, active, q.COMPANY_KEYSET))
    return _keyset(deps, query, params, {"afterName": "", "afterId": ""}, _name_key)


SEARCH_KINDS = {"Person": ("p", q.PERSON_ROW), "Company": ("c", q.COMPANY_ROW)}


def search_pages(deps: Deps, text: str | None, kind: str) -> Pages:
    """Every hit of one kind (Person, Company) for the text, best match first; same Lucene query as `search`."""
    if kind not in SEARCH_KINDS:
        raise BadInput("type must be Person or Company", argument="type")
    cleaned = validate.text(text, "text", required=True, max_len=200)
    lucene = search_q.lucene_query(cleaned or "")
    if not lucene:
        raise BadInput("text has no word to search for", argument="text")
    var, row = SEARCH_KINDS[kind]
    query = q.SEARCH_PAGE.replace("{var}", var).replace("{label}", kind).replace("{row}", row)

    def key(last: Row) -> dict[str, Any]:
        return {"afterScore": last["score"], "afterId": last["row"]["id"]}

    return _keyset(deps, query, {"query": lucene}, {"afterScore": float("inf"), "afterId": ""}, key)


async def activity_pages(deps: Deps, who: Principal, query: Mapping[str, str]) -> tuple[str, Pages, dict[str, Any]]:
    """Activities (and visits: `type=VISIT`) of a company's group, a person, or the caller's own (`mine=1`)."""
    kind = query.get("type")
    if kind is not None and kind not in ("CALL", "MEETING", "VISIT", "EMAIL", "NOTE", "RESEARCH", "TASK"):
        raise BadInput(f"unknown activity type {kind!r}", argument="type")
    chosen = [name for name in ("companyId", "personId", "mine") if query.get(name)]
    if len(chosen) != 1:
        raise BadInput("give exactly one of companyId, personId or mine=1", argument="companyId")
    params: dict[str, Any]
    if chosen[0] == "mine":
        if _flag(query["mine"], "mine") is not True:
            raise BadInput("mine must be 1 or true", argument="mine")
        target = who.user_id
        statement, params = q.ACTIVITIES_BY_USER, {"userId": target}
    else:
        label = "Company" if chosen[0] == "companyId" else "Person"
        target = query[chosen[0]]
        if not await deps.db.read(q.EXISTS, {"id": target, "label": label}):
            raise NotFound(f"no {label.lower()} {target!r}", argument=chosen[0])
        statement = q.ACTIVITIES_OF_COMPANY if label == "Company" else q.ACTIVITIES_OF_PERSON
        params = {chosen[0]: target}
    params["type"] = kind

    def key(last: Row) -> dict[str, Any]:
        return {"afterAt": last["at"], "afterId": last["row"]["id"]}

    pages = _keyset(deps, statement, params, {"afterAt": FAR_FUTURE, "afterId": "\uffff"}, key)
    return target, pages, {"type": kind, chosen[0]: query[chosen[0]]}


async def segment_pages(deps: Deps, segment_id: str) -> Pages:
    """A segment's members (always over the current data), in id order: ids from `member_ids_page`, then their
    rows. NotFound for an unknown segment, before anything is sent."""
    await segments.stored_rule(deps, segment_id)
    return _segment_pages(deps, segment_id)


async def _segment_pages(deps: Deps, segment_id: str) -> Pages:
    after: str | None = None
    while True:
        ids = await segments.member_ids_page(deps, segment_id, after, PAGE_SIZE)
        if ids:
            rows = {row["row"]["id"]: row["row"] for row in await deps.db.read(q.PERSONS_BY_IDS, {"ids": ids})}
            yield [rows[member] for member in ids if member in rows]  # a person erased meanwhile is left out
        if len(ids) < PAGE_SIZE:
            return
        after = ids[-1]


async def person_card(deps: Deps, person_id: str) -> bytes:
    row = await deps.db.read_one(q.PERSON_BY_ID, {"id": person_id})
    if row is None:
        raise NotFound(f"no person {person_id!r}")
    return vcard.write(row["row"]).encode()


# ---- encodings


async def csv_stream(columns: Columns, pages: Pages) -> AsyncIterator[bytes]:
    chunks = CsvChunks()
    yield chunks.encode([list(columns.names)])
    async for page in pages:
        yield chunks.encode([columns.cells(row) for row in page])


async def vcf_stream(pages: Pages) -> AsyncIterator[bytes]:
    async for page in pages:
        yield "".join(vcard.write(row) for row in page).encode()


async def ics_stream(name: str, pages: Pages) -> AsyncIterator[bytes]:
    stamp = datetime.now(UTC).replace(microsecond=0)
    yield ical.header(name)
    async for page in pages:
        yield b"".join(ical.event(row, stamp) for row in page)
    yield ical.FOOTER


async def prefetched(pages: Pages) -> Pages:
    """The pages, each next one read from Neo4j while the caller works on the current one."""
    it = aiter(pages)
    ahead: asyncio.Future[list[Row] | None] = asyncio.ensure_future(anext(it, None))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.ensure_future(anext(it, None))
            yield page
    finally:
        ahead.cancel()


async def xlsx_stream(columns: Columns, pages: Pages, chunk: int = 256 * 1024) -> AsyncIterator[bytes]:
    """The workbook is written to a temporary file (row by row, constant memory, on a worker thread so the
    event loop keeps serving), then sent in chunks and deleted."""
    book = await asyncio.to_thread(XlsxFile, list(columns.names))
    try:
        async for page in prefetched(pages):
            await asyncio.to_thread(book.write, [columns.cells(row) for row in page])
        path = await asyncio.to_thread(book.close)
        with open(path, "rb") as handle:
            while data := await asyncio.to_thread(handle.read, chunk):
                yield data
    finally:
        await asyncio.to_thread(book.discard)


def table_stream(fmt: str, columns: Columns, pages: Pages) -> AsyncIterator[bytes]:
    if fmt == "csv":
        return csv_stream(columns, pages)
    if fmt == "xlsx":
        return xlsx_stream(columns, pages)
    raise NotFound(f"no export format {fmt!r}")
