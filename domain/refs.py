"""Checks, inside a write transaction, that every id an input refers to exists."""

from __future__ import annotations

from typing import Any

from neo4j.exceptions import ConstraintError

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


async def require_locked(tx: Tx, refs: dict[str, tuple[str, str | None]]) -> None:
    """Like `require`, after taking the nodes' write locks: they stay as checked until the transaction
    ends (no erasure or delete in between links the write to a node that is gone)."""
    if rows := _rows(refs):
        found = {row["field"]: row for row in await tx.run(common.LOCK_REFS, {"refs": rows})}
        _raise_missing([found[row["field"]] for row in rows])


async def require_read(db: Db, refs: dict[str, tuple[str, str | None]]) -> None:
    if rows := _rows(refs):
        _raise_missing(await db.read(common.CHECK_REFS, {"refs": rows}))


async def add_external_ids(tx: Tx, label: str, node_id: str, ids: list[dict[str, str]]) -> None:
    if not ids:
        return
    taken = await tx.run(common.EXISTING_EXTERNAL_IDS, {"label": label, "externalIds": ids})
    if taken:
        raise _taken(label, taken[0])
    try:
        await tx.run(common.ADD_EXTERNAL_IDS, {"id": node_id, "label": label, "externalIds": ids})
    except ConstraintError as exc:  # a parallel writer took one of the ids after the check
        raise _taken(label, ids[0] if len(ids) == 1 else None) from exc


def _taken(label: str, pair: dict[str, Any] | None) -> Conflict:
    which = f" {pair['system']}:{pair['value']}" if pair else ""
    return Conflict(f"external id{which} already belongs to another {label.lower()}", field="externalIds")


def external_key(label: str, system: str, value: str) -> dict[str, Any]:
    return {"label": label, "system": system, "value": value}
