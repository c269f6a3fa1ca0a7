"""Reporters' pages: check-in, guests present, check-out, corrections, nil reports, receipts.

Each view binds a form, calls one service and commits once. Every POST that
creates a report runs under its one-time submission key (`submissions.submit_once`):
a double tap, a re-posted form or a retried request returns the first receipt.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from apoa import clock
from apoa.accounts.models import ReporterKind, Role
from apoa.audit.services import record_event
from apoa.db import writes_late, writes_on_get
from apoa.errors import FieldError, FieldErrors, copy_errors_to_form
from apoa.extensions import db
from apoa.forms import Form
from apoa.geocoding.services import get_geocoder
from apoa.inputs import parse_day, row_ids
from apoa.regions.timezones import timezone_for_region
from apoa.reports import bp, mrz_fill, services, submissions
from apoa.reports.cadences import cadence_for
from apoa.reports.forms import (
    AmendForm,
    CancelForm,
    CheckInForm,
    CheckOutForm,
    NilReportForm,
    SearchForm,
    nationality_choices,
)
from apoa.reports.models import Receipt, Stay
from apoa.reports.places import AREA, LocalTime, LodgingChoice
from apoa.reports.receipts import receipt_pdf_bytes
from apoa.scoping import get_visible_or_404, visible
from apoa.security import current_actor, role_required

ReportError = (FieldError, FieldErrors)


@bp.before_request
def reporters_and_officers_only() -> None:
    if current_user.is_authenticated and current_user.role not in (Role.REPORTER, Role.OFFICER):
        abort(403)


def _to_receipt(receipt: Receipt) -> Any:
    return redirect(url_for("reports.receipt", number=receipt.number))


def _submit(form: Any, make_report: Callable[[], Receipt]) -> Receipt:
    """Run a report under the form's one-time key; the request commits there, once."""
    body = submissions.content_hash(
        (name, value) for name in request.form for value in request.form.getlist(name)
    )
    return submissions.submit_once(
        current_actor(), form.submission_key.data, body, make_report, now=clock.now()
    )


def _show_errors(form: Form, error: FieldError | FieldErrors) -> None:
    """Put each error on its field ("guests-1-surname": guest 2), the rest on the form."""
    others = []
    for err in error.errors if isinstance(error, FieldErrors) else [error]:
        field = _field_for(form, err.field)
        if field is not None:
            field.errors = [*field.errors, err.message]
        else:
            others.append(err)
    if others:
        copy_errors_to_form(form, FieldErrors(others))


def _field_for(form: Form, name: str | None) -> Any:
    if not name:
        return None
    if name.startswith("guests-") and "guests" in form:
        _, index, field = name.split("-", 2)
        return form["guests"][int(index)].form[field]
    if "guest" in form and name in form["guest"].form:
        return form["guest"].form[name]
    return None


# ---------------------------------------------------------------- home lists


@bp.get("/")
@role_required(Role.REPORTER)
@writes_on_get
def index() -> Any:
    actor, now = current_actor(), clock.now()
    filters = {name: request.args.get(name, "") for name in ("day", "from", "to")}
    try:
        first = filters["from"] or filters["day"]
        last = filters["to"] or filters["day"]
        days = (parse_day(first), parse_day(last)) if first and last else None
    except ValueError:
        days = None
        flash(_("Enter dates as YYYY-MM-DD."), "error")
    stays = services.list_present(actor, days=days)
    if stays:
        record_event("stay.list", actor=actor, details={"count": len(stays)}, now=now)
        db.session.commit()
    title = (
        _("Guests present from %(start)s to %(end)s", start=days[0], end=days[1])
        if days
        else _("Guests present now")
    )
    local = now.astimezone(
        timezone_for_region(stays[0].location.region_code if stays else actor.area_code)
    )
    return render_template(
        "reports/index.html",
        departure_day=local.date(),
        departure_time=local.strftime("%H:%M"),
        stays=stays,
        overdue=services.overdue_stay_ids(stays, now=now),
        receipts=services.recent_receipts(actor),
        title=title,
        today=now.astimezone(services.reporter_zone(actor)).date(),
        filters=filters,
        checkout=CheckOutForm(formdata=None),
        search=SearchForm(formdata=None),
    )


@bp.post("/search")
@role_required(Role.REPORTER)
def search() -> Any:
    """Search my own guests by name or passport number (POST: never in a URL, R25)."""
    form = SearchForm()
    stays: list[Stay] = []
    if form.validate_on_submit():
        stays = services.search_own_guests(current_actor(), form.q.data)
        record_event("stay.search", actor=current_actor(), details={"results": len(stays)})
        db.session.commit()
    return render_template("reports/search.html", form=form, stays=stays)


# ---------------------------------------------------------------- check-in


@bp.route("/check-in", methods=["GET", "POST"])
@role_required(Role.REPORTER)
@writes_late  # new rows only: persons read, key and receipt conflicts caught at the write
def check_in() -> Any:
    actor, now = current_actor(), clock.now()
    lodgings = services.verified_lodgings(actor)
    form = CheckInForm()
    form.prepare(lodgings if actor.reporter_kind == ReporterKind.LODGING else None)
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
        form.show_arrival(now.astimezone(services.reporter_zone(actor)))
        if actor.area_code is not None and "region_code" in form:
            form.region_code.data, form.rw.data, form.rt.data = actor.area_code, actor.rw, actor.rt
    elif mrz_fill.handle_buttons(form, request.form, today=now.date()):
        pass  # a guest added, removed or filled from the MRZ: show the form again
    elif not form.validate_on_submit():
        _show_guest_errors(form, now)
    else:
        warnings: list[str] | None = None  # read while the new stays are still in memory

        def report() -> Receipt:
            nonlocal warnings
            receipt = services.submit_check_in(
                actor, form.place_choice(), form.guests_data(), form.stay_data(),
                now=now, geocoder=get_geocoder(), head_index=form.head_index(),
            )  # fmt: skip
            warnings = _warnings(receipt.group.stays if receipt.group else [], actor)
            return receipt

        try:
            receipt = _submit(form, report)
        except ReportError as error:
            _show_errors(form, error)
        else:
            flash(_("Report received. Keep the receipt number."), "success")
            if warnings is None:  # a repeat of an earlier submission: its stays from the database
                warnings = _warnings(services.stays_of_receipt(receipt, actor), actor)
            for warning in warnings:
                flash(warning, "warning")
            return _to_receipt(receipt)
    pending = [] if lodgings else services.pending_lodgings(actor)
    return render_template("reports/check_in.html", form=form, lodgings=lodgings, pending=pending)


@bp.post("/mrz")
@role_required(Role.REPORTER)
def read_mrz() -> Any:
    """The check-in form's "Fill from MRZ" in the page: the fields, or what is wrong (JSON)."""
    body = request.get_json(silent=True)
    text = body.get("mrz") if isinstance(body, dict) else None
    if not isinstance(text, str) or len(text) > 400:
        return jsonify(errors=[_("Paste or type both lines of the MRZ.")]), 422
    fields, errors = mrz_fill.read_mrz(text, today=clock.now().date())
    if errors:
        return jsonify(errors=errors), 422
    return jsonify(
        fields={k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}
    )


def _show_guest_errors(form: CheckInForm, now: Any) -> None:
    """A stay field was refused: check the guests too, so every error comes in one round."""
    errors = services.guest_errors(form.guests_data(), now=now)
    fresh = [e for e in errors if (f := _field_for(form, e.field)) is None or not f.errors]
    if fresh:
        _show_errors(form, FieldErrors(fresh))


def _warnings(stays: list[Stay], actor: Any) -> list[str]:
    """What the officer will see flagged, told to the reporter; the report itself is accepted."""
    warnings = []
    for stay in stays:
        name = stay.guest_name
        if stay.flag_passport_expired:
            warnings.append(_("%(name)s: the passport has expired.", name=name))
        if stay.flag_permit_ends_early:
            warnings.append(
                _("%(name)s: the stay permit ends before the expected departure.", name=name)
            )
        if stay.flag_open_elsewhere or stay.flag_duplicate:
            warnings += [_earlier_stay_warning(stay, other, actor) for other in _earlier(stay)]
    return warnings


def _earlier(stay: Stay) -> list[Stay]:
    return [other for other in services.overlapping_stays(stay) if other.id < stay.id]


def _earlier_stay_warning(stay: Stay, earlier: Stay, actor: Any) -> str:
    """Name the earlier report of the same passport: whom, where, which receipt.

    Only the reporter's own earlier report is named; another reporter's guest and
    place stay theirs (R10): the office sees both and checks.
    """
    if earlier.reporter_id != actor.id:
        return _(
            "%(name)s: this passport is already reported as staying at another place."
            " The immigration office will check it.",
            name=stay.guest_name,
        )
    first = earlier.events[0].receipt
    return _(
        "%(name)s: this passport is already reported as %(earlier)s at %(place)s"
        " (receipt %(receipt)s). Check the passport number, or correct the earlier report.",
        name=stay.guest_name,
        earlier=earlier.guest_name,
        place=first.place_name,
        receipt=first.number,
    )


# ---------------------------------------------------------------- one stay


@bp.get("/stays/<int:stay_id>")
@writes_on_get
def stay(stay_id: int) -> Any:
    stay = get_visible_or_404(Stay, stay_id, current_actor())
    record_event("stay.view", actor=current_actor(), object_type="stay", object_id=stay.id)
    db.session.commit()
    return render_template(
        "reports/stay.html",
        stay=stay,
        reported=services.reported_guest(stay),
        cancel_form=CancelForm(formdata=None),
    )


@bp.get("/persons/<int:person_id>")
@writes_on_get
def person(person_id: int) -> Any:
    """A person's stays as a timeline: only the stays the actor may see."""
    stays = services.person_timeline(current_actor(), person_id)
    if not stays:
        abort(404)
    record_event("person.view", actor=current_actor(), object_type="person", object_id=person_id)
    db.session.commit()
    return render_template("reports/person.html", person=stays[0].person, stays=stays)


@bp.route("/stays/<int:stay_id>/amend", methods=["GET", "POST"])
@role_required(Role.REPORTER)
def amend(stay_id: int) -> Any:
    actor, now = current_actor(), clock.now()
    stay = get_visible_or_404(Stay, stay_id, actor, for_update=request.method == "POST")
    form = AmendForm()
    form.guest.form.set_country_choices(nationality_choices())
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
        form.show_stay(stay, services.reported_guest(stay))
    elif form.validate_on_submit():
        try:
            receipt = _submit(form, lambda: services.amend_stay(
                actor, stay, form.guest.form.data_for_rules(), form.stay_data(),
                form.reason.data, now=now,
            ))  # fmt: skip
        except ReportError as error:
            stay = get_visible_or_404(Stay, stay_id, actor)
            _show_errors(form, error)
        else:
            flash(_("Correction received."), "success")
            return _to_receipt(receipt)
    return render_template("reports/amend.html", form=form, stay=stay)


@bp.post("/stays/<int:stay_id>/cancel")
@role_required(Role.REPORTER)
def cancel(stay_id: int) -> Any:
    actor = current_actor()
    stay = get_visible_or_404(Stay, stay_id, actor, for_update=True)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            receipt = _submit(
                form, lambda: services.cancel_stay(actor, stay, form.reason.data, now=clock.now())
            )
        except ReportError as error:
            stay = get_visible_or_404(Stay, stay_id, actor)
            _show_errors(form, error)
        else:
            flash(_("The report is cancelled."), "success")
            return _to_receipt(receipt)
    return render_template(
        "reports/stay.html", stay=stay, reported=services.reported_guest(stay), cancel_form=form
    ), 400


# ---------------------------------------------------------------- check-out


@bp.post("/check-out")
@role_required(Role.REPORTER)
def check_out() -> Any:
    actor = current_actor()
    one = request.form.get("one_stay")  # a guest's own button: that guest alone, ticks aside
    family = request.form.get("family", "").split(",")  # a family's button: all still here
    chosen = [one] if one else family if family != [""] else request.form.getlist("stay_ids")
    ids = row_ids(chosen)
    stays = services.stays_to_check_out(actor, ids)
    if len(stays) != len(ids):
        abort(404)
    form = CheckOutForm()
    if not form.validate_on_submit():
        flash(_("Enter the departure date and time."), "error")
        return redirect(url_for("reports.index"))
    at = LocalTime(form.checked_out_date.data, form.checked_out_time.data)
    if len(stays) > 1 and "confirmed" not in request.form:  # name who leaves, then record
        return render_template("reports/check_out_confirm.html", form=form, stays=stays, at=at)
    try:
        receipt = _submit(
            form, lambda: services.record_check_out(actor, stays, at=at, now=clock.now())
        )
    except ReportError as error:
        flash(str(error), "error")
        return redirect(url_for("reports.index"))
    flash(_("Departure recorded."), "success")
    return _to_receipt(receipt)


# ---------------------------------------------------------------- nil reports


@bp.route("/nil", methods=["GET", "POST"])
@role_required(Role.REPORTER)
def nil_report() -> Any:
    actor, now = current_actor(), clock.now()
    form = NilReportForm()
    periods = services.nil_periods(actor, now=now)
    lodgings = services.verified_lodgings(actor)
    form.offer(periods, lodgings if actor.reporter_kind == ReporterKind.LODGING else None)
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
    elif form.validate_on_submit():
        place = LodgingChoice(form.lodging_id.data) if "lodging_id" in form else AREA
        period = next(p for p in periods if p.start.isoformat() == form.period.data)
        try:
            receipt = _submit(form, lambda: services.file_nil_report(
                actor, place, period, now=now, geocoder=get_geocoder()
            ))  # fmt: skip
        except ReportError as error:
            _show_errors(form, error)
        else:
            flash(_("Nil report received."), "success")
            return _to_receipt(receipt)
    cadence = cadence_for(actor.reporter_kind)
    return render_template("reports/nil.html", form=form, lodgings=lodgings, cadence=cadence)


# ---------------------------------------------------------------- receipts


def _visible_receipt(number: str) -> Receipt:
    receipt = db.session.scalar(visible(Receipt, current_actor()).where(Receipt.number == number))
    if receipt is None:
        abort(404)
    return receipt


@bp.get("/receipts/<number>")
@writes_on_get
def receipt(number: str) -> Any:
    receipt = _visible_receipt(number)
    stays = services.stays_of_receipt(receipt, current_actor())
    record_event("receipt.view", actor=current_actor(), object_type="receipt", object_id=number)
    db.session.commit()
    return render_template("reports/receipt.html", receipt=receipt, stays=stays)


@bp.get("/receipts/<number>.pdf")
@writes_on_get
def receipt_pdf(number: str) -> Any:
    receipt = _visible_receipt(number)
    pdf = receipt_pdf_bytes(
        receipt,
        actor=current_actor(),
        verify_url=url_for("verify.receipt", number=receipt.number, _external=True),
    )
    record_event("receipt.pdf", actor=current_actor(), object_type="receipt", object_id=number)
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{receipt.number}.pdf"'},
    )
