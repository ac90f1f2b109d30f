"""Worker processes of `crm serve` that share the listening socket evenly.

With `CRM_WORKERS` > 1, uvicorn's workers all wait on one listening socket; the kernel wakes them, and
an event loop accepts every connection pending at that moment. Keep-alive clients (a load balancer, a
connection pool) open their connections together, so one worker could take all of them while the others
idle: 8 concurrent clients landed 8 to 0 on two workers in half the runs (measured, see bench/README.md).

Here each worker accepts one connection at a time and then keeps away from the socket for a moment that
grows with the connections it already serves (capped), so the next connections go to the workers that
serve fewer. Connections that arrive apart are taken by whichever worker waits, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

import uvloop

log = logging.getLogger("crm.serve")

PAUSE_PER_CONNECTION = 0.0005  # seconds away from the socket per connection already served
MAX_PAUSE = 0.005


class Acceptor:
    """Accepts connections on a shared socket, one at a time (what uvicorn needs of a server: close and
    wait_closed)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, factory: Callable[[], Any]) -> None:
        self._loop = loop
        self._sock = sock
        self._factory = factory
        self._transports: list[asyncio.BaseTransport] = []
        self._task = loop.create_task(self._run())

    def served(self) -> int:
        """Connections of this worker still open."""
        self._transports = [t for t in self._transports if not t.is_closing()]
        return len(self._transports)

    async def _run(self) -> None:
        while True:
            try:
                conn, _ = await self._loop.sock_accept(self._sock)
            except (ConnectionAbortedError, BlockingIOError, InterruptedError):
                continue
            except OSError as exc:  # e.g. out of file descriptors: try again shortly
                log.warning("accept failed: %s", exc)
                await asyncio.sleep(0.1)
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                transport, _protocol = await self._loop.connect_accepted_socket(self._factory, conn)
            except OSError as exc:  # the peer went away before it was set up
                log.info("connection dropped while accepted: %s", exc)
                conn.close()
                continue
            self._transports.append(transport)
            await asyncio.sleep(min(MAX_PAUSE, PAUSE_PER_CONNECTION * self.served()))

    def close(self) -> None:
        self._task.cancel()

    async def wait_closed(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class BalancedLoop(uvloop.Loop):
    """uvloop, whose servers on an inherited socket (uvicorn's workers) accept through an `Acceptor`."""

    async def create_server(self, protocol_factory: Callable[[], Any], *args: Any, **kwargs: Any) -> Any:
        sock = kwargs.get("sock")
        if sock is None or kwargs.get("ssl") is not None or args:
            return await super().create_server(protocol_factory, *args, **kwargs)
        sock.setblocking(False)
        sock.listen(kwargs.get("backlog", 100))  # uvicorn's supervisor only binds it
        return Acceptor(self, sock, protocol_factory)


def balanced_loop() -> asyncio.AbstractEventLoop:
    """uvicorn's `loop` setting for worker processes (`crm.serve:balanced_loop`)."""
    return BalancedLoop()
