"""The bytes of a mailing's messages, built directly: what is the same for every recipient (From, Subject, the MIME
structure) is encoded once per run, and each message only adds its own headers and its two parts.
The email package takes milliseconds per multipart message; this takes tens of microseconds.

A message is `multipart/alternative` with a text/plain and a text/html part, both UTF-8: 7bit when the part is ASCII
in lines of at most 998 characters, else quoted-printable (lines of at most 76). The boundary is random and starts with
`=_`, which quoted-printable text never contains (a 7bit part is checked not to contain it). Headers are one line each (List-Unsubscribe stays a plain `<url>`, as RFC 8058 clients expect), and the
Message-ID is derived from the delivery key: a message sent again for the same delivery has the same Message-ID.
An address that is not plain ASCII goes through the email package instead (same headers, same Message-ID).
"""

from __future__ import annotations

import binascii
import re
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from domain import templates, tokens
from domain.mailer import POLICY, Outgoing

PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
PART = b'Content-Type: text/%s; charset="utf-8"\r\nContent-Transfer-Encoding: %s\r\n\r\n'
_date: tuple[int, bytes] = (0, b"")


def _now() -> bytes:
    global _date
    second = int(time.time())
    if _date[0] != second:
        _date = (second, formatdate(second, usegmt=True).encode())
    return _date[1]


def _part(text: str, boundary: str) -> tuple[bytes, bytes]:
    """(transfer encoding, body with CRLF line ends): 7bit when the text is ASCII in lines of at most 998 characters
    and does not contain the boundary (as the email package chose), else quoted-printable (the trailing CRLF makes
    b2a_qp use CRLF for its soft breaks too)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if text.isascii() and max(map(len, lines)) <= 998 and boundary not in text:
        return b"7bit", "\r\n".join(lines).encode() + b"\r\n"
    return b"quoted-printable", binascii.b2a_qp(("\r\n".join(lines) + "\r\n").encode(), istext=True)


def message_id(key: str, sender: str) -> str:
    """`<runId.personId@sender-domain>`: the same for every send of one delivery."""
    return f"<{key.replace('|', '.')}@{sender.rpartition('@')[2] or 'graph-crm'}>"


class Composer:
    """Builds the messages of one run: `build(person, key)` gives the bytes for one recipient (thread-safe)."""

    def __init__(self, secret: str, base_url: str, run: dict[str, Any]) -> None:
        self.secret = secret
        self.base = base_url
        self.purpose = str(run["purpose"])
        self.sender = str(run["fromAddress"])
        self.subject = " ".join(str(run["subject"]).split())  # one line: a header never carries a line break
        self.template = templates.compiled(run["bodyTemplate"])
        head = EmailMessage(policy=POLICY)
        head["From"] = self.sender
        head["Subject"] = self.subject
        self.head = head.as_bytes().split(b"\r\n\r\n", 1)[0] + b"\r\n"  # From and Subject, encoded once
        self.boundary = boundary = f"=_crm_{uuid.uuid4().hex}"
        self.mime = (
            f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n--{boundary}\r\n'
        ).encode()
        self.middle = f"--{boundary}\r\n".encode()
        self.end = f"--{boundary}--\r\n".encode()

    def parts(self, person: dict[str, Any], key: str) -> tuple[str, str, str]:
        """(html, text, unsubscribe URL) of one recipient: rendered body, signed click links, open pixel."""
        base, secret = self.base, self.secret
        unsubscribe = f"{base}/mail/unsubscribe/{tokens.sign(secret, 'unsubscribe', {'d': key, 'pu': self.purpose})}"
        pixel = f"{base}/t/o/{tokens.sign(secret, 'open', {'d': key})}"
        body = templates.render_compiled(self.template, templates.person_context(person))
        html, text = templates.finish(
            body, lambda url: f"{base}/t/c/{tokens.sign(secret, 'click', {'d': key, 'u': url})}", pixel, unsubscribe
        )
        return html, text, unsubscribe

    def build(self, person: dict[str, Any], key: str) -> bytes:
        html, text, unsubscribe = self.parts(person, key)
        to = str(person["email"])
        if not PLAIN_ADDRESS.fullmatch(to) or not key.isascii() or "\n" in key or "\r" in key:
            return self._slow(to, key, html, text, unsubscribe)
        text_encoding, text_body = _part(text, self.boundary)
        html_encoding, html_body = _part(html, self.boundary)
        return b"".join(
            (
                self.head,
                b"To: ",
                to.encode(),
                b"\r\nDate: ",
                _now(),
                b"\r\nMessage-ID: ",
                message_id(key, self.sender).encode(),
                b"\r\nList-Unsubscribe: <",
                unsubscribe.encode(),
                b">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nX-CRM-Delivery: ",
                key.encode(),
                b"\r\n",
                self.mime,
                PART % (b"plain", text_encoding),
                text_body,
                self.middle,
                PART % (b"html", html_encoding),
                html_body,
                self.end,
            )
        )

    def _slow(self, to: str, key: str, html: str, text: str, unsubscribe: str) -> bytes:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-CRM-Delivery": key,
        }
        outgoing = Outgoing(self.sender, to, self.subject, text, html, headers, message_id(key, self.sender))
        return outgoing.message().as_bytes()
