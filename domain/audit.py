"""The audit trail: who exported or imported what, and when.

Every export (`/exports/...`, `/persons/{id}.vcf`) and every vCard import files one
`(:AuditEntry {id, at, actorId, action, target, params})` before its first byte is sent (so an export that is
aborted half-way is on record too): `action` says what (`export.persons.xlsx`, `import.vcard`), `target` the
record or list (`persons`, a person or segment id), `params` the filters as JSON text. Entries are never changed
by the API; ADMINs read them newest first (`auditTrail`, or `entries` here).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from domain.auth import ADMIN_ONLY, Principal
from domain.deps import Deps
from domain.errors import BadInput
from domain.pagination import encode_cursor, page_args
from graph import audit as q
from graph.db import Row
from graph.paging import InvalidCursor, PageArgs

FAR_FUTURE = "+999999999-12-31T23:59:59.999999999Z"


async def record(deps: Deps, who: Principal, action: str, target: str, params: Mapping[str, Any]) -> str:
    entry_id = "aud_" + uuid.uuid4().hex
    clean = {key: value for key, value in params.items() if value is not None}
    if who.api_key_id is not None:
        clean["apiKeyId"] = who.api_key_id
    await deps.db.write(
        q.RECORD,
        {
            "id": entry_id,
            "actorId": who.user_id,
            "action": action,
            "target": target,
            "params": orjson.dumps(clean, option=orjson.OPT_SORT_KEYS).decode(),
        },
    )
    return entry_id


async def entries(
    deps: Deps, who: Principal, first: int | None = 50, after: str | None = None, actor_id: str | None = None
) -> list[Row]:
    """ADMIN only: entries newest first (each with its `cursor`), after the entry whose cursor is `after`."""
    who.require(ADMIN_ONLY, "read the audit trail")
    args = page_args(first, after)
    try:
        key = PageArgs(args.first, args.after).after_params("afterAt", "afterId")
    except InvalidCursor as exc:
        raise BadInput("invalid cursor", argument="after") from exc
    params = {"actorId": actor_id, "afterAt": key["afterAt"] or FAR_FUTURE, "afterId": key["afterId"] or "\uffff"}
    rows = await deps.db.read(q.PAGE, {**params, "limit": args.first})
    return [{**row["entry"], "cursor": encode_cursor([row["at"], row["entry"]["id"]])} for row in rows]
