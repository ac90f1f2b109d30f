"""`POST /imports/contacts`: a CSV upload of any size, streamed to disk, run as an import job.

`Authorization: Bearer <token or key>`, `Content-Type: text/csv`, `?match=email|external-id|none`
(default email). Answers 202 with the job as JSON (`{"id": "imp_...", "status": "PENDING", ...}`);
errors as JSON with `extensions.code` like every other endpoint.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain import imports
from domain.deps import Deps
from domain.errors import CrmError, Unauthenticated

PATH = "/imports/contacts"
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "SERVICE_UNAVAILABLE": 503}
CSV_TYPES = ("text/csv", "application/csv", "text/plain")


def _error(message: str, code: str, status: int | None = None) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status or STATUS.get(code, 400))


async def upload_contacts(deps: Deps, request: Request) -> Response:
    try:
        principal = await deps.auth.authenticate(request.headers.get("authorization"))
        if principal is None:
            raise Unauthenticated("a bearer token or API key is required")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in CSV_TYPES:
            return _error("the body must be text/csv", "BAD_USER_INPUT", 415)
        match_on = imports.match_key(request.query_params.get("match"))
        job = await imports.create_from_stream(deps, principal, request.stream(), match_on)
    except CrmError as exc:
        return _error(exc.message, exc.code)
    return JSONResponse(
        {
            "id": job["id"],
            "status": job["status"],
            "matchOn": job["matchOn"],
            "bytes": job.get("bytes"),
        },
        202,
    )
