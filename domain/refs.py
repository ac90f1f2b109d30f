"""Checks, inside a write transaction, that every id an input refers to exists."""

from __future__ import annotations

from typing import Any

from domain.errors import Conflict, NotFound
from graph import common
from graph.db import Db, Tx


def _rows(refs: dict[str, tuple[str, str | None]]) -> list[dict[str, Any]]:
    return [
        {"field": name, "label": label, "id": node_id} for name, (label, node_id) in refs.items() if node_id is not None
    ]


def _raise_missing(found: list[dict[str, Any]]) -> None:
    for row in found:
        if not row["ok"]:
            raise NotFound(f"{row['field']}: no such record {row['id']!r}", field=row["field"])


async def require(tx: Tx, refs: dict[str, tuple[str, str | None]]) -> None:
    """refs maps an input field to (label, id); None ids are skipped."""
    if rows := _rows(refs):
        _raise_missing(await tx.run(common.CHECK_REFS, {"refs": rows}))


async def require_read(db: Db, refs: dict[str, tuple[str, str | None]]) -> None:
    if rows := _rows(refs):
        _raise_missing(await db.read(common.CHECK_REFS, {"refs": rows}))


async def add_external_ids(tx: Tx, label: str, node_id: str, ids: list[dict[str, str]]) -> None:
    if not ids:
        return
    keys = [f"{label}|{x['system']}|{x['value']}" for x in ids]
    taken = await tx.run(common.EXISTING_EXTERNAL_IDS, {"keys": keys})
    if taken:
        pair = taken[0]
        raise Conflict(
            f"external id {pair['system']}:{pair['value']} already belongs to another {label.lower()}",
            field="externalIds",
        )
    await tx.run(common.ADD_EXTERNAL_IDS, {"id": node_id, "label": label, "externalIds": ids})


def external_key(label: str, system: str, value: str) -> dict[str, Any]:
    return {"key": f"{label}|{system}|{value}"}
