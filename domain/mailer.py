"""What the domain needs to send mail: a message, a transport (an adapter in integrations/mail.py, set on Deps by
the API and the workers), one session per chunk of messages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

# Header lines up to SMTP's limit (998): a long List-Unsubscribe URL stays one plain `<url>`, never encoded words.
POLICY = policy.SMTP.clone(max_line_length=998)


class MailTransient(Exception):
    """The relay could not take the message now (4xx, connection lost): try again later. `refused` is True when
    the message was certainly not taken (a 4xx answer, or the connection failed before the message's data was
    sent), False when the connection failed after that (it may have been taken just before)."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass
class Outgoing:
    sender: str
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None  # default: a random one

    def message(self) -> EmailMessage:
        msg = EmailMessage(policy=POLICY)
        msg["From"] = self.sender
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = self.message_id or f"<{uuid.uuid4().hex}@{self.sender.rpartition('@')[2] or 'graph-crm'}>"
        for name, value in self.headers.items():
            msg[name] = value
        msg.set_content(self.text)
        if self.html is not None:
            msg.add_alternative(self.html, subtype="html")
        return msg


@dataclass(frozen=True)
class SendResult:
    status: str  # SENT | BOUNCED
    code: int | None = None
    detail: str | None = None


class MailSession(Protocol):
    def send(self, outgoing: Outgoing) -> SendResult: ...

    def send_raw(
        self,
        sender: str,
        to: str,
        raw: bytes,
        ready: Callable[[], object] | None = None,
        then: tuple[str, str] | None = None,
    ) -> SendResult:
        """Sends a finished message (CRLF line ends, headers included) to one recipient; `ready` is called once
        before any of its content goes out (when it raises, none does); `then` (sender, recipient) announces the
        next message of this session (a transport may start its envelope early)."""
        ...

    def close(self) -> None: ...


class MailTransport(Protocol):
    def session(self) -> MailSession: ...


class TaskQueue(Protocol):
    """Queues a background task by name with plain arguments (Celery in the API and the workers)."""

    def send(self, name: str, args: list[object]) -> None: ...
