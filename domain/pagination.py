"""Validated page arguments and opaque keyset cursors."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from domain.errors import BadInput
from graph.paging import Page, PageArgs

__all__ = ["MAX_FIRST", "Page", "PageArgs", "decode_cursor", "encode_cursor", "page_args"]

MAX_FIRST = 100


def page_args(first: int | None, after: str | None, *, with_total: bool = False, default: int = 50) -> PageArgs:
    size = default if first is None else first
    if size < 0 or size > MAX_FIRST:
        raise BadInput(f"first must be between 0 and {MAX_FIRST}", argument="first")
    return PageArgs(first=size, after=decode_cursor(after) if after else None, with_total=with_total)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) or hasattr(value, "iso_format"):
        return value.isoformat()
    return value


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps([_plain(v) for v in key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise BadInput("invalid cursor", argument="after") from exc
    if not isinstance(key, list) or not key or not all(isinstance(v, str | int | float) for v in key):
        raise BadInput("invalid cursor", argument="after")
    return key
