"""The dashboard: an office's figures for its officers, the country's (or one office's) for admins.

Issue 6, point 5. Aggregates only: no guest, passport, reporter or lodging is
named (districts and offices are), so viewing it reads no personal data and is
not audited (security.md R16 audits views of personal data). Officers always
see their own office (`?office=` is ignored for them); admins see the whole
country, or one office, or the places no office covers, chosen with `?office=`.
`/dashboard/data.json` gives the same figures as JSON, scoped the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.dates import format_skeleton
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from apoa.accounts.models import Role
from apoa.compliance import dashboard
from apoa.compliance.alert_views import KIND_LABELS as ALERT_KIND_LABELS
from apoa.compliance.listing import STATUS_LABELS
from apoa.compliance.models import NO_OFFICE
from apoa.compliance.queries import STATUS_ORDER
from apoa.db import utcnow
from apoa.extensions import db
from apoa.regions.models import Office, Region
from apoa.regions.timezones import zone_label
from apoa.security import role_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

_REGENCY_PREFIXES = ("Kota Administrasi ", "Kabupaten Administrasi ", "Kabupaten ", "Kota ")


# ---------------------------------------------------------------- scope


def _scope() -> tuple[int | None, str]:
    """The office whose figures to show (None: the country) and the scope's name."""
    if current_user.role == Role.OFFICER:
        if current_user.office_id is None:
            abort(403)
        # An officer's dashboard is their office's, whatever ?office= says (R10).
        return current_user.office_id, current_user.office.name
    raw = request.args.get("office", "").strip()
    if not raw:
        return None, _("All offices (national)")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(404)
    office_id = int(raw)
    if office_id == NO_OFFICE:
        return NO_OFFICE, _("Places no office covers")
    office = db.session.get(Office, office_id)
    if office is None:
        abort(404)
    return office.id, office.name


# ---------------------------------------------------------------- labels


def _locale() -> str:
    return str(get_locale() or "id")


def _nationality_labels(keys: list[str]) -> dict[str, str]:
    from apoa.reports.codes import country_name

    locale = _locale()
    return {key: f"{country_name(key, locale)} ({key})" for key in keys}


def _short_regency(name: str) -> str:
    for prefix in _REGENCY_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _district_labels(keys: list[str]) -> dict[str, str]:
    """ "Kuta (Badung)": district names repeat across regencies, so name the regency too."""
    regency = so.aliased(Region)
    rows = db.session.execute(
        sa.select(Region.code, Region.name, regency.name)
        .join(regency, regency.code == Region.parent_code, isouter=True)
        .where(Region.code.in_([k for k in keys if k]))
    )
    names = {
        code: f"{name} ({_short_regency(parent)})" if parent else name
        for code, name, parent in rows
    }
    return {key: names.get(key) or key or _("Unknown area") for key in keys}


def _slices(pairs: list[tuple[str, int]], labels: dict[str, str], others: str) -> list[dict]:
    return [
        {
            "key": key,
            "label": others if key == dashboard.OTHERS else labels.get(key, key),
            "n": n,
        }
        for key, n in pairs
    ]


def _status_url(status: str) -> str | None:
    """The officers' compliance list filtered by one status (admins have no list of names)."""
    if current_user.role != Role.OFFICER:
        return None
    try:
        return url_for("compliance.index", status=status)
    except BuildError:  # the list's endpoint is not registered (yet)
        return f"/compliance/?status={status}"


def _alerts_url(**args: str) -> str | None:
    """The officers' alert queue (optionally of one kind); admins have no queue of guests."""
    if current_user.role != Role.OFFICER:
        return None
    try:
        return url_for("alerts.index", **args)
    except BuildError:  # the queue's endpoint is not registered (yet)
        return None


def present(figures: dashboard.Figures, scope_name: str) -> dict[str, Any]:
    """The figures with labels, as the page and data.json both give them."""
    from apoa.reports.forms import PERMIT_LABELS

    locale = _locale()
    keys = [key for key, _n in figures.by_nationality]
    share = figures.change_share
    return {
        "scope": {
            "office_id": figures.office_id,
            "name": scope_name,
            "national": figures.office_id is None,
            "today": figures.today.isoformat(),
            "zone": zone_label(figures.zone),
            "week_start": figures.week_start.isoformat(),
            "compared_with": figures.day_before.isoformat(),
        },
        "present": {
            "now": figures.present_now,
            "before": figures.present_before,
            "change": figures.change,
            "change_percent": round(share * 100, 1) if share is not None else None,
        },
        "reports": {
            "today": figures.reports_today,
            "week": figures.reports_week,
            "late_week": figures.late_week,
            "nil_week": figures.nil_week,
        },
        "compliance": {
            "places": figures.places,
            "rate_percent": (
                round(figures.compliance_rate * 100, 1)
                if figures.compliance_rate is not None
                else None
            ),
            "statuses": [
                {
                    "status": status.value,
                    "label": str(STATUS_LABELS[status.value]),
                    "n": figures.status_counts.get(status.value, 0),
                    "url": _status_url(status.value),
                }
                for status in STATUS_ORDER
            ],
        },
        "alerts": {
            "open": figures.open_alerts,
            "url": _alerts_url(),
            "kinds": [
                {
                    "kind": kind.value,
                    "label": str(label),
                    "n": figures.alerts.get(kind.value, 0),
                    "url": _alerts_url(kind=kind.value),
                }
                for kind, label in ALERT_KIND_LABELS.items()
            ],
        },
        "nationality": _slices(
            figures.by_nationality, _nationality_labels(keys), _("Other nationalities")
        ),
        "permit": _slices(
            figures.by_permit,
            {key: str(label) for key, label in PERMIT_LABELS.items()},
            _("Other permits"),
        ),
        "district": _slices(
            figures.by_district,
            _district_labels([key for key, _n in figures.by_district]),
            _("Other districts"),
        ),
        "trend": [
            {
                "month": month.start.strftime("%Y-%m"),
                "label": format_skeleton("yMMM", month.start, locale=locale),
                "arrivals": month.arrivals,
                "present": month.present,
            }
            for month in figures.trend
        ],
    }


def _data() -> tuple[dict[str, Any], int | None]:
    office_id, name = _scope()
    return present(dashboard.figures(office_id, now=utcnow()), name), office_id


# ---------------------------------------------------------------- views


@bp.get("/")
@role_required(Role.OFFICER, Role.ADMIN)
def index() -> Any:
    data, office_id = _data()
    offices = (
        db.session.execute(sa.select(Office.id, Office.name).order_by(Office.name)).all()
        if current_user.role == Role.ADMIN
        else []
    )
    return render_template(
        "compliance/dashboard.html",
        data=data,
        office_id=office_id,
        offices=offices,
        no_office=NO_OFFICE,
        number=format_decimal,
        day=lambda iso: format_date(date.fromisoformat(iso), "medium"),
        percent=lambda value: format_percent(value / 100, "#,##0.#%"),
    )


@bp.get("/data.json")
@role_required(Role.OFFICER, Role.ADMIN)
def data_json() -> Any:
    data, _office_id = _data()
    return data
