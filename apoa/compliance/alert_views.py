"""The officers' alert queue: overdue check-outs, expired permits, one passport at two
places, location mismatches (issue 6, point 4).

Officers only, each seeing their own office's alerts (scope in
apoa.compliance.alerts). Opening the queue brings the office's alerts up to
date first (at most every ALERT_SCAN_SECONDS per worker), so it is a GET
that writes (`writes_on_get`) and commits once.
Acknowledging, resolving and reopening are POSTs with a note that redirect
back to the alert (POST/Redirect/GET).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from apoa.accounts.models import Role, User
from apoa.audit.services import record_event
from apoa.compliance import alerts
from apoa.compliance.alert_forms import AlertNoteForm
from apoa.compliance.listing import clean_page
from apoa.compliance.models import Alert, AlertKind, AlertStatus
from apoa.db import utcnow, writes_on_get
from apoa.errors import FieldError, copy_errors_to_form
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging
from apoa.regions.queries import region_labels
from apoa.reports.models import Stay
from apoa.scoping import get_visible_or_404, stays_visible_to, visible

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

PER_PAGE = 50
DEFAULT_SCAN_SECONDS = 300
KIND_LABELS = {
    AlertKind.OVERDUE_CHECK_OUT: _l("Overdue check-out"),
    AlertKind.PERMIT_EXPIRED: _l("Permit expired during the stay"),
    AlertKind.OPEN_ELSEWHERE: _l("Staying at two places"),
    AlertKind.LOCATION_MISMATCH: _l("Location mismatch"),
}
STATUS_LABELS = {
    AlertStatus.OPEN: _l("open"),
    AlertStatus.ACKNOWLEDGED: _l("acknowledged"),
    AlertStatus.RESOLVED: _l("resolved"),
}
ACTION_LABELS = {
    "acknowledge": _l("Acknowledged"),
    "resolve": _l("Resolved"),
    "reopen": _l("Reopened"),
}
# The queue's status filter: "active" (open or acknowledged) unless asked otherwise.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "active": alerts.ACTIVE_STATUSES,
    "open": (AlertStatus.OPEN,),
    "acknowledged": (AlertStatus.ACKNOWLEDGED,),
    "resolved": (AlertStatus.RESOLVED,),
    "all": tuple(AlertStatus),
}
STATUS_FILTER_LABELS = {
    "active": _l("Open or acknowledged"),
    "open": _l("Not yet acknowledged"),
    "acknowledged": _l("Acknowledged"),
    "resolved": _l("Resolved"),
    "all": _l("All"),
}
SORTS = {"newest": _l("Newest first"), "oldest": _l("Oldest first")}
DONE_MESSAGES = {
    "acknowledge": _l("Alert acknowledged."),
    "resolve": _l("Alert resolved."),
    "reopen": _l("Alert reopened."),
}
# The note's label says what each step's note should tell the colleagues who read it.
NOTE_LABELS = {
    "acknowledge": _l("What are you checking?"),
    "resolve": _l("What was found or done?"),
    "reopen": _l("Why does it need attention again?"),
}
SERVICES = {
    "acknowledge": alerts.acknowledge_alert,
    "resolve": alerts.resolve_alert,
    "reopen": alerts.reopen_alert,
}


def _note_form(action: str, *, bound: bool) -> AlertNoteForm:
    form = AlertNoteForm(prefix=action) if bound else AlertNoteForm(prefix=action, formdata=None)
    form.note.label.text = NOTE_LABELS[action]
    return form


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.before_request
def officers_only() -> None:
    # Alerts name guests: officers only; admins get national counts on their dashboard.
    if current_user.is_authenticated and current_user.role != Role.OFFICER:
        abort(403)


def _labels() -> dict[str, Any]:
    return {
        "alert_kind_labels": KIND_LABELS,
        "alert_status_labels": STATUS_LABELS,
        "alert_action_labels": ACTION_LABELS,
    }


def _stays(ids: list[int], actor: User) -> dict[int, Stay]:
    """Load the alerts' stays the officer may see, with what the pages show of them."""
    if not ids:
        return {}
    rows = db.session.scalars(
        stays_visible_to(actor)
        .where(Stay.id.in_(ids))
        .options(
            so.selectinload(Stay.lodging),
            so.selectinload(Stay.location),
            so.selectinload(Stay.person),
        )
    )
    return {stay.id: stay for stay in rows}


def _locations(ids: list[int], actor: User) -> dict[int, Location]:
    if not ids:
        return {}
    rows = db.session.scalars(visible(Location, actor).where(Location.id.in_(ids)))
    return {location.id: location for location in rows}


def _refresh(office_id: int | None, now: datetime) -> bool:
    """Bring the office's alerts up to date unless this worker did so in the last few minutes.

    A scan reads every open stay of the office; once per ALERT_SCAN_SECONDS
    (default 300) per worker and office keeps the queue quick at national scale.
    Departures long gone are left to the daily scan. Returns whether it scanned.
    """
    every = current_app.config.get("ALERT_SCAN_SECONDS", DEFAULT_SCAN_SECONDS)
    last = current_app.extensions.setdefault("apoa_alert_scans", {}).get(office_id)
    if last is not None and now - last < timedelta(seconds=every):
        return False
    alerts.raise_due_alerts(office_id, now=now, departures=False)
    return True


def _area_labels(stays: list[Stay], locations: list[Location]) -> dict[str, str]:
    codes = {s.location.region_code for s in stays} | {loc.region_code for loc in locations}
    return region_labels(sorted(c for c in codes if c))


# ---------------------------------------------------------------- the queue


@bp.get("/")
@writes_on_get
def index() -> Any:
    actor = _actor()
    now = utcnow()
    scanned = _refresh(actor.office_id, now)

    status = request.args.get("status", "active")
    status = status if status in STATUS_FILTERS else "active"
    kind = request.args.get("kind", "")
    kind = kind if kind in set(AlertKind) else ""
    sort = request.args.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"

    in_status = visible(Alert, actor).where(Alert.status.in_(STATUS_FILTERS[status]))
    counts = dict.fromkeys(AlertKind, 0)
    for row_kind, n in db.session.execute(
        in_status.with_only_columns(Alert.kind, sa.func.count(Alert.id)).group_by(Alert.kind)
    ):
        counts[AlertKind(row_kind)] = n
    query = in_status.where(Alert.kind == kind) if kind else in_status
    order = (
        (Alert.raised_at, Alert.id)
        if sort == "oldest"
        else (Alert.raised_at.desc(), Alert.id.desc())
    )
    page = db.paginate(
        query.order_by(*order),
        page=clean_page(request.args.get("page")),
        per_page=PER_PAGE,
        error_out=False,
    )
    stays = _stays([a.stay_id for a in page.items if a.stay_id], actor)
    locations = _locations([a.location_id for a in page.items if a.location_id], actor)
    if stays:
        # The list names guests: reading it is a view of personal data (security.md R16),
        # recorded with the stays shown so a breach query can name them (R19).
        record_event(
            "alert.list", actor=actor, details={"count": len(stays), "stays": sorted(stays)}
        )
    # Rendered before the commit, which would expire every row the page shows.
    html = render_template(
        "compliance/alerts.html",
        page=page,
        counts=counts,
        total=sum(counts.values()),
        stays=stays,
        locations=locations,
        areas=_area_labels(list(stays.values()), list(locations.values())),
        filters={"status": status, "kind": kind, "sort": sort},
        status_filters=STATUS_FILTER_LABELS,
        sorts=SORTS,
        **_labels(),
    )
    db.session.commit()
    if scanned:  # only once it is committed
        current_app.extensions["apoa_alert_scans"][actor.office_id] = now
    return html


# ---------------------------------------------------------------- one alert


def _render_alert(
    alert: Alert, forms: dict[str, AlertNoteForm] | None = None, code: int = 200
) -> tuple[str, int]:
    """Show one alert with its stay or location, audit the view, commit, and answer."""
    actor = _actor()
    stay = _stays([alert.stay_id], actor).get(alert.stay_id) if alert.stay_id else None
    location = (
        _locations([alert.location_id], actor).get(alert.location_id) if alert.location_id else None
    )
    elsewhere = (
        alerts.open_elsewhere(stay, actor)
        if stay is not None and alert.kind == AlertKind.OPEN_ELSEWHERE
        else alerts.Elsewhere(visible=[], hidden=0)
    )
    lodging = (
        db.session.scalar(visible(Lodging, actor).where(Lodging.location_id == location.id))
        if location is not None
        else None
    )
    shown = [s for s in (stay, *elsewhere.visible) if s is not None]
    record_event(
        "alert.view",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        details={"kind": alert.kind, "stays": [s.id for s in shown]},
    )
    forms = forms or {}
    for action in alerts.ACTIONS:
        forms.setdefault(action, _note_form(action, bound=False))
    # Rendered before the commit, which would expire every row the page shows.
    html = render_template(
        "compliance/alert.html",
        alert=alert,
        stay=stay,
        location=location,
        lodging=lodging,
        elsewhere=elsewhere,
        areas=_area_labels(shown, [location] if location is not None else []),
        history=[(a, alerts.note_text(a)) for a in alert.actions],
        forms=forms,
        **_labels(),
    )
    db.session.commit()
    return html, code


@bp.get("/<int:alert_id>")
@writes_on_get
def detail(alert_id: int) -> Any:
    return _render_alert(get_visible_or_404(Alert, alert_id, _actor()))


def _act(alert_id: int, action: str) -> Any:
    actor = _actor()
    # Locked (PostgreSQL) or behind BEGIN IMMEDIATE (SQLite): two officers acting at
    # once take turns, and the second sees the first's step.
    alert = get_visible_or_404(Alert, alert_id, actor, for_update=True)
    form = _note_form(action, bound=True)
    if form.validate_on_submit():
        try:
            SERVICES[action](actor, alert, form.note.data, now=utcnow())
        except FieldError as error:
            db.session.rollback()
            if error.field is None:
                # The alert moved on meanwhile (a colleague resolved it): show where it is.
                flash(str(error.message), "error")
                return redirect(url_for("alerts.detail", alert_id=alert_id))
            copy_errors_to_form(form, error)
        else:
            db.session.commit()
            flash(str(DONE_MESSAGES[action]), "success")
            return redirect(url_for("alerts.detail", alert_id=alert_id))
    db.session.rollback()
    alert = get_visible_or_404(Alert, alert_id, actor)
    return _render_alert(alert, {action: form}, 400)


@bp.post("/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int) -> Any:
    return _act(alert_id, "acknowledge")


@bp.post("/<int:alert_id>/resolve")
def resolve(alert_id: int) -> Any:
    return _act(alert_id, "resolve")


@bp.post("/<int:alert_id>/reopen")
def reopen(alert_id: int) -> Any:
    return _act(alert_id, "reopen")
