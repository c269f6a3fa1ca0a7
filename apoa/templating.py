"""What every template can use: labels, the logout form, date formatting."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_datetime as babel_format
from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from apoa.accounts.labels import KIND_LABELS, ROLE_LABELS
from apoa.forms import EmptyForm
from apoa.lodgings.forms import KIND_CHOICES as LODGING_KIND_CHOICES
from apoa.regions.timezones import timezone_for_region, zone_label
from apoa.reports.forms import PERMIT_LABELS, PURPOSE_LABELS, SEX_LABELS

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


RECEIPT_KIND_LABELS = {
    "check_in": _l("Arrival (check-in)"),
    "amend": _l("Correction"),
    "check_out": _l("Departure (check-out)"),
    "cancel": _l("Cancellation"),
    "nil": _l("Nil report"),
}
EVENT_KIND_LABELS = {
    "check_in": _l("Arrival (check-in)"),
    "amend": _l("Correction"),
    "check_out": _l("Departure (check-out)"),
    "cancel": _l("Cancellation"),
}
STAY_STATUS_LABELS = {
    "open": _l("staying"),
    "checked_out": _l("left"),
    "cancelled": _l("cancelled"),
}


def _format_dt(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else "–"


def local_datetime(value: datetime | None, region_code: str | None, fmt: str = "medium") -> str:
    """Format a time in the place's own zone, with WIB/WITA/WIT."""
    if value is None:
        return "–"
    zone = timezone_for_region(region_code)
    text = babel_format(value, fmt, tzinfo=zone, locale=str(get_locale() or "id"))
    return f"{text} {zone_label(zone)}"


def mask_passport(number: str | None) -> str:
    """Show a passport number as C01****40 in lists (security.md R25): at least half hidden."""
    if not number:
        return ""
    head, tail = (3, 2) if len(number) >= 9 else (2, 2) if len(number) >= 7 else (1, 1)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


def _snapshot_text(snapshot: str) -> str:
    data = json.loads(snapshot)
    return "\n".join(
        f"{key}: {value}" for key, value in sorted(data.items()) if value not in (None, "")
    )


def _url_with(**changes: Any) -> str:
    """Return the current URL with some query arguments replaced (for pagination and sorting)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    return request.path + ("?" + urlencode(args) if args else "")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["dt"] = _format_dt
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["mask"] = mask_passport
    app.jinja_env.filters["snapshot_text"] = _snapshot_text
    app.jinja_env.globals["uuid4"] = lambda: str(uuid.uuid4())
    app.jinja_env.globals.update(
        receipt_kind_labels=RECEIPT_KIND_LABELS,
        event_kind_labels=EVENT_KIND_LABELS,
        stay_status_labels=STAY_STATUS_LABELS,
        sex_labels=SEX_LABELS,
        permit_labels=PERMIT_LABELS,
        purpose_labels=PURPOSE_LABELS,
    )
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
