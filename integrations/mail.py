"""SMTP transport: `CRM_SMTP_URL` names the relay, one connection is reused for a whole chunk of messages.

    smtp://host:25                       plain (a local relay, Mailpit in development)
    smtp://user:pass@host:587?starttls=1 submission with STARTTLS
    smtps://user:pass@host:465           implicit TLS

`SmtpSession.send` answers SENT, or BOUNCED when the relay refuses the recipient or the message permanently (5xx);
a temporary refusal (4xx) or a lost connection raises `MailTransient` (the caller retries later).
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from domain.mailer import MailTransient, Outgoing, SendResult


class MailConfigError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: bool = False  # implicit TLS (smtps)
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


def parse_url(url: str) -> SmtpConfig:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError(f"CRM_SMTP_URL: scheme must be smtp or smtps, not {parts.scheme!r}")
    if not parts.hostname:
        raise MailConfigError("CRM_SMTP_URL: a host is required")
    query = parse_qs(parts.query)
    flag = (query.get("starttls") or ["0"])[0].lower()
    timeout = float((query.get("timeout") or ["30"])[0])
    tls = parts.scheme == "smtps"
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        tls=tls,
        starttls=flag in ("1", "true", "yes"),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


PLAIN_ADDRESS = re.compile(r"[!#-;=?-~]+@[A-Za-z0-9.-]+")  # printable ASCII, no space, no angle brackets
LEADING_DOT = re.compile(rb"(?m)^\.")


class Wire:
    """The hot path of a connection that smtplib opened, greeted, secured and authenticated: a command and its
    answer straight on the socket (smtplib spends several times more Python per command than the bytes cost)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def command(self, line: bytes) -> tuple[int, bytes]:
        self.sock.sendall(line)
        return self.reply()

    def reply(self) -> tuple[int, bytes]:
        """The relay's answer (the lines of a multi-line one joined), as smtplib's getreply reads it."""
        lines: list[bytes] = []
        while True:
            end = self.buffer.find(b"\n")
            if end < 0:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                self.buffer += chunk
                continue
            line, self.buffer = self.buffer[:end].rstrip(b"\r"), self.buffer[end + 1 :]
            lines.append(line[4:].strip())
            if line[3:4] != b"-":
                code = int(line[:3]) if line[:3].isdigit() else -1
                return code, b"\n".join(lines)


class SmtpSession:
    """One SMTP connection for many messages (`with SmtpSession(cfg) as s: s.send(m)`); reconnects once if the
    relay dropped an idle connection."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._wire: Wire | None = None
        self._pipelining = False
        self._pending: tuple[str, str] | None = None  # an envelope written after the last content, answers unread

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        try:
            smtp: smtplib.SMTP
            if cfg.tls:
                smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
                if cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
            if cfg.user:
                smtp.login(cfg.user, cfg.password or "")
            smtp.ehlo_or_helo_if_needed()
        except (OSError, smtplib.SMTPException) as exc:
            raise MailTransient(f"cannot reach the mail relay {cfg.host}:{cfg.port}: {exc}") from exc
        return smtp

    def close(self) -> None:
        if self._pending is not None:  # the relay may be waiting for the content of an envelope written ahead
            self._drop()
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, outgoing: Outgoing) -> SendResult:
        return self.send_raw(outgoing.sender, outgoing.to, outgoing.message().as_bytes())

    def send_raw(
        self,
        sender: str,
        to: str,
        raw: bytes,
        ready: Callable[[], object] | None = None,
        then: tuple[str, str] | None = None,
    ) -> SendResult:
        """MAIL, RCPT and DATA as `smtplib.sendmail` does them (the same bytes on the wire), but knowing when the
        message may have been taken: a connection lost before DATA is certainly not a delivery
        (`MailTransient(refused=True)`; a connection the relay dropped while idle is reconnected once), one lost
        during DATA may be (`refused=False`).

        When the relay offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go out in one write and their three answers
        are read together: two round trips per message instead of four. `ready` is called once before the message's
        content can go out (while the pipelined envelope travels); when it raises, nothing of the message is sent and
        the connection is dropped (a relay that already answered 354 waits for content that never comes).
        `then` (sender, recipient) is the next message's envelope: with PIPELINING it is written right after this
        message's content (RFC 2920 lets the content start a group), so the next message finds its answers waiting
        and costs one round trip; an envelope is no delivery, and a session closed before its content went out is
        dropped without a word."""
        if self._pending is not None and self._pending != (sender, to):
            self._drop()
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
                assert self._smtp.sock is not None
                self._wire = Wire(self._smtp.sock)
                self._pipelining = self._smtp.does_esmtp and bool(self._smtp.has_extn("pipelining"))
            smtp, wire = self._smtp, self._wire
            assert wire is not None
            in_data = False
            try:
                if not (PLAIN_ADDRESS.fullmatch(sender) and PLAIN_ADDRESS.fullmatch(to)):
                    if ready is not None:
                        ready()
                    return self._send_unusual(smtp, sender, to, raw)
                size = b" size=%d" % len(raw) if smtp.does_esmtp and smtp.has_extn("size") else b""
                mail, rcpt = b"MAIL FROM:<%s>%s\r\n" % (sender.encode(), size), b"RCPT TO:<%s>\r\n" % to.encode()
                if self._pipelining:
                    if self._pending is None:
                        wire.sock.sendall(mail + rcpt + b"DATA\r\n")
                    self._pending = None  # from here its answers are read (or the connection goes)
                    if ready is not None:
                        self._ready(ready)
                        ready = None
                    (code, answer), (rcode, ranswer), (dcode, danswer) = wire.reply(), wire.reply(), wire.reply()
                    if code == 250 and rcode not in (250, 251):
                        code, answer = rcode, ranswer
                    if code == 250:
                        code, answer = dcode, danswer
                    elif dcode == 354:  # a relay that took DATA without a recipient: leave it without content
                        self._drop()
                        return self._refused(code, answer)
                else:
                    if ready is not None:
                        ready()
                        ready = None
                    code, answer = wire.command(mail)
                    if code == 250:
                        code, answer = wire.command(rcpt)
                    if code in (250, 251):
                        code, answer = wire.command(b"DATA\r\n")
                if code == 354:
                    in_data = True
                    body = LEADING_DOT.sub(b"..", raw)
                    ahead = self._envelope(then) if then is not None and self._pipelining else b""
                    wire.sock.sendall(body + (b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n") + ahead)
                    code, answer = wire.reply()
                    if ahead:
                        self._pending = then
                    if code == 250:
                        return SendResult("SENT")
                    if ahead:  # the content's answer ends the transaction; the next one is under way already
                        return self._refused(code, answer)
                self._reset()
                return self._refused(code, answer)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp, self._pending = None, None
                if in_data:
                    raise MailTransient(f"the mail relay closed the connection during DATA: {exc}") from exc
                if attempt == 2:
                    raise MailTransient(f"the mail relay closed the connection: {exc}", refused=True) from exc
            except (OSError, smtplib.SMTPException, UnicodeError) as exc:
                if in_data:
                    self.close()
                else:
                    self._drop()
                raise MailTransient(f"sending failed: {exc}", refused=not in_data) from exc
        raise MailTransient("unreachable")  # pragma: no cover

    @staticmethod
    def _envelope(then: tuple[str, str]) -> bytes:
        sender, to = then
        if not (PLAIN_ADDRESS.fullmatch(sender) and PLAIN_ADDRESS.fullmatch(to)):
            return b""
        return b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n" % (sender.encode(), to.encode())

    def _ready(self, ready: Callable[[], object]) -> None:
        try:
            ready()
        except BaseException:
            self._drop()  # the relay may be waiting for content: leave without sending any
            raise

    def _drop(self) -> None:
        """Closes the connection without a word (nothing more of the current message may go out)."""
        self._pending = None
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _send_unusual(self, smtp: smtplib.SMTP, sender: str, to: str, raw: bytes) -> SendResult:
        """An address that needs smtplib's quoting or SMTPUTF8: its own (slower) path, nothing sent before DATA."""
        options = [] if sender.isascii() and to.isascii() else ["SMTPUTF8"]
        try:
            code, answer = smtp.mail(sender, options)
        except smtplib.SMTPNotSupportedError:
            self._reset()
            return SendResult("BOUNCED", 553, "the relay takes no international address (SMTPUTF8)")
        if code == 250:
            code, answer = smtp.rcpt(to)
        if code in (250, 251):
            try:
                code, answer = smtp.data(raw)
            except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was sent
                code, answer = exc.smtp_code, exc.smtp_error if isinstance(exc.smtp_error, bytes) else b""
            except (OSError, smtplib.SMTPServerDisconnected) as exc:
                self.close()
                raise MailTransient(f"the connection failed during DATA: {exc}") from exc
            if code == 250:
                return SendResult("SENT")
        self._reset()
        return self._refused(code, answer)

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._smtp = None

    @staticmethod
    def _refused(code: int, detail: bytes | str) -> SendResult:
        text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
        if 500 <= code < 600:
            return SendResult("BOUNCED", code, text[:500])
        raise MailTransient(f"the mail relay answered {code}: {text[:200]}", refused=True)


class SmtpTransport:
    """The transport the API and the workers put on Deps (`deps.mail`)."""

    def __init__(self, url: str) -> None:
        self.config = parse_url(url)

    def session(self) -> SmtpSession:
        return SmtpSession(self.config)
