"""A cheap webhook receiver for bench/webhooks.py: one process, asyncio (uvloop) with httptools' parser.

Answers every POST 200 after `--delay` seconds (a timer, not a blocking sleep: the process keeps taking
requests on its other connections meanwhile); a path in its outage answers 503 with `Retry-After: 1` at once.
It records (path, X-CRM-Delivery, receipt time, status) per request. Commands on stdin, one a line:
`outage PATH UNTIL` (epoch seconds), `count` (answers the number of 200 answers so far) and `dump FILE` (writes the records as JSON lines, then answers `ok`).
It prints its port on the first line of stdout.

    .venv/bin/python bench/webhook_receiver.py --delay 0.005
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from typing import Any

import httptools
import orjson
import uvloop

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
UNAVAILABLE = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n"


class State:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.records: list[tuple[str, str, float, int]] = []
        self.outages: dict[str, float] = {}


class Receiver(asyncio.Protocol):
    def __init__(self, state: State) -> None:
        self.state = state
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.delivery = ""
        self.url = b""
        self.replies: list[tuple[float, bytes]] = []  # answered in order (a client may pipeline)

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"x-crm-delivery":
            self.delivery = value.decode()

    def on_message_begin(self) -> None:
        self.url = b""

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_message_complete(self) -> None:
        now = time.time()
        path = self.url.decode()
        until = self.state.outages.get(path)
        status, reply, delay = 200, OK, self.state.delay
        if until is not None and now < until:
            status, reply, delay = 503, UNAVAILABLE, 0.0
        self.state.records.append((path, self.delivery, now, status))
        self.delivery = ""
        if delay <= 0 and not self.replies:
            assert self.transport is not None
            self.transport.write(reply)
            return
        self.replies.append((now + delay, reply))
        if len(self.replies) == 1:
            asyncio.get_running_loop().call_later(delay, self._answer)

    def _answer(self) -> None:
        if self.transport is None or self.transport.is_closing():
            self.replies.clear()
            return
        _, reply = self.replies.pop(0)
        self.transport.write(reply)
        if self.replies:
            asyncio.get_running_loop().call_later(max(0.0, self.replies[0][0] - time.time()), self._answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def commands(loop: asyncio.AbstractEventLoop, state: State) -> None:
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "outage":
            path, until = parts[1], float(parts[2])
            loop.call_soon_threadsafe(state.outages.__setitem__, path, until)
        elif parts[0] == "count":  # deliveries answered 200 so far
            print(sum(1 for record in list(state.records) if record[3] == 200), flush=True)
        elif parts[0] == "dump":
            done = threading.Event()

            def dump(target: str = parts[1], finished: threading.Event = done) -> None:
                with open(target, "wb") as handle:
                    for record in state.records:
                        handle.write(orjson.dumps(record) + b"\n")
                finished.set()

            loop.call_soon_threadsafe(dump)
            done.wait()
            print("ok", flush=True)
    os._exit(0)  # stdin closed: the bench is done


async def main(opts: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    state = State(opts.delay)
    server = await loop.create_server(lambda: Receiver(state), "127.0.0.1", opts.port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    threading.Thread(target=commands, args=(loop, state), daemon=True).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=0.005, help="seconds before answering 200")
    parser.add_argument("--port", type=int, default=0)
    uvloop.run(main(parser.parse_args()))
