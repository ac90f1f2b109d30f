"""SMTP transport: `CRM_SMTP_URL` names the relay, one connection is reused for a whole chunk of messages.

    smtp://host:25                       plain (a local relay, Mailpit in development)
    smtp://user:pass@host:587?starttls=1 submission with STARTTLS
    smtps://user:pass@host:465           implicit TLS

`SmtpSession.send` answers SENT, or BOUNCED when the relay refuses the recipient or the message permanently (5xx);
a temporary refusal (4xx) or a lost connection raises `MailTransient` (the caller retries later).
"""

from __future__ import annotations

import smtplib
import ssl
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


class SmtpSession:
    """One SMTP connection for many messages (`with SmtpSession(cfg) as s: s.send(m)`); reconnects once if the
    relay dropped an idle connection."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

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
        except (OSError, smtplib.SMTPException) as exc:
            raise MailTransient(f"cannot reach the mail relay {cfg.host}:{cfg.port}: {exc}") from exc
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, outgoing: Outgoing) -> SendResult:
        msg = outgoing.message()
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._smtp.send_message(msg, from_addr=outgoing.sender, to_addrs=[outgoing.to])
                return SendResult("SENT")
            except smtplib.SMTPRecipientsRefused as exc:
                code, detail = next(iter(exc.recipients.values()))
                return self._refused(int(code), detail)
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                self._reset()
                return self._refused(int(exc.smtp_code), exc.smtp_error)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise MailTransient(f"the mail relay closed the connection: {exc}") from exc
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise MailTransient(f"sending failed: {exc}") from exc
        raise MailTransient("unreachable")  # pragma: no cover

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
