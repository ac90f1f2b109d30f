"""HTTP routes for Outlook and Office: vCards, iCalendar, CSV and XLSX exports, and the vCard import.

Exports stream: rows are read from Neo4j in keyset pages and encoded as they come (an XLSX workbook is
written to a temporary file first, in constant memory, then sent). Errors before the first byte answer
GraphQL-style JSON with `extensions.code` (401, 403, 404, 400).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from domain import audit, vcard_import
from domain import exports as ex
from domain.auth import Principal
from domain.deps import Deps
from domain.errors import BadInput, CrmError, NotFound

log = logging.getLogger("crm.exports")
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "CONFLICT": 409, "SERVICE_UNAVAILABLE": 503}
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "vcf": "text/vcard; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
}
Handler = Callable[[Request, Deps, Principal], Awaitable[Response]]


def error(exc: CrmError) -> JSONResponse:
    extensions: dict[str, Any] = {"code": exc.code, **exc.details}
    return JSONResponse({"errors": [{"message": exc.message, "extensions": extensions}]}, STATUS.get(exc.code, 400))


def download(body: AsyncIterator[bytes], fmt: str, name: str) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=MEDIA[fmt],
        headers={"content-disposition": f'attachment; filename="{name}.{fmt}"', "cache-control": "no-store"},
    )


def route(deps: Deps, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            who = await ex.principal(deps, request.headers.get("authorization"))
            return await handler(request, deps, who)
        except CrmError as exc:
            return error(exc)

    return endpoint


def _format(request: Request, allowed: tuple[str, ...]) -> str:
    fmt = str(request.path_params["fmt"])
    if fmt not in allowed:
        raise NotFound(f"no export as .{fmt} here; use one of {', '.join(allowed)}")
    return fmt


async def person_vcf(request: Request, deps: Deps, who: Principal) -> Response:
    person_id = str(request.path_params["person_id"])
    body = await ex.person_card(deps, person_id)
    await audit.record(deps, who, "export.person.vcf", person_id, {})
    return Response(
        body,
        media_type=MEDIA["vcf"],
        headers={"content-disposition": f'attachment; filename="{person_id}.vcf"', "cache-control": "no-store"},
    )


async def persons(request: Request, deps: Deps, who: Principal) -> Response:
    fmt = _format(request, ("csv", "xlsx", "vcf"))
    flt = ex.person_filter(request.query_params)
    pages = ex.person_pages(deps, flt)  # validates the filter before anything is filed
    await audit.record(deps, who, f"export.persons.{fmt}", "persons", flt)
    if fmt == "vcf":
        return download(ex.vcf_stream(pages), fmt, "persons")
    return download(ex.table_stream(fmt, ex.PERSON_COLUMNS, pages), fmt, "persons")


async def companies(request: Request, deps: Deps, who: Principal) -> Response:
    fmt = _format(request, ("csv", "xlsx"))
    flt = ex.company_filter(request.query_params)
    pages = ex.company_pages(deps, flt)
    await audit.record(deps, who, f"export.companies.{fmt}", "companies", flt)
    return download(ex.table_stream(fmt, ex.COMPANY_COLUMNS, pages), fmt, "companies")


async def search(request: Request, deps: Deps, who: Principal) -> Response:
    fmt = _format(request, ("csv", "xlsx", "vcf"))
    kind = request.query_params.get("type", "Person")
    text = request.query_params.get("text")
    if fmt == "vcf" and kind != "Person":
        raise BadInput("vCards are of persons: type=Person", argument="type")
    pages = ex.search_pages(deps, text, kind)
    await audit.record(deps, who, f"export.search.{fmt}", "search", {"text": text, "type": kind})
    if fmt == "vcf":
        return download(ex.vcf_stream(pages), fmt, "search")
    columns = ex.PERSON_COLUMNS if kind == "Person" else ex.COMPANY_COLUMNS
    return download(ex.table_stream(fmt, columns, pages), fmt, "search")


async def segment(request: Request, deps: Deps, who: Principal) -> Response:
    fmt = _format(request, ("csv", "xlsx", "vcf"))
    segment_id = str(request.path_params["segment_id"])
    pages = await ex.segment_pages(deps, segment_id)
    await audit.record(deps, who, f"export.segment.{fmt}", segment_id, {})
    if fmt == "vcf":
        return download(ex.vcf_stream(pages), fmt, segment_id)
    return download(ex.table_stream(fmt, ex.PERSON_COLUMNS, pages), fmt, segment_id)


async def activities(request: Request, deps: Deps, who: Principal) -> Response:
    target, pages, params = await ex.activity_pages(deps, who, request.query_params)
    await audit.record(deps, who, "export.activities.ics", target, params)
    return download(ex.ics_stream(f"Activities {target}", pages), "ics", "activities")


async def import_vcard(request: Request, deps: Deps, who: Principal) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("text/vcard", "text/x-vcard", "text/directory"):
        return JSONResponse(
            {"errors": [{"message": "send the cards as text/vcard", "extensions": {"code": "BAD_USER_INPUT"}}]}, 415
        )
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput("the body is not UTF-8 text", argument="body") from exc
    result = await vcard_import.import_cards(deps, who, text)
    await audit.record(
        deps, who, "import.vcard", "persons", {"created": result["created"], "updated": result["updated"]}
    )
    return Response(orjson.dumps(result), media_type="application/json")


def routes(deps: Deps) -> list[Route]:
    return [
        Route("/persons/{person_id}.vcf", route(deps, person_vcf), methods=["GET"]),
        Route("/exports/persons.{fmt}", route(deps, persons), methods=["GET"]),
        Route("/exports/companies.{fmt}", route(deps, companies), methods=["GET"]),
        Route("/exports/search.{fmt}", route(deps, search), methods=["GET"]),
        Route("/exports/segments/{segment_id}.{fmt}", route(deps, segment), methods=["GET"]),
        Route("/exports/activities.ics", route(deps, activities), methods=["GET"]),
        Route("/imports/vcard", route(deps, import_vcard), methods=["POST"]),
    ]
