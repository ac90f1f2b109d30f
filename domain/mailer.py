"""What the domain needs to send mail: a message, a transport (an adapter in integrations/mail.py, set on Deps by
the API and the workers), one session per chunk of messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol


class MailTransient(Exception):
    """The relay could not take the message now (4xx, connection lost): try again later."""


@dataclass
class Outgoing:
    sender: str
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def message(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = self.to
        msg["Subject"] = self.subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = f"<{uuid.uuid4().hex}@{self.sender.rpartition('@')[2] or 'graph-crm'}>"
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

    def close(self) -> None: ...


class MailTransport(Protocol):
    def session(self) -> MailSession: ...
