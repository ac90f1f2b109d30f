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
        return self.send_raw(outgoing.sender, outgoing.to, outgoing.message().as_bytes())

    def send_raw(self, sender: str, to: str, raw: bytes) -> SendResult:
        """MAIL, RCPT and DATA as `smtplib.sendmail` does them, but knowing when the message may have been taken:
        a connection lost before DATA is certainly not a delivery (`MailTransient(refused=True)`; a connection the
        relay dropped while idle is reconnected once), one lost during DATA may be (`refused=False`)."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            smtp = self._smtp
            in_data = False
            try:
                smtp.ehlo_or_helo_if_needed()
                options: list[str] = []
                if smtp.does_esmtp and smtp.has_extn("size"):
                    options.append(f"size={len(raw)}")
                if not (sender.isascii() and to.isascii()):
                    options.append("SMTPUTF8")  # refused by smtplib when the relay does not offer it
                code, answer = smtp.mail(sender, options)
                if code == 250:
                    code, answer = smtp.rcpt(to)
                if code in (250, 251):
                    in_data = True
                    code, answer = smtp.data(raw)
                    if code == 250:
                        return SendResult("SENT")
                self._reset()
                return self._refused(code, answer)
            except smtplib.SMTPNotSupportedError:
                self._reset()
                return SendResult("BOUNCED", 553, "the relay takes no international address (SMTPUTF8)")
            except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was sent
                self._reset()
                return self._refused(int(exc.smtp_code), exc.smtp_error)
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if in_data:
                    raise MailTransient(f"the mail relay closed the connection during DATA: {exc}") from exc
                if attempt == 2:
                    raise MailTransient(f"the mail relay closed the connection: {exc}", refused=True) from exc
            except (OSError, smtplib.SMTPException, UnicodeError) as exc:
                self.close()
                raise MailTransient(f"sending failed: {exc}", refused=not in_data) from exc
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
