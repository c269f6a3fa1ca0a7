"""The dashboard's figures with their labels: what the page shows and data.json returns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel.dates import format_skeleton
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from apoa.alerts.labels import KIND_LABELS as ALERT_KIND_LABELS
from apoa.compliance.labels import STATUS_LABELS
from apoa.compliance.queries import STATUS_ORDER
from apoa.dashboard.figures import OTHERS, Figures
from apoa.extensions import db
from apoa.regions.models import Region
from apoa.regions.timezones import zone_label
from apoa.reports.codes import country_name
from apoa.reports.forms import PERMIT_LABELS

_REGENCY_PREFIXES = ("Kota Administrasi ", "Kabupaten Administrasi ", "Kabupaten ", "Kota ")


def _locale() -> str:
    return str(get_locale() or "id")


def _nationality_labels(keys: list[str]) -> dict[str, str]:
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
            "label": others if key == OTHERS else labels.get(key, key),
            "n": n,
        }
        for key, n in pairs
    ]


def _status_url(status: str, *, officer: bool) -> str | None:
    """The officers' compliance list filtered by one status (admins have no list of names)."""
    if not officer:
        return None
    try:
        return url_for("compliance.index", status=status)
    except BuildError:  # the list's endpoint is not registered (yet)
        return f"/compliance/?status={status}"


def _alerts_url(*, officer: bool, **args: Any) -> str | None:
    """The officers' alert queue (optionally of one kind); admins have no queue of guests."""
    if not officer:
        return None
    try:
        return url_for("alerts.index", **args)
    except BuildError:  # the queue's endpoint is not registered (yet)
        return None


def present(figures: Figures, scope_name: str, *, officer: bool) -> dict[str, Any]:
    """The figures with labels, as the page and data.json both give them.

    `officer`: link the counts to the officer's list and alert queue (admins get none).
    """
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
                    "url": _status_url(status.value, officer=officer),
                }
                for status in STATUS_ORDER
            ],
        },
        "alerts": {
            "open": figures.open_alerts,
            "url": _alerts_url(officer=officer),
            "kinds": [
                {
                    "kind": kind,
                    "label": str(label),
                    "n": figures.alerts.get(kind, 0),
                    "url": _alerts_url(officer=officer, kind=kind),
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
