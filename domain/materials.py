"""[b2c] Sales materials, found by industry and product (case-insensitive)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from domain import validate
from domain.auth import MARKETERS, Principal
from domain.deps import Deps
from domain.errors import BadInput, NotFound
from domain.ids import new_id
from graph import materials as q
from graph.db import Tx

MAX_WORDS = 20


def _words(values: list[str] | None, field: str) -> list[str]:
    if values is not None and len(values) > MAX_WORDS:
        raise BadInput(f"{field}: at most {MAX_WORDS} items", field=field)
    out: list[str] = []
    for value in values or []:
        word = validate.text(value, field, required=True, max_len=100)
        if word and word.lower() not in [w.lower() for w in out]:
            out.append(word)
    return out


async def create(deps: Deps, who: Principal, data: dict[str, Any]) -> str:
    who.require(MARKETERS, "create materials")
    url = str(validate.text(data.get("url"), "url", required=True, max_len=2000))
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise BadInput("url must be an http(s) address", field="url")
    params = {
        "id": new_id("Material"),
        "title": validate.text(data.get("title"), "title", required=True, max_len=300),
        "url": url,
        "kind": validate.text(data.get("kind"), "kind", required=True, max_len=100),
        "industries": _words(data.get("industries"), "industries"),
        "products": _words(data.get("products"), "products"),
    }

    async def work(tx: Tx) -> None:
        await tx.run(q.CREATE, params)

    await deps.db.transaction(work)
    return str(params["id"])


async def delete(deps: Deps, who: Principal, material_id: str) -> str:
    who.require(MARKETERS, "delete materials")

    async def work(tx: Tx) -> None:
        rows = await tx.run(q.DELETE, {"id": material_id})
        if not rows or not rows[0]["deleted"]:
            raise NotFound(f"no material {material_id!r}")

    await deps.db.transaction(work)
    return material_id
