"""The officers' alert queue: the list, one alert, and the officers' steps on it.

Officers only, each seeing their own office's alerts (scope in
apoa.alerts.queries). Opening the queue brings the office's alerts up to
date first (at most every ALERT_SCAN_SECONDS per worker), so it is a GET
that writes (`writes_on_get`) and commits once.
Acknowledging, resolving and reopening are POSTs with a note that redirect
back to the alert (POST/Redirect/GET).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
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

from apoa import clock
from apoa.accounts.models import Role
from apoa.alerts import bp, queries, services
from apoa.alerts.forms import AlertNoteForm
from apoa.alerts.labels import (
    ACTION_LABELS,
    KIND_LABELS,
    SORT_LABELS,
    STATUS_FILTER_LABELS,
    STATUS_LABELS,
)
from apoa.alerts.models import Alert
from apoa.audit.services import record_event
from apoa.db import writes_on_get
from apoa.errors import FieldError, copy_errors_to_form
from apoa.extensions import db
from apoa.geocoding.models import Location
from apoa.inputs import page_number
from apoa.regions.queries import region_labels
from apoa.reports.models import Stay
from apoa.scoping import get_visible_or_404, own_office
from apoa.security import current_actor

PER_PAGE = 50
DEFAULT_SCAN_SECONDS = 300
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
    "acknowledge": services.acknowledge_alert,
    "resolve": services.resolve_alert,
    "reopen": services.reopen_alert,
}


def _note_form(action: str, *, bound: bool) -> AlertNoteForm:
    form = AlertNoteForm(prefix=action) if bound else AlertNoteForm(prefix=action, formdata=None)
    form.note.label.text = NOTE_LABELS[action]
    return form


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
    services.raise_due_alerts(office_id, now=now, departures=False)
    return True


def _area_labels(stays: list[Stay], locations: list[Location]) -> dict[str, str]:
    codes = {s.location.region_code for s in stays} | {loc.region_code for loc in locations}
    return region_labels(sorted(c for c in codes if c))


# ---------------------------------------------------------------- the queue


@bp.get("/")
@writes_on_get
def index() -> Any:
    actor = current_actor()
    now = clock.now()
    scanned = _refresh(own_office(actor), now)
    filters = queries.QueueFilters.from_args(request.args)
    counts = queries.queue_counts(actor, filters)
    page = db.paginate(
        queries.queue_query(actor, filters),
        page=page_number(request.args.get("page")),
        per_page=PER_PAGE,
        error_out=False,
    )
    stays = queries.stays_shown([a.stay_id for a in page.items if a.stay_id], actor)
    locations = queries.locations_shown([a.location_id for a in page.items if a.location_id], actor)
    if stays:
        # The list names guests: reading it is a view of personal data (security.md R16),
        # recorded with the stays shown so a breach query can name them (R19).
        details = {"count": len(stays), "stays": sorted(stays)}
        record_event("alert.list", actor=actor, details=details, now=now)
    # Rendered before the commit, which would expire every row the page shows.
    html = render_template(
        "alerts/index.html",
        page=page,
        counts=counts,
        total=sum(counts.values()),
        stays=stays,
        locations=locations,
        areas=_area_labels(list(stays.values()), list(locations.values())),
        filters=filters.as_args(),
        status_filters=STATUS_FILTER_LABELS,
        sorts=SORT_LABELS,
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
    actor = current_actor()
    subject = queries.alert_subject(alert, actor)
    record_event(
        "alert.view",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        details={"kind": alert.kind, "stays": [s.id for s in subject.stays]},
        now=clock.now(),
    )
    forms = forms or {}
    for action in services.ACTIONS:
        forms.setdefault(action, _note_form(action, bound=False))
    # Rendered before the commit, which would expire every row the page shows.
    html = render_template(
        "alerts/detail.html",
        alert=alert,
        stay=subject.stay,
        location=subject.location,
        lodging=subject.lodging,
        elsewhere=subject.elsewhere,
        areas=_area_labels(subject.stays, [subject.location] if subject.location else []),
        history=[(a, queries.note_text(a)) for a in alert.actions],
        forms=forms,
        **_labels(),
    )
    db.session.commit()
    return html, code


@bp.get("/<int:alert_id>")
@writes_on_get
def detail(alert_id: int) -> Any:
    return _render_alert(get_visible_or_404(Alert, alert_id, current_actor()))


def _act(alert_id: int, action: str) -> Any:
    actor = current_actor()
    # Locked (PostgreSQL) or behind BEGIN IMMEDIATE (SQLite): two officers acting at
    # once take turns, and the second sees the first's step.
    alert = get_visible_or_404(Alert, alert_id, actor, for_update=True)
    form = _note_form(action, bound=True)
    if form.validate_on_submit():
        try:
            SERVICES[action](actor, alert, form.note.data, now=clock.now())
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
