"""A real SMTP server for tests (aiosmtpd on a free port) that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from domain.deps import Deps
from integrations.mail import SmtpTransport
from tests.servers import free_port


@dataclass
class Sink:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    connections: int = 0  # SMTP sessions opened (EHLO/HELO)
    pipelining: bool = True  # offers PIPELINING (aiosmtpd reads pipelined commands in order; it does not say so)
    raw: list[bytes] = field(default_factory=list)  # the messages as received on the wire
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(str(m["To"]) for m in self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if str(m["To"]) == address]


class Handler:
    def __init__(self, sink: Sink, delay: float = 0.0) -> None:
        self.sink = sink
        self.delay = delay

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.sink.lock:
            self.sink.connections += 1
        session.host_name = hostname
        return [responses[0], "250-PIPELINING", *responses[1:]] if self.sink.pipelining else responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.sink.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.raw.append(bytes(envelope.content))
        return "250 Message accepted"


@contextmanager
def smtp_sink(delay: float = 0.0, pipelining: bool = True) -> Iterator[Sink]:
    sink = Sink(port=free_port(), pipelining=pipelining)
    controller = Controller(Handler(sink, delay), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def use_sink(deps: Deps) -> Iterator[Sink]:
    """Body of a `sink` fixture: the app's mail goes to a fresh sink for the test."""
    previous = deps.mail
    with smtp_sink() as s:
        deps.mail = SmtpTransport(s.url)
        yield s
    deps.mail = previous
