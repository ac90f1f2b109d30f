"""[field] Documents: upload (streamed to storage), attach, download, delete, transcription of voice notes.

Who sees a document: ADMINs; its uploader; and, once it is attached to a project, ticket, company or
activity, everyone whose role reads documents (DOCUMENT_READERS: all roles but MARKETING), as they read
what it is attached to. Anyone else gets NOT_FOUND (GraphQL) or 404 (GET {downloadPath}): its existence
is not revealed. Uploading needs a role that reads documents; deleting, the uploader or an ADMIN.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol

from domain import refs, sniff, validate
from domain.auth import DOCUMENT_READERS, Principal, Role
from domain.deps import Deps
from domain.errors import BadInput, Conflict, Forbidden, NotFound
from domain.events import emit
from domain.ids import new_id
from domain.storage import Storage
from graph import documents as q
from graph.db import Row, Tx

log = logging.getLogger("crm.documents")

TARGETS = {"projectId": "Project", "ticketId": "Ticket", "companyId": "Company", "activityId": "Activity"}


class TooLarge(BadInput):
    """The upload is larger than CRM_DOCUMENT_MAX_BYTES (HTTP 413)."""


class UnsupportedType(BadInput):
    """The upload is none of the kinds kept (HTTP 415)."""


class SpeechEngine(Protocol):
    name: str

    def transcribe(self, path: str) -> str: ...


def viewer(who: Principal) -> dict[str, Any]:
    """The parameters every read of documents takes (see graph/compiler/projects.py `visible`)."""
    return {
        "viewerId": who.user_id,
        "viewerIsAdmin": who.role == Role.ADMIN,
        "viewerReadsDocuments": who.allows(DOCUMENT_READERS),
    }


def _storage(deps: Deps) -> Storage:
    if deps.storage is None:
        raise RuntimeError("no document storage configured")
    return deps.storage


def file_name(raw: str | None) -> str:
    """The client's file name without any directory part, checked like other text."""
    base = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    return validate.text(base, "name", max_len=255) or "document"


async def _head(chunks: AsyncIterator[bytes]) -> tuple[bytes, bool]:
    """The first bytes (at least sniff.HEAD_BYTES unless the file is shorter) and whether the file ended."""
    head = bytearray()
    async for chunk in chunks:
        head += chunk
        if len(head) >= sniff.HEAD_BYTES:
            return bytes(head), False
    return bytes(head), True


async def upload(
    deps: Deps,
    who: Principal,
    name: str | None,
    chunks: AsyncIterator[bytes],
    transcribe_later: Callable[[str], Awaitable[None]] | None = None,
) -> Row:
    """Stores the bytes as they arrive (sniffed, counted and hashed on the way), then records the document.
    A refused upload stores nothing; an audio document is queued for transcription when an engine is set."""
    who.require(DOCUMENT_READERS, "upload documents")
    settings = deps.settings
    storage = _storage(deps)
    clean_name = file_name(name)
    head, ended = await _head(chunks)
    media = sniff.sniff(head)
    if media is None or sniff.family(media) not in settings.document_types:
        raise UnsupportedType("only PDF, images, Office documents and audio are kept (told by the content)")
    limit = settings.document_max_bytes
    if len(head) > limit:
        raise TooLarge(f"a document may have at most {limit} bytes")
    doc_id = new_id("Document")
    digest = hashlib.sha256(head)
    size = len(head)
    writer = await storage.writer(doc_id)
    try:
        await writer.write(head)
        if not ended:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"a document may have at most {limit} bytes")
                digest.update(chunk)
                await writer.write(chunk)
    except BaseException:
        await writer.abort()
        raise
    await writer.commit()
    audio = sniff.is_audio(media)
    status = "PENDING" if audio and settings.speech_engine != "none" and transcribe_later else "NONE"
    params = {
        "id": doc_id,
        "byId": who.user_id,
        "name": clean_name,
        "contentType": media,
        "sizeBytes": size,
        "sha256": digest.hexdigest(),
        "storage": storage.name,
        "storageKey": doc_id,
        "transcriptStatus": status,
    }

    async def work(tx: Tx) -> None:
        await tx.run(q.CREATE, params)
        emit(tx, "DOCUMENT", doc_id, "CREATED", ["name", "contentType"], who.user_id)

    try:
        await deps.db.transaction(work)
    except BaseException:
        await storage.delete(doc_id)
        raise
    if status == "PENDING" and transcribe_later is not None:
        await transcribe_later(doc_id)
    return params


def _found(rows: list[Row], doc_id: str) -> Row:
    if not rows:
        raise NotFound(f"no document {doc_id!r}")
    return rows[0]


async def _visible(tx: Tx, who: Principal, doc_id: str) -> Row:
    return _found(await tx.run(q.VISIBLE, {"id": doc_id, **viewer(who)}), doc_id)


async def for_download(deps: Deps, who: Principal, doc_id: str) -> tuple[Row, AsyncIterator[bytes]]:
    """The document's metadata and its bytes, when the viewer may see it (NotFound otherwise)."""
    row = _found(await deps.db.read(q.VISIBLE, {"id": doc_id, **viewer(who)}), doc_id)
    return row, _storage(deps).read(str(row["storageKey"]))


async def attach(deps: Deps, who: Principal, doc_id: str, targets: Mapping[str, str | None]) -> None:
    """Links the document to exactly one project, ticket, company or activity (replacing an earlier link)."""
    who.require(DOCUMENT_READERS, "attach documents")
    given = {field: value for field, value in targets.items() if value is not None}
    if len(given) != 1:
        raise BadInput("give exactly one of projectId, ticketId, companyId, activityId")
    ((field, target_id),) = given.items()

    async def work(tx: Tx) -> None:
        if not await tx.run(q.LOCK, {"id": doc_id}):
            raise NotFound(f"no document {doc_id!r}", argument="documentId")
        await _visible(tx, who, doc_id)
        await refs.require_locked(tx, {field: (TARGETS[field], target_id)})
        await tx.run(q.ATTACH, {"id": doc_id, "targetId": target_id})
        emit(tx, "DOCUMENT", doc_id, "UPDATED", [field], who.user_id)

    await deps.db.transaction(work)


async def attach_to_activity(tx: Tx, who: Principal, activity_id: str, doc_ids: list[str]) -> None:
    """Inside logActivity's transaction: each document must be visible and not attached elsewhere."""
    if not doc_ids:
        return
    for row in await tx.run(q.FOR_ACTIVITY, {"ids": doc_ids, **viewer(who)}):
        field = f"documentIds[{row['i']}]"
        if not row["ok"]:
            raise NotFound(f"{field}: no such document {doc_ids[row['i']]!r}", field=field)
        if row["attached"]:
            raise Conflict(f"{field}: the document is already attached elsewhere", field=field)
    await tx.run(q.ATTACH_TO_ACTIVITY, {"activityId": activity_id, "ids": doc_ids})
    for doc_id in doc_ids:
        emit(tx, "DOCUMENT", doc_id, "UPDATED", ["activityId"], who.user_id)


async def delete(deps: Deps, who: Principal, doc_id: str) -> None:
    """Removes the node (in one transaction) and then the bytes; only the uploader or an ADMIN."""
    key: list[str] = []

    async def work(tx: Tx) -> None:
        if not await tx.run(q.LOCK, {"id": doc_id}):
            raise NotFound(f"no document {doc_id!r}", argument="id")
        row = await _visible(tx, who, doc_id)
        if who.role != Role.ADMIN and row["uploadedById"] != who.user_id:
            raise Forbidden("only the uploader or an ADMIN may delete a document")
        await tx.run(q.DELETE, {"id": doc_id})
        emit(tx, "DOCUMENT", doc_id, "DELETED", (), who.user_id)
        key[:] = [str(row["storageKey"])]

    await deps.db.transaction(work)
    try:
        await _storage(deps).delete(key[0])
    except Exception:  # the node is gone; bytes left behind are only wasted space
        log.exception("could not delete the bytes of document %s", doc_id)


async def transcribe(deps: Deps, engine: SpeechEngine | None, doc_id: str) -> str:
    """Transcribes a PENDING audio document (idempotent: anything else is left as it is); returns the status."""
    row = await deps.db.read_one(q.FOR_TRANSCRIPTION, {"id": doc_id})
    if row is None or row["status"] != "PENDING":
        return str(row["status"]) if row else "NONE"
    status, text = "NONE", None
    if engine is not None:
        fd, path = tempfile.mkstemp(prefix="crm-voice-")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in _storage(deps).read(str(row["storageKey"])):
                    await asyncio.to_thread(out.write, chunk)
            text = await asyncio.to_thread(engine.transcribe, path)
            status = "DONE"
        except Exception:
            log.exception("transcription of document %s failed", doc_id)
            status, text = "FAILED", None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    async def work(tx: Tx) -> None:
        if await tx.run(q.SET_TRANSCRIPT, {"id": doc_id, "status": status, "transcript": text}):
            emit(tx, "DOCUMENT", doc_id, "UPDATED", ["transcript", "transcriptStatus"])

    await deps.db.transaction(work)
    return status


async def stale_pending(deps: Deps, older_than_seconds: int = 120, limit: int = 100) -> list[str]:
    """Voice notes still PENDING well after their upload (their task may never have been queued)."""
    rows = await deps.db.read(q.STALE_PENDING, {"seconds": older_than_seconds, "limit": limit})
    return [str(r["id"]) for r in rows]
