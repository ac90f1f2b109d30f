"""The SMTP adapter: URLs, one connection per chunk, permanent refusals as bounces, temporary ones raised."""

from __future__ import annotations

import pytest

from domain.mailer import MailTransient, Outgoing
from domain.mime import Composer
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


@pytest.mark.parametrize("pipelining", [True, False])
def test_one_connection_serves_a_chunk_and_refusals_are_bounces(pipelining: bool) -> None:
    with smtp_sink(pipelining=pipelining) as sink:
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


def test_a_composed_message_is_valid_mime_with_the_run_headers() -> None:
    # given a run whose subject and body are not ASCII, with a line that starts with a dot and a very long line
    body = (
        "<p>Grüße, {{ person.firstName }}!</p>\n.\n<p>"
        + "x" * 3000
        + '</p><a href="https://shop.example/?a=1&amp;b=2">Sale</a>'
    )
    run = {
        "purpose": "newsletter",
        "bodyTemplate": body,
        "subject": "Frühling\n20 % für alle",
        "fromAddress": "news@demo.crm",
    }
    composer = Composer("test-secret-not-for-production-0123456789", "http://crm.example", run)
    ann = {"id": "per_1", "firstName": "Änne", "email": "ann@shop.example"}
    raw = composer.build(ann, "run_1|per_1")
    # then it is CRLF-only, short-lined, and the same delivery always gets the same Message-ID
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"\r\nList-Unsubscribe: <http://crm.example/mail/unsubscribe/" in raw
    assert (
        composer.build(ann, "run_1|per_1").split(b"\r\nMessage-ID: ")[1][:40] == raw.split(b"\r\nMessage-ID: ")[1][:40]
    )
    # and through a real SMTP conversation it arrives as the email package reads it
    with smtp_sink() as sink:
        session = SmtpTransport(sink.url).session()
        try:
            assert session.send_raw(composer.sender, ann["email"], raw).status == "SENT"
        finally:
            session.close()
        (mail,) = sink.messages
    assert (mail["Subject"], mail["From"], mail["To"]) == (
        "Frühling 20 % für alle",
        "news@demo.crm",
        "ann@shop.example",
    )
    assert mail["Message-ID"] == "<run_1.per_1@demo.crm>"
    assert mail["X-CRM-Delivery"] == "run_1|per_1"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # (quoted-printable keeps MIME's canonical CRLF line breaks in the decoded text)
    html = str(mail.get_body(("html",)).get_content()).replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "<p>Grüße, Änne!</p>\n.\n<p>" + "x" * 3000 in html
    assert 'href="http://crm.example/t/c/' in html and "shop.example" not in html
    assert 'src="http://crm.example/t/o/' in html
    text = text_of(mail).replace("\r\n", "\n")
    assert text.startswith("Grüße, Änne!\n.\n" + "x" * 3000 + "Sale")
    assert text.endswith(f"Unsubscribe: {mail['List-Unsubscribe'].strip('<>')}\n")


def test_with_pipelining_the_gate_opens_before_the_content_and_a_closed_gate_sends_nothing() -> None:
    # given a relay that offers PIPELINING and a gate that lets the first message through and refuses the second
    with smtp_sink() as sink:
        session = SmtpTransport(sink.url).session()
        opened: list[int] = []

        def gate() -> None:
            opened.append(len(sink.recipients()))
            if len(opened) == 2:
                raise RuntimeError("lease lost")

        try:
            # when two messages are sent through it
            first = session.send_raw(
                "news@demo.crm", "a@shop.example", b"To: a@shop.example\r\nSubject: a\r\n\r\nA\r\n", gate
            )
            with pytest.raises(RuntimeError):
                session.send_raw(
                    "news@demo.crm", "b@shop.example", b"To: b@shop.example\r\nSubject: b\r\n\r\nB\r\n", gate
                )
            # then the first went out after its gate opened, the second not at all, and the session goes on
            third = session.send_raw(
                "news@demo.crm", "c@shop.example", b"To: c@shop.example\r\nSubject: c\r\n\r\nC\r\n"
            )
        finally:
            session.close()
        assert (first.status, third.status) == ("SENT", "SENT")
        assert opened == [0, 1]
        assert sink.recipients() == ["a@shop.example", "c@shop.example"]
        assert sink.connections == 2  # the connection of the refused message was dropped, without content


def test_the_next_envelope_rides_with_the_content_and_an_announced_message_never_sent_is_not_delivered() -> None:
    # given a relay that offers PIPELINING and refuses one recipient
    with smtp_sink() as sink:
        sink.refuse.add("gone@shop.example")
        session = SmtpTransport(sink.url).session()
        to = ["a@shop.example", "gone@shop.example", "b@shop.example", "c@shop.example"]
        try:
            # when each message announces the next one, and the session closes before the last one's content
            results = [
                session.send_raw(
                    "news@demo.crm", address, f"To: {address}\r\n\r\nHi\r\n".encode(), then=("news@demo.crm", to[i + 1])
                )
                for i, address in enumerate(to[:3])
            ]
        finally:
            session.close()
        # then one connection carried them, the refusal is a bounce and the announced message was not delivered
        assert [(r.status, r.code) for r in results] == [("SENT", None), ("BOUNCED", 550), ("SENT", None)]
        assert sink.recipients() == ["a@shop.example", "b@shop.example"]
        assert sink.connections == 1
