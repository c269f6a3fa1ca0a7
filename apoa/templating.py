"""What every template can use: labels, the logout form, date formatting."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from flask import Flask, g, has_request_context, request
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from apoa.accounts.labels import KIND_LABELS, ROLE_LABELS
from apoa.audit.labels import ACTION_LABELS, OBJECT_LABELS, OUTCOME_LABELS
from apoa.forms import EmptyForm, error_list
from apoa.lodgings.forms import KIND_CHOICES as LODGING_KIND_CHOICES
from apoa.regions.queries import office_zone
from apoa.regions.timezones import WIB, timezone_for_region, zone_label
from apoa.reports.codes import country_name
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


def _viewer_zone() -> ZoneInfo:
    """The zone a page without a place of its own shows times in: an officer's office's,
    WIB for everyone else (admins work for the whole country). Read once per request."""
    if "apoa_viewer_zone" not in g:
        user = g.get("_login_user")
        office_id = getattr(user, "office_id", None) if user is not None else None
        g.apoa_viewer_zone = office_zone(office_id) if office_id else WIB
    zone: ZoneInfo = g.apoa_viewer_zone
    return zone


def viewer_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A time in the viewer's zone, always with its label (WIB/WITA/WIT)."""
    if not value:
        return "–"
    return _in_zone(value, _viewer_zone() if has_request_context() else WIB, fmt)


def decimal(value: float | int | None, digits: int | None = None) -> str:
    """Format a number for the user's language: "1.234,5" in Indonesian, "1,234.5" in English.

    `digits` fixes the decimals shown ("24,0 km"); without it Babel's default applies.
    Python's "%.1f" always wrote a decimal point (issue 12, point 4).
    """
    if value is None:
        return "–"
    if digits is None:
        return str(format_decimal(value))
    return str(format_decimal(value, "#,##0." + "0" * digits if digits > 0 else "#,##0"))


def local_datetime(value: datetime | None, region_code: str | None, fmt: str = "medium") -> str:
    """Format a time in the place's own zone, with WIB/WITA/WIT."""
    if value is None:
        return "–"
    return _in_zone(value, timezone_for_region(region_code), fmt)


def _in_zone(value: datetime, zone: ZoneInfo, fmt: str) -> str:
    """The day in its one form ("8 Des 2026"), the time ("08.38", with seconds for
    "medium"), and the zone's label: one way of writing a moment on every page."""
    locale = str(get_locale() or "id")
    day = babel_format_date(value.astimezone(zone).date(), "medium", locale=locale)
    clock_time = babel_format_time(
        value, "short" if fmt == "short" else "medium", tzinfo=zone, locale=locale
    )
    return f"{day} {clock_time} {zone_label(zone)}"


def mask_passport(number: str | None) -> str:
    """Show a passport number as C01****40 in lists (security.md R25): at least half hidden."""
    if not number:
        return ""
    head, tail = (3, 2) if len(number) >= 9 else (2, 2) if len(number) >= 7 else (1, 1)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


# A version's fields as the stay page shows them, in the form's order and words.
VERSION_LABELS = {
    "surname": _l("Surname"),
    "given_names": _l("Given names"),
    "sex": _l("Sex"),
    "birth_date": _l("Date of birth"),
    "birth_place": _l("Place of birth"),
    "nationality": _l("Nationality"),
    "passport_number": _l("Passport number"),
    "issuing_country": _l("Issuing country"),
    "passport_expiry": _l("Passport valid until"),
    "permit_type": _l("Stay permit"),
    "permit_number": _l("Permit or visa number"),
    "permit_expiry": _l("Permit valid until"),
    "purpose": _l("Purpose of visit"),
    "phone": _l("Phone (optional)"),
    "room": _l("Room or unit"),
    "check_in_at": _l("Arrival"),
    "expected_check_out": _l("Expected departure"),
    "checked_out_at": _l("Departure"),
    "status": _l("Status"),
}


def _medium_day(value: date | str | None) -> str:
    """A calendar day as every page shows it ("7 Des 2026"), from a date or ISO text."""
    if not value:
        return "–"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return str(format_date(day, "medium"))


def version_fields(snapshot: str, region_code: str | None) -> list[tuple[str, str]]:
    """What one version of a stay said, as (label, value): translated, dated, masked.

    The snapshot is JSON with the service's keys (reports.services.snapshot); a raw dump
    showed English keys, two offsets of one moment and the full passport number.
    """
    data = json.loads(snapshot)
    shown = {
        "sex": lambda v: str(SEX_LABELS.get(v, v)),
        "permit_type": lambda v: str(PERMIT_LABELS.get(v, v)),
        "purpose": lambda v: str(PURPOSE_LABELS.get(v, v)),
        "status": lambda v: str(STAY_STATUS_LABELS.get(v, v)),
        "passport_number": mask_passport,
        "check_in_at": lambda v: local_datetime(datetime.fromisoformat(v), region_code),
        "checked_out_at": lambda v: local_datetime(datetime.fromisoformat(v), region_code),
        # Calendar days as every page shows them ("7 Des 2026"), not ISO.
        **{
            key: _medium_day
            for key in ("birth_date", "passport_expiry", "permit_expiry", "expected_check_out")
        },
    }
    fields = [
        (str(label), shown.get(key, str)(data[key]))
        for key, label in VERSION_LABELS.items()
        if data.get(key) not in (None, "")
    ]
    if data.get("is_minor"):
        fields.append((str(_l("minor")), str(_l("Yes"))))
    return fields


def _url_with(**changes: Any) -> str:
    """Return the current URL with some query arguments replaced (for pagination and sorting)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    return request.path + ("?" + urlencode(args) if args else "")


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["dt"] = viewer_datetime
    app.jinja_env.filters["day"] = _medium_day
    # A nationality as its name in the page's language ("Jerman", not "D").
    app.jinja_env.filters["country"] = lambda code: (
        country_name(code, str(get_locale() or "id")) if code else ""
    )
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["mask"] = mask_passport
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.globals["version_fields"] = version_fields
    app.jinja_env.globals["error_list"] = error_list
    app.jinja_env.globals["uuid4"] = lambda: str(uuid.uuid4())
    app.jinja_env.globals.update(
        receipt_kind_labels=RECEIPT_KIND_LABELS,
        event_kind_labels=EVENT_KIND_LABELS,
        stay_status_labels=STAY_STATUS_LABELS,
        sex_labels=SEX_LABELS,
        permit_labels=PERMIT_LABELS,
        purpose_labels=PURPOSE_LABELS,
        audit_action_labels=ACTION_LABELS,
        audit_outcome_labels=OUTCOME_LABELS,
        audit_object_labels=OBJECT_LABELS,
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
