"""apoa.mail: SMTP with the standard library, against a real local server (aiosmtpd)."""

from __future__ import annotations

import smtplib

import pytest
from aiosmtpd.smtp import AuthResult

from apoa.mail import (
    Mail,
    MailNotConfigured,
    MailSender,
    MailSendError,
    MailSettings,
    build_message,
    mail_sender,
)
from tests.smtp_server import free_port, running_smtp_server


@pytest.fixture
def smtp():
    with running_smtp_server() as (handler, port):
        yield handler, port


def _config(port: int, **changes):
    config = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_DEFAULT_SENDER": "APOA <noreply@apoa.example.go.id>",
        "MAIL_TIMEOUT": 5,
        "PUBLIC_BASE_URL": "https://apoa.example.go.id",
    }
    config.update(changes)
    return config


def _mail(to: str = "budi@example.id", **changes) -> Mail:
    data = {
        "to": to,
        "to_name": "Budi Santoso",
        "subject": "Pengingat",
        "text": "Halo Budi,\nsilakan kirim laporan nihil.",
        "html": "<p>Halo Budi,</p>",
        "locale": "id",
    }
    data.update(changes)
    return Mail(**data)


@pytest.mark.parametrize("server", [None, "", "  "])
def test_no_server_is_refused_clearly(server):
    with pytest.raises(MailNotConfigured, match="MAIL_SERVER is not set"):
        MailSettings.from_config({"MAIL_SERVER": server})


def test_tls_and_ssl_together_are_refused():
    with pytest.raises(MailNotConfigured, match="not both"):
        MailSettings.from_config(
            {"MAIL_SERVER": "127.0.0.1", "MAIL_USE_TLS": True, "MAIL_USE_SSL": True}
        )


def test_mail_sender_reads_the_app_config(app):
    app.config["MAIL_SERVER"] = None
    with pytest.raises(MailNotConfigured):
        mail_sender()
    app.config.update(MAIL_SERVER="mail.example.id", MAIL_PORT=587, MAIL_USE_TLS=True)
    settings = mail_sender().settings
    assert (settings.server, settings.port, settings.use_tls) == ("mail.example.id", 587, True)


def test_message_has_text_html_and_proper_headers(smtp):
    handler, port = smtp
    with MailSender(MailSettings.from_config(_config(port))) as sender:
        sender.send(_mail())
    [received] = handler.received
    message = received.message
    assert received.mail_from == "noreply@apoa.example.go.id"
    assert received.rcpt_tos == ["budi@example.id"]
    assert message["From"] == "APOA <noreply@apoa.example.go.id>"
    assert message["To"] == "Budi Santoso <budi@example.id>"
    assert message["Subject"] == "Pengingat"
    assert message["Content-Language"] == "id"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@apoa.example.go.id>")
    assert message["Date"].endswith("-0000") or message["Date"].endswith("+0000")
    assert message.get_content_type() == "multipart/alternative"
    assert received.part("plain").startswith("Halo Budi,\nsilakan")
    assert received.part("html").strip() == "<p>Halo Budi,</p>"


def test_text_only_message(smtp):
    handler, port = smtp
    with MailSender(MailSettings.from_config(_config(port))) as sender:
        sender.send(_mail(html=None, locale="en"))
    [received] = handler.received
    assert received.message.get_content_type() == "text/plain"
    assert received.message["Content-Language"] == "en"


def test_one_connection_for_many_messages(smtp):
    handler, port = smtp
    with MailSender(MailSettings.from_config(_config(port))) as sender:
        for n in range(3):
            sender.send(_mail(f"user{n}@example.id"))
    assert [r.rcpt_tos for r in handler.received] == [
        ["user0@example.id"],
        ["user1@example.id"],
        ["user2@example.id"],
    ]
    assert handler.connections == 1
    assert len({r.message["Message-ID"] for r in handler.received}) == 3


def test_a_refused_recipient_fails_alone(smtp):
    handler, port = smtp
    handler.refuse.add("gone@example.id")
    with MailSender(MailSettings.from_config(_config(port))) as sender:
        with pytest.raises(MailSendError, match="550"):
            sender.send(_mail("gone@example.id"))
        sender.send(_mail("here@example.id"))  # the same connection goes on
    assert [r.rcpt_tos for r in handler.received] == [["here@example.id"]]


def test_a_lost_connection_is_reopened_once(smtp):
    handler, port = smtp
    with MailSender(MailSettings.from_config(_config(port))) as sender:
        sender.send(_mail("one@example.id"))
        sender._smtp.close()  # the server hung up between two messages
        sender.send(_mail("two@example.id"))
    assert [r.rcpt_tos for r in handler.received] == [["one@example.id"], ["two@example.id"]]
    assert handler.connections == 2


def test_header_injection_through_names_and_subjects_is_neutralised(smtp):
    handler, port = smtp
    with MailSender(MailSettings.from_config(_config(port))) as sender:
        sender.send(
            _mail(
                to_name="Budi\r\nBcc: evil@attacker.example",
                subject="Halo\nBcc: evil@attacker.example",
            )
        )
    [received] = handler.received
    assert received.rcpt_tos == ["budi@example.id"]
    assert received.message["Bcc"] is None
    assert "\n" not in received.message["Subject"]
    assert received.message["To"].addresses[0].addr_spec == "budi@example.id"
    raw = received.message.as_string()
    assert "\nBcc:" not in raw


@pytest.mark.parametrize(
    "address",
    [
        "budi@example.id\r\nBcc: evil@attacker.example",
        "budi@example.id\nRCPT TO:<evil@attacker.example>",
        "budi@@example.id",
        "not-an-address",
        "a b@example.id",
        "budi@localhost",
    ],
)
def test_malformed_addresses_are_refused_before_sending(smtp, address):
    handler, port = smtp
    with (
        MailSender(MailSettings.from_config(_config(port))) as sender,
        pytest.raises(MailSendError, match="invalid e-mail address"),
    ):
        sender.send(_mail(address))
    assert handler.received == []


def test_build_message_keeps_one_line_headers():
    settings = MailSettings.from_config(
        {"MAIL_SERVER": "x", "PUBLIC_BASE_URL": "https://apoa.example.go.id/app"}
    )
    message = build_message(_mail(subject="a\u2028b\tc"), settings)
    assert message["Subject"] == "a b c"
    assert message["From"] == "apoa@apoa.example.go.id"


def test_starttls_required_but_not_offered_sends_nothing(smtp):
    handler, port = smtp
    with (
        pytest.raises(smtplib.SMTPNotSupportedError),
        MailSender(MailSettings.from_config(_config(port, MAIL_USE_TLS=True))) as sender,
    ):
        sender.send(_mail())
    assert handler.received == []


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"apoa" and auth_data.password == b"rahasia-sekali"
    return AuthResult(success=ok, handled=False)


# The local test server has no certificate, so it offers AUTH without TLS (aiosmtpd warns).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_with_user_name_and_password():
    # PLAIN only: aiosmtpd 1.4 does not take smtplib's AUTH LOGIN with an initial response.
    with running_smtp_server(
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],
    ) as (handler, port):
        good = _config(port, MAIL_USERNAME="apoa", MAIL_PASSWORD="rahasia-sekali")
        with MailSender(MailSettings.from_config(good)) as sender:
            sender.send(_mail())
        bad = _config(port, MAIL_USERNAME="apoa", MAIL_PASSWORD="salah")
        with (
            pytest.raises(smtplib.SMTPAuthenticationError),
            MailSender(MailSettings.from_config(bad)) as sender,
        ):
            sender.send(_mail("other@example.id"))
        anonymous = _config(port)
        with (
            MailSender(MailSettings.from_config(anonymous)) as sender,
            pytest.raises(MailSendError, match="530"),
        ):
            sender.send(_mail("third@example.id"))
    assert [r.rcpt_tos for r in handler.received] == [["budi@example.id"]]


def test_unreachable_server_raises_on_connect():
    settings = MailSettings.from_config(_config(free_port(), MAIL_TIMEOUT=2))
    with pytest.raises(ConnectionRefusedError), MailSender(settings):
        pass


def test_a_long_subject_arrives_intact(smtp):
    handler, port = smtp
    subject = "APOA daily digest: Kantor Imigrasi Kelas I TPI Denpasar, March 2, 2026"
    long_name = "Ni Luh Putu Ayu " * 6
    with MailSender(MailSettings.from_config(_config(port))) as sender:
        sender.send(_mail(subject=subject, to_name=long_name))
        sender.send(_mail(subject=subject * 3))
    first, second = handler.received
    assert first.message["Subject"] == subject
    assert first.message["To"].addresses[0].display_name == long_name.strip()
    assert second.message["Subject"] == subject * 3
