"""The reminder e-mails as messages: who gets what, in which language, with which links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import format_date as babel_format_date
from flask_babel import get_locale
from werkzeug.routing import BuildError

from apoa.alerts.labels import KIND_LABELS as ALERT_KIND_LABELS
from apoa.compliance.labels import STATUS_LABELS
from apoa.mail import Mail


@dataclass(frozen=True)
class PlannedMail:
    """One message the run would send, with the ReminderLog row that records it."""

    recipient_key: str  # "reporter:<user id>", "digest:<office id>" or "digest:<office>:<user>"
    kind: str
    day: date  # the recipient's local day
    mail: Mail
    summary: str  # for --dry-run and the run's output: statuses or counts, never guest data


def mail_locale(value: str | None) -> str:
    """Return the language to write to someone in: theirs if the app offers it, else the default."""
    languages = current_app.config.get("LANGUAGES", ("id", "en"))
    default = str(current_app.config.get("BABEL_DEFAULT_LOCALE", "id"))
    return value if value is not None and value in languages else default


def public_url(*endpoints: str, **values: Any) -> str:
    """Return an absolute link under PUBLIC_BASE_URL to the first endpoint that exists.

    Falls back to the home page, so an e-mail never fails over a renamed page.
    """
    base = urlsplit(str(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    for endpoint in endpoints:
        try:
            return adapter.build(endpoint, values, force_external=True)
        except BuildError:
            continue
    return adapter.build("home.index", {}, force_external=True)


def _render(template: str, /, **context: Any) -> str:
    """Render an e-mail template with the app's Jinja environment and no request.

    Not render_template: its context processors build forms with CSRF tokens,
    which need a request and a session that a command does not have.
    """
    env = current_app.jinja_env
    return env.get_template(template).render(
        format_date=lambda value, fmt="long": babel_format_date(value, fmt),
        status_labels=STATUS_LABELS,
        alert_kind_labels=ALERT_KIND_LABELS,
        lang=str(get_locale() or "id"),
        **context,
    )


def render_pair(template: str, /, **context: Any) -> tuple[str, str]:
    """Render an e-mail's plain-text and HTML bodies (templates/reminders/email/)."""
    return (
        _render(f"reminders/email/{template}.txt", **context),
        _render(f"reminders/email/{template}.html", **context),
    )
