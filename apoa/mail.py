"""Send e-mail over SMTP with the standard library: one connection for a whole run.

Configured from app.config (apoa/config.py): MAIL_SERVER, MAIL_PORT,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS (STARTTLS), MAIL_USE_SSL (SMTPS),
MAIL_DEFAULT_SENDER, MAIL_TIMEOUT, and PUBLIC_BASE_URL for the Message-ID
domain and the EHLO name. Without MAIL_SERVER nothing is sent: `mail_sender()`
raises `MailNotConfigured` rather than dropping messages silently.

Header injection: every header value is built here, from one line of text
(control characters become spaces) or a parsed address; an address that does
not parse is refused for that message only.
"""

from __future__ import annotations

import email.errors
import email.utils
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from flask import current_app

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# CRLF line ends; no folding below RFC 5322's hard limit: Python folds a header whose value
# fits on a line of its own right after the colon, and the subject then begins with a space.
_POLICY = policy.SMTP.clone(max_line_length=998)


class MailNotConfigured(RuntimeError):
    """MAIL_SERVER is not set: the app has nowhere to send e-mail."""


class MailSendError(Exception):
    """One message could not be sent (refused recipient, bad address, lost connection)."""


@dataclass(frozen=True)
class Mail:
    """One e-mail to one recipient: a plain-text body and an optional HTML alternative."""

    to: str
    subject: str
    text: str
    html: str | None = None
    to_name: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class MailSettings:
    """SMTP settings, read once from the configuration."""

    server: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    use_ssl: bool
    sender: str
    timeout: float
    hostname: str  # EHLO name and Message-ID domain

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Read the MAIL_* keys; raise MailNotConfigured when there is no server."""
        server = (config.get("MAIL_SERVER") or "").strip()
        if not server:
            raise MailNotConfigured(
                "MAIL_SERVER is not set, so no e-mail can be sent. Set MAIL_SERVER and MAIL_PORT"
                " (and MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS or MAIL_USE_SSL as needed)."
            )
        if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
            raise MailNotConfigured("set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL, not both")
        host = urlsplit(str(config.get("PUBLIC_BASE_URL") or "")).hostname or "localhost"
        return cls(
            server=server,
            port=int(config.get("MAIL_PORT") or (465 if config.get("MAIL_USE_SSL") else 25)),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            sender=str(config.get("MAIL_DEFAULT_SENDER") or f"apoa@{host}"),
            timeout=float(config.get("MAIL_TIMEOUT") or 30),
            hostname=host,
        )


def one_line(value: str) -> str:
    """Return text fit for a header: control characters (CR, LF, tab…) become single spaces."""
    return _CONTROL.sub(" ", value).strip()


def parse_address(
    addr_spec: str, display_name: str | None = None, *, dotted_domain: bool = True
) -> Address:
    """Return a checked address; raise MailSendError for anything that is not one mailbox.

    Recipients need a dotted domain; the configured sender may be local (apoa@localhost).
    """
    spec = addr_spec.strip()
    if not spec or _CONTROL.search(spec) or " " in spec or spec.count("@") != 1:
        raise MailSendError("invalid e-mail address")
    try:
        address = Address(display_name=one_line(display_name or ""), addr_spec=spec)
    except (ValueError, email.errors.MessageError) as error:
        raise MailSendError("invalid e-mail address") from error
    if not address.domain or (dotted_domain and "." not in address.domain):
        raise MailSendError("invalid e-mail address")
    return address


def build_message(
    mail: Mail, settings: MailSettings, *, now: datetime | None = None
) -> EmailMessage:
    """Build the MIME message: Date, Message-ID, Content-Language, text and optional HTML."""
    sender_name, sender_spec = email.utils.parseaddr(settings.sender)
    message = EmailMessage(policy=_POLICY)
    message["From"] = parse_address(sender_spec, sender_name or None, dotted_domain=False)
    message["To"] = parse_address(mail.to, mail.to_name)
    message["Subject"] = one_line(mail.subject)
    message["Date"] = (
        email.utils.format_datetime(now) if now else email.utils.formatdate(localtime=False)
    )
    # An explicit domain: make_msgid() would otherwise ask DNS for this host's name.
    message["Message-ID"] = email.utils.make_msgid(domain=settings.hostname)
    # RFC 3834: a machine wrote this; vacation responders should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    # After the body: set_content() clears Content-* headers and add_alternative() moves them.
    if mail.locale:
        message["Content-Language"] = one_line(mail.locale)
    return message


class MailSender:
    """An SMTP connection for one run: `with mail_sender() as sender: sender.send(mail)`.

    Connects on entry (SMTPS, or plain then STARTTLS when asked, then AUTH when a
    user name is set), sends any number of messages, and quits on exit. A lost
    connection is reopened once per message.
    """

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Self:
        self._connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> None:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.use_ssl:
            smtp = smtplib.SMTP_SSL(
                s.server, s.port, local_hostname=s.hostname, timeout=s.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(s.server, s.port, local_hostname=s.hostname, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.use_tls:
                # Raises SMTPNotSupportedError when the server does not offer STARTTLS:
                # never fall back to sending passwords and reports in clear.
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp

    def close(self) -> None:
        """Say QUIT and close the connection (quietly if it is already gone)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, mail: Mail, *, now: datetime | None = None) -> None:
        """Send one message; raise MailSendError if it was not accepted."""
        message = build_message(mail, self.settings, now=now)
        for attempt in (1, 2):
            if self._smtp is None:
                try:
                    self._connect()
                except (smtplib.SMTPException, OSError) as error:
                    raise MailSendError(f"cannot connect: {error}") from error
            assert self._smtp is not None  # noqa: S101 - set by _connect
            try:
                refused = self._smtp.send_message(message)
            except smtplib.SMTPServerDisconnected as error:
                self._smtp = None
                if attempt == 2:
                    raise MailSendError(f"connection lost: {error}") from error
                continue
            except smtplib.SMTPRecipientsRefused as error:
                raise MailSendError(_refusal(error.recipients)) from error
            except (smtplib.SMTPException, OSError) as error:
                self.close()  # the session's state is unknown: start afresh next time
                raise MailSendError(str(error) or error.__class__.__name__) from error
            if refused:
                raise MailSendError(_refusal(refused))
            return


def _refusal(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    codes = sorted(
        {f"{code} {reply.decode(errors='replace')}" for code, reply in recipients.values()}
    )
    return "recipient refused: " + "; ".join(codes)


def mail_sender(config: Mapping[str, Any] | None = None) -> MailSender:
    """Return a sender for the app's configuration (raises MailNotConfigured without a server)."""
    return MailSender(MailSettings.from_config(current_app.config if config is None else config))
