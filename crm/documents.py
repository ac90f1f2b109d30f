"""[field] HTTP endpoints for document bytes: POST /documents (multipart upload), GET /documents/{id}.

The upload is parsed as it streams in (python-multipart): the file part's bytes go to storage chunk by
chunk, never held whole in memory; the body limit of /graphql does not apply, CRM_DOCUMENT_MAX_BYTES does.
Errors are JSON with `extensions.code`, like every other error of the API.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from neo4j.exceptions import DriverError, Neo4jError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from domain import documents
from domain.auth import Principal
from domain.deps import Deps
from domain.errors import CrmError, Unauthenticated
from domain.sniff import HEAD_BYTES

log = logging.getLogger("crm.documents")
# Room for the multipart framing around the file (boundaries, part headers, a few small fields).
FRAMING_BYTES = 64 * 1024
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "CONFLICT": 409, "SERVICE_UNAVAILABLE": 503}


def _error(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


def _crm_error(exc: CrmError) -> JSONResponse:
    if isinstance(exc, documents.TooLarge):
        return _error(exc.message, exc.code, 413)
    if isinstance(exc, documents.UnsupportedType):
        return _error(exc.message, exc.code, 415)
    return _error(exc.message, exc.code, STATUS.get(exc.code, 400))


class MultipartStream:
    """Events of a multipart body as its chunks arrive: ("part", headers), ("data", bytes), ("end", None)."""

    def __init__(self, source: AsyncIterator[bytes], boundary: bytes) -> None:
        self.source = source
        self.events: deque[tuple[str, Any]] = deque()
        self.headers: dict[bytes, bytes] = {}
        self.field = b""
        self.value = b""
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": lambda: self.events.append(("part", dict(self.headers))),
                "on_part_data": lambda data, start, end: self.events.append(("data", bytes(data[start:end]))),
                "on_part_end": lambda: self.events.append(("end", None)),
            },
        )

    def _begin(self) -> None:
        self.headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def _header_end(self) -> None:
        self.headers[self.field.lower()] = self.value
        self.field, self.value = b"", b""

    async def next(self) -> tuple[str, Any] | None:
        while not self.events:
            try:
                chunk = await anext(self.source)
            except StopAsyncIteration:
                return None
            if chunk:
                self.parser.write(chunk)
        return self.events.popleft()

    async def file(self) -> tuple[str | None, AsyncIterator[bytes]] | None:
        """The first part with a file name (the form field `file`): its name and its bytes as they arrive."""
        while (event := await self.next()) is not None:
            if event[0] != "part":
                continue
            _, options = parse_options_header(event[1].get(b"content-disposition", b""))
            if b"filename" in options:
                return options[b"filename"].decode("utf-8", "replace"), self._data()
        return None

    async def _data(self) -> AsyncIterator[bytes]:
        while (event := await self.next()) is not None and event[0] == "data":
            yield event[1]


async def _principal(deps: Deps, request: Request) -> Principal:
    who = await deps.auth.authenticate(request.headers.get("authorization"))
    if who is None:
        raise Unauthenticated("send Authorization: Bearer <token or API key>")
    return who


async def _transcribe_later(doc_id: str) -> None:
    from workers.app import app as celery

    await asyncio.to_thread(celery.send_task, "crm.documents.transcribe", args=[doc_id])


def _boundary(request: Request) -> bytes | None:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    return options.get(b"boundary") if kind == b"multipart/form-data" else None


async def upload(deps: Deps, request: Request) -> Response:
    """POST /documents: multipart/form-data with a `file` part; answers 201 with the new document."""
    try:
        who = await _principal(deps, request)
        declared = request.headers.get("content-length")
        if (
            declared is not None
            and declared.isdigit()
            and int(declared) > deps.settings.document_max_bytes + FRAMING_BYTES
        ):
            return _error(
                f"a document may have at most {deps.settings.document_max_bytes} bytes", "BAD_USER_INPUT", 413
            )
        boundary = _boundary(request)
        if boundary is None:
            return _error("send the document as multipart/form-data with a `file` part", "BAD_USER_INPUT", 415)
        found = await MultipartStream(request.stream(), boundary).file()
        if found is None:
            return _error("no `file` part in the form", "BAD_USER_INPUT", 400)
        name, chunks = found
        later = _transcribe_later if deps.settings.speech_engine != "none" else None
        row = await documents.upload(deps, who, name, chunks, later)
    except CrmError as exc:
        return _crm_error(exc)
    except ClientDisconnect:
        return _error("the upload was interrupted", "BAD_USER_INPUT", 400)  # nothing was stored
    except (DriverError, Neo4jError, OSError) as exc:
        log.warning("upload failed: %s", exc)
        return _error("the document store is unavailable; try again", "SERVICE_UNAVAILABLE", 503)
    body = {
        "id": row["id"],
        "name": row["name"],
        "contentType": row["contentType"],
        "sizeBytes": row["sizeBytes"],
        "sha256": row["sha256"],
        "downloadPath": f"/documents/{row['id']}",
        "transcriptStatus": row["transcriptStatus"],
    }
    return JSONResponse(body, status_code=201, headers={"location": body["downloadPath"]})


def disposition(name: str) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266); no quotes or controls leak."""
    ascii_name = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in name) or "document"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


async def download(deps: Deps, request: Request) -> Response:
    """GET /documents/{id}: the bytes with their type; 404 to whoever may not see the document."""
    try:
        who = await _principal(deps, request)
        row, chunks = await documents.for_download(deps, who, request.path_params["doc_id"])
        first = await anext(chunks, b"")  # a missing object fails here, before the status line is sent
    except CrmError as exc:
        return _crm_error(exc)
    except Exception:
        log.exception("download failed")
        return _error("the document store is unavailable; try again", "SERVICE_UNAVAILABLE", 503)

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        body(),
        media_type=str(row["contentType"]),
        headers={
            "content-disposition": disposition(str(row["name"])),
            "content-length": str(row["sizeBytes"]),
            "x-content-type-options": "nosniff",
            "cache-control": "private, no-store",
        },
    )


__all__ = ["HEAD_BYTES", "MultipartStream", "disposition", "download", "upload"]
