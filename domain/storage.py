"""Where document bytes live: the port the use cases need (adapters in integrations/storage.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class Writer(Protocol):
    """Bytes of one object as they arrive; nothing is visible under the key before `commit`."""

    async def write(self, chunk: bytes) -> None: ...

    async def commit(self) -> None: ...

    async def abort(self) -> None: ...


class Storage(Protocol):
    name: str

    async def writer(self, key: str) -> Writer: ...

    def read(self, key: str) -> AsyncIterator[bytes]: ...

    async def delete(self, key: str) -> None: ...

    async def exists(self, key: str) -> bool: ...
