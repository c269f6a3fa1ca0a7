"""What every template can use: labels, the logout form, date formatting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from apoa.forms import EmptyForm
from apoa.lodgings.forms import KIND_CHOICES as LODGING_KIND_CHOICES

ROLE_LABELS = {"reporter": _l("Reporter"), "officer": _l("Officer"), "admin": _l("Admin")}
KIND_LABELS = {
    "lodging": _l("Lodging operator"),
    "rt_rw": _l("RT/RW official"),
    "lurah": _l("Lurah / village head"),
}
LODGING_STATUS_LABELS = {
    "pending": _l("Waiting for verification"),
    "verified": _l("Verified"),
    "rejected": _l("Rejected"),
}
PRECISION_LABELS = {
    "gps": _l("exact point (pin)"),
    "street": _l("street"),
    "village": _l("village centre"),
    "district": _l("district centre"),
    "regency": _l("regency centre"),
    "province": _l("province centre"),
}
REVIEW_REASON_LABELS = {
    "coarse": _l("located only roughly"),
    "mismatch": _l("pin far from the chosen village"),
    "ambiguous": _l("more than one place fits"),
    "not_found": _l("address not found"),
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
            "lodging_status_labels": LODGING_STATUS_LABELS,
            "lodging_kind_labels": {c.value: c.label for c in LODGING_KIND_CHOICES},
            "precision_labels": PRECISION_LABELS,
            "review_reason_labels": REVIEW_REASON_LABELS,
            "logout_form": EmptyForm(formdata=None),  # never bind: error pages render it too
            "current_locale": str(get_locale() or "id"),
        }
