"""What every template can use: labels, the logout form, date formatting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from apoa.forms import EmptyForm

ROLE_LABELS = {"reporter": _l("Reporter"), "officer": _l("Officer"), "admin": _l("Admin")}
KIND_LABELS = {
    "lodging": _l("Lodging operator"),
    "rt_rw": _l("RT/RW official"),
    "lurah": _l("Lurah / village head"),
}


def _format_dt(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else "–"


def _url_with(**changes: Any) -> str:
    """Return the current URL with some query arguments replaced (for pagination and sorting)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    from urllib.parse import urlencode

    return request.path + ("?" + urlencode(args) if args else "")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["dt"] = _format_dt
    app.jinja_env.globals["url_with"] = _url_with

    @app.context_processor
    def common() -> dict[str, Any]:
        return {
            "role_labels": ROLE_LABELS,
            "kind_labels": KIND_LABELS,
            "logout_form": EmptyForm(formdata=None),  # never bind: error pages render it too
            "current_locale": str(get_locale() or "id"),
        }
