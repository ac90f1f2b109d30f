"""The SMTP adapter: URLs, one connection per chunk, permanent refusals as bounces, temporary ones raised."""

from __future__ import annotations

import pytest

from domain.mailer import MailTransient, Outgoing
from integrations.mail import MailConfigError, SmtpConfig, SmtpTransport, parse_url
from tests.mail_sink import smtp_sink, text_of
from tests.servers import free_port


def test_smtp_urls() -> None:
    assert parse_url("smtp://127.0.0.1:1025") == SmtpConfig(host="127.0.0.1", port=1025)
    assert parse_url("smtp://us%40er:p%3Ass@mail.example:587?starttls=1") == SmtpConfig(
        host="mail.example", port=587, starttls=True, user="us@er", password="p:ss"
    )
    assert parse_url("smtps://u:p@mail.example") == SmtpConfig(
        host="mail.example", port=465, tls=True, user="u", password="p"
    )
    for bad in ("http://mail.example", "smtp://", "mail.example:25"):
        with pytest.raises(MailConfigError):
            parse_url(bad)


def test_one_connection_serves_a_chunk_and_refusals_are_bounces() -> None:
    with smtp_sink() as sink:
        sink.refuse.add("gone@shop.example")
        session = SmtpTransport(sink.url).session()
        try:
            results = [
                session.send(Outgoing("news@demo.crm", to, "Hi", f"Hello {to}", headers={"X-CRM-Delivery": to}))
                for to in ("a@shop.example", "gone@shop.example", "b@shop.example")
            ]
        finally:
            session.close()
        assert [(r.status, r.code) for r in results] == [("SENT", None), ("BOUNCED", 550), ("SENT", None)]
        assert sink.recipients() == ["a@shop.example", "b@shop.example"]
        assert sink.connections == 1
        assert text_of(sink.to("b@shop.example")[0]).strip() == "Hello b@shop.example"
        assert sink.to("a@shop.example")[0]["X-CRM-Delivery"] == "a@shop.example"


def test_an_unreachable_relay_is_transient() -> None:
    session = SmtpTransport(f"smtp://127.0.0.1:{free_port()}").session()
    with pytest.raises(MailTransient):
        session.send(Outgoing("news@demo.crm", "a@shop.example", "Hi", "Hello"))
