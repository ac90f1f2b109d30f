"""[b2c] bulkUpdatePersons: patches every person a segment rule matches, set-based and in bounded transactions.

The match count is checked first: when it differs from `expectedCount` the answer is CONFLICT and nothing
is written. Then the persons are walked in id order, BATCH at a time, each batch one write transaction
(a statement that patches only persons whose data changes, and their PERSON change events through the
outbox, one per changed person). Batches commit one by one: a person that starts or stops matching while
the walk runs is patched or not depending on where the walk is.
"""

from __future__ import annotations

from typing import Any

from domain import refs, validate
from domain.auth import MARKETERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, Conflict
from domain.events import emit
from domain.segments import compile_rule
from graph import bulk as q
from graph.db import Tx

BATCH = 5000


def _tags(values: list[str] | None, field: str) -> list[str]:
    try:
        return validate.tags(values) or []
    except BadInput as exc:
        raise BadInput(exc.message.replace("tags", field, 1), field=field) from exc


def _patch(patch: dict[str, Any]) -> dict[str, Any]:
    if not patch:
        raise BadInput("patch: set addTags, removeTags, ownerId or source", field="patch")
    add = _tags(patch.get("addTags"), "patch.addTags")
    remove = _tags(patch.get("removeTags"), "patch.removeTags")
    if both := set(add) & set(remove):
        raise BadInput(f"patch: {sorted(both)[0]!r} is both added and removed", field="patch.removeTags")
    return {
        "addTags": add,
        "removeTags": remove,
        "setOwner": "ownerId" in patch,
        "ownerId": patch.get("ownerId"),
        "setSource": "source" in patch,
        "source": validate.text(patch.get("source"), "patch.source", max_len=200),
    }


async def update_persons(
    deps: Deps, who: Principal, rule: dict[str, Any], patch: dict[str, Any], expected: int
) -> dict[str, int]:
    who.require(MARKETERS, "update persons in bulk")
    params = _patch(patch)
    if expected < 0:
        raise BadInput("expectedCount must be 0 or more", argument="expectedCount")
    predicate, rule_params = await compile_rule(deps, rule)
    await refs.require_read(deps.db, {"patch.ownerId": ("User", params["ownerId"])})
    row = await deps.db.read_one(q.COUNT.replace("{predicate}", predicate), rule_params)
    matched = int(row["matched"]) if row else 0
    if matched != expected:
        raise Conflict(
            f"the rule matches {matched} persons, not {expected}: nothing was changed", argument="expectedCount"
        )
    statement = q.BATCH.replace("{predicate}", predicate)
    after: str | None = None
    walked = updated = 0
    while True:
        batch = {**rule_params, **params, "afterId": after, "limit": BATCH}

        async def work(tx: Tx, batch: dict[str, Any] = batch) -> list[dict[str, Any]]:
            rows = await tx.run(statement, batch)
            for r in rows:
                fields = [
                    name
                    for name, changed in (
                        ("tags", r["tagsChanged"]),
                        ("ownerId", r["ownerChanged"]),
                        ("source", r["sourceChanged"]),
                    )
                    if changed
                ]
                if fields:
                    emit(tx, "PERSON", r["id"], "UPDATED", fields, who.user_id)
            return rows

        rows = await deps.db.transaction(work)
        walked += len(rows)
        updated += sum(1 for r in rows if r["tagsChanged"] or r["ownerChanged"] or r["sourceChanged"])
        if len(rows) < BATCH:
            break
        after = str(rows[-1]["id"])
    return {"matched": matched, "updated": updated, "walked": walked}
