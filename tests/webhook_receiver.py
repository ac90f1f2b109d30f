"""A local webhook receiver for tests and the benchmark: records every request, answers scripted statuses."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    base: str = ""
    requests: list[Received] = field(default_factory=list)
    # per path: statuses to answer in turn (then `default`), e.g. [500, 503] fails twice
    script: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    default: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def accepted(self, path: str) -> list[Received]:
        return [r for r in self.on(path) if r.status == 200]

    def wait(self, path: str, count: int, timeout: float = 90.0, accepted: bool = True) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.accepted(path) if accepted else self.on(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        got = self.accepted(path) if accepted else self.on(path)
        raise AssertionError(f"{path}: {len(got)} of {count} requests after {timeout} s")


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # the http.server API
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if state.delay:
                time.sleep(state.delay)
            with state.lock:
                queue = state.script[self.path]
                status = queue.popleft() if queue else state.default.get(self.path, 200)
                state.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, status, time.time())
                )
            self.send_response(status)
            self.send_header("content-length", "0")
            if status in (429, 503):
                self.send_header("retry-after", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
