"""Reporters' pages: check-in, guests present, check-out, corrections, nil reports, receipts.

Every POST that creates a report carries a one-time submission key: a double
tap, a re-posted form or a retried request returns the first receipt.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from apoa.accounts.models import ReporterKind, Role, User
from apoa.audit.services import record_event
from apoa.db import utcnow, writes_on_get
from apoa.errors import FieldError, FieldErrors, copy_errors_to_form
from apoa.extensions import db
from apoa.geocoding.services import get_geocoder, locate
from apoa.lodgings.models import Lodging, LodgingStatus
from apoa.lodgings.views import gps_from_form
from apoa.regions.timezones import timezone_for_region
from apoa.reports import codes, mrz, services
from apoa.reports.forms import (
    AmendForm,
    CancelForm,
    CheckInForm,
    CheckOutForm,
    GuestForm,
    NilReportForm,
    SearchForm,
    nationality_choices,
)
from apoa.reports.messages import mrz_error_message
from apoa.reports.models import Person, Receipt, Stay, StayStatus
from apoa.reports.periods import period_containing, previous_period
from apoa.scoping import get_visible_or_404, stays_visible_to, visible
from apoa.security import role_required

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.before_request
def reporters_and_officers_only() -> None:
    if current_user.is_authenticated and current_user.role not in (Role.REPORTER, Role.OFFICER):
        abort(403)


def _reporter_zone(actor: User) -> Any:
    """Return the time zone the reporter works in: their area's, or their first lodging's."""
    if actor.area_code:
        return timezone_for_region(actor.area_code)
    lodgings = _verified_lodgings(actor)
    return timezone_for_region(lodgings[0].location.region_code if lodgings else None)


def _local(day: date, time_of_day: Any, region_code: str | None) -> datetime:
    """Turn a date and time typed at the place into an aware datetime in its time zone."""
    return datetime.combine(day, time_of_day, tzinfo=timezone_for_region(region_code))


def _verified_lodgings(actor: User) -> list[Lodging]:
    return list(
        db.session.scalars(
            visible(Lodging, actor)
            .where(Lodging.status == LodgingStatus.VERIFIED)
            .order_by(Lodging.name)
        )
    )


def _redirect_to_receipt(receipt: Receipt) -> Any:
    return redirect(url_for("reports.receipt", number=receipt.number))


def _commit_with_key(key: str | None, receipt: Receipt) -> Receipt:
    """Store the key with its result and commit once; a concurrent twin gets the first result."""
    claimed = db.session.get(services.SubmissionKey, (_actor().id, key or ""))
    if claimed is not None:
        claimed.receipt_id = receipt.id
    try:
        db.session.commit()
    except IntegrityError:
        # Another request committed the same key, or the same nil report, first.
        db.session.rollback()
        earlier = _earlier(key or "", _body_hash())
        if earlier is None:
            abort(409)
        return earlier
    return receipt


# Buttons and tokens are not part of what a submission says.
_NOT_CONTENT = {"csrf_token", "submission_key", "submit", "add_guest", "remove_guest", "fill_mrz"}


def _body_hash() -> str:
    """Hash what the form says, so one key cannot carry two different reports (R14)."""
    items = sorted(
        (k, v) for k in request.form if k not in _NOT_CONTENT for v in request.form.getlist(k)
    )
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def _earlier(key: str, body_hash: str) -> Receipt | None:
    row = db.session.get(services.SubmissionKey, (_actor().id, key))
    if row is None:
        return None
    if row.body_hash != body_hash:
        abort(422)  # the same key with other content: refuse rather than guess
    return db.session.get(Receipt, row.receipt_id) if row.receipt_id else None


def _claim(key: str | None) -> Receipt | None:
    """Claim the form's one-time key; return the earlier receipt if it was used already."""
    try:
        key = str(uuid.UUID(key or ""))
    except ValueError:
        abort(400)  # every report form carries a key; a request without one is refused
    body_hash = _body_hash()
    earlier = _earlier(key, body_hash)
    if earlier is not None:
        return earlier
    try:
        services.claim_submission_key(_actor(), key, body_hash=body_hash, now=utcnow())
    except IntegrityError:
        db.session.rollback()  # a twin request committed this key a moment ago
        earlier = _earlier(key, body_hash)
        if earlier is None:
            abort(409)
        return earlier
    return None


# ---------------------------------------------------------------- home lists


@bp.get("/")
@role_required(Role.REPORTER)
@writes_on_get
def index() -> Any:
    actor = _actor()
    today = utcnow().date()
    day_text = request.args.get("day")
    start_text, end_text = request.args.get("from"), request.args.get("to")
    query = stays_visible_to(actor).where(Stay.status != StayStatus.CANCELLED)
    try:
        start = date.fromisoformat(start_text or day_text) if (start_text or day_text) else None
        end = date.fromisoformat(end_text or day_text) if (end_text or day_text) else None
    except ValueError:
        start = end = None
        flash(_("Enter dates as YYYY-MM-DD."), "error")
    if start and end:
        # Present on some day of [start, end] in local time: arrived before the range
        # ended and not gone before it began.
        first, after = services.local_day_bounds(start, end, _reporter_zone(actor))
        query = query.where(
            Stay.check_in_at < after,
            sa.or_(Stay.checked_out_at.is_(None), Stay.checked_out_at >= first),
        )
        title = _(
            "Guests present from %(start)s to %(end)s", start=start.isoformat(), end=end.isoformat()
        )
    else:
        query = query.where(Stay.status == StayStatus.OPEN)
        title = _("Guests present now")
    stays = db.session.scalars(
        query.order_by(Stay.group_id.desc(), Stay.is_head.desc(), Stay.id).limit(500)
    ).all()
    receipts = db.session.scalars(
        visible(Receipt, actor).order_by(Receipt.id.desc()).limit(20)
    ).all()
    if stays:
        record_event("stay.list", actor=actor, details={"count": len(stays)})
        db.session.commit()
    region = stays[0].location.region_code if stays else actor.area_code
    departure_day, departure_time = default_departure(utcnow(), region)
    return render_template(
        "reports/index.html",
        departure_day=departure_day,
        departure_time=departure_time.strftime("%H:%M"),
        stays=stays,
        receipts=receipts,
        title=title,
        today=today,
        filters={"day": day_text or "", "from": start_text or "", "to": end_text or ""},
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
        text = form.q.data.strip()
        number = text.upper().replace(" ", "").replace("<", "")
        like = f"%{text.lower()}%"
        stays = list(
            db.session.scalars(
                stays_visible_to(_actor())
                .join(Person, Stay.person_id == Person.id)
                .where(
                    sa.or_(
                        Person.passport_number == number,
                        sa.func.lower(Person.surname).like(like),
                        sa.func.lower(Person.given_names).like(like),
                    )
                )
                .order_by(Stay.check_in_at.desc())
                .limit(100)
            )
        )
        record_event("stay.search", actor=_actor(), details={"results": len(stays)})
        db.session.commit()
    return render_template("reports/search.html", form=form, stays=stays)


# ---------------------------------------------------------------- check-in


def _prepare_check_in_form(form: CheckInForm, actor: User) -> list[Lodging]:
    choices = nationality_choices()
    for entry in form.guests:
        entry.form.set_country_choices(choices)
    lodgings: list[Lodging] = []
    if actor.reporter_kind == ReporterKind.LODGING:
        lodgings = _verified_lodgings(actor)
        form.lodging_id.choices = [(lodging.id, lodging.name) for lodging in lodgings]
        for name in ("street", "region_code", "rt", "rw", "postal_code", "lat", "lon", "accuracy"):
            delattr(form, name)
    else:
        del form.lodging_id
    return lodgings


def _fill_from_mrz(form: CheckInForm, index: int) -> None:
    entry: GuestForm = form.guests[index].form
    result = mrz.parse_td3(entry.mrz.data or "", today=utcnow().date())
    if result.errors:
        entry.mrz.errors = [mrz_error_message(e) for e in result.errors]
        return
    filled = {
        "surname": result.surname,
        "given_names": result.given_names or "",
        "sex": result.sex,
        "birth_date": result.birth_date,
        "nationality": codes.canonical_nationality(result.nationality),
        "issuing_country": codes.canonical_nationality(result.issuing_country),
        "passport_number": result.passport_number,
        "passport_expiry": result.expiry_date,
    }
    for name, value in filled.items():
        entry[name].data = value
        entry[name].raw_data = None  # show the new value, not what was posted
    flash(
        _("Guest %(n)d filled from the MRZ: check the fields, then add the rest.", n=index + 1),
        "success",
    )


@bp.route("/check-in", methods=["GET", "POST"])
@role_required(Role.REPORTER)
def check_in() -> Any:
    actor = _actor()
    form = CheckInForm()
    lodgings = _prepare_check_in_form(form, actor)
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
        local_now = datetime.now(
            timezone_for_region(
                actor.area_code or (lodgings[0].location.region_code if lodgings else None)
            )
        )
        form.check_in_date.data, form.check_in_time.data = (
            local_now.date(),
            local_now.time().replace(second=0, microsecond=0),
        )
        if actor.area_code is not None and hasattr(form, "region_code"):
            form.region_code.data, form.rw.data, form.rt.data = actor.area_code, actor.rw, actor.rt
    elif "add_guest" in request.form:
        form.guests.append_entry()
        form.guests[-1].form.set_country_choices(nationality_choices())
    elif "remove_guest" in request.form and len(form.guests) > 1:
        form.guests.pop_entry()
    elif "fill_mrz" in request.form:
        index = request.form.get("fill_mrz", type=int) or 0
        if 0 <= index < len(form.guests):
            _fill_from_mrz(form, index)
    elif form.validate_on_submit():
        earlier = _claim(form.submission_key.data)
        if earlier is not None:
            return _redirect_to_receipt(earlier)
        try:
            receipt = _submit_check_in(form, actor)
        except (FieldError, FieldErrors) as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            receipt = _commit_with_key(form.submission_key.data, receipt)
            flash(_("Report received. Keep the receipt number."), "success")
            _flash_warnings(services.stays_of_receipt(receipt, actor))
            return _redirect_to_receipt(receipt)
    pending = (
        []
        if lodgings or actor.reporter_kind != ReporterKind.LODGING
        else list(
            db.session.scalars(
                visible(Lodging, actor).where(Lodging.status == LodgingStatus.PENDING)
            )
        )
    )
    return render_template("reports/check_in.html", form=form, lodgings=lodgings, pending=pending)


def _flash_warnings(stays: list[Stay]) -> None:
    """Tell the reporter what the officer will see flagged; the report itself is accepted."""
    for stay in stays:
        name = stay.guest_name
        if stay.flag_passport_expired:
            flash(_("%(name)s: the passport has expired.", name=name), "warning")
        if stay.flag_permit_ends_early:
            flash(
                _("%(name)s: the stay permit ends before the expected departure.", name=name),
                "warning",
            )
        if stay.flag_open_elsewhere:
            flash(_("%(name)s is also reported as staying elsewhere.", name=name), "warning")
        if stay.flag_duplicate:
            flash(_("%(name)s was already reported here for these dates.", name=name), "warning")


def _show_errors(form: CheckInForm, error: FieldError | FieldErrors) -> None:
    """Put each error on its field ("guests-1-surname": guest 2), the rest on the form."""
    errors = error.errors if isinstance(error, FieldErrors) else [error]
    others = []
    for err in errors:
        if err.field and err.field.startswith("guests-"):
            _, index, name = err.field.split("-", 2)
            field = form.guests[int(index)].form[name]
            field.errors = [*field.errors, err.message]
        else:
            others.append(err)
    if others:
        copy_errors_to_form(form, FieldErrors(others))


def _submit_check_in(form: CheckInForm, actor: User) -> Receipt:
    now = utcnow()
    if actor.reporter_kind == ReporterKind.LODGING:
        lodging = db.session.get(Lodging, form.lodging_id.data or 0)
        if lodging is None:
            raise FieldError("lodging_id", _("Choose one of your lodgings."))
        place = services.place_for_lodging(actor, lodging)
    else:
        services.check_area_address(actor, form.region_code.data, form.rw.data, form.rt.data)
        location = locate(
            street=form.street.data,
            rt=form.rt.data,
            rw=form.rw.data,
            region_code=form.region_code.data,
            postal_code=form.postal_code.data or None,
            gps=gps_from_form(form),
            now=now,
            geocoder=get_geocoder(),
        )
        place = services.Place(location=location)
    stay_data = {
        "room": form.room.data,
        "check_in_at": _local(
            form.check_in_date.data, form.check_in_time.data, place.location.region_code
        ),
        "expected_check_out": form.expected_check_out.data,
    }
    guests = [entry.form.data_for_rules() for entry in form.guests]
    head = form.head.data if form.head.data is not None and 0 <= form.head.data < len(guests) else 0
    return services.submit_check_in(actor, place, guests, stay_data, now=now, head_index=head)


# ---------------------------------------------------------------- one stay


@bp.get("/stays/<int:stay_id>")
@writes_on_get
def stay(stay_id: int) -> Any:
    stay = get_visible_or_404(Stay, stay_id, _actor())
    record_event("stay.view", actor=_actor(), object_type="stay", object_id=stay.id)
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
    stays = db.session.scalars(
        stays_visible_to(_actor()).where(Stay.person_id == person_id).order_by(Stay.check_in_at)
    ).all()
    if not stays:
        abort(404)
    record_event("person.view", actor=_actor(), object_type="person", object_id=person_id)
    db.session.commit()
    return render_template("reports/person.html", person=stays[0].person, stays=stays)


@bp.route("/stays/<int:stay_id>/amend", methods=["GET", "POST"])
@role_required(Role.REPORTER)
def amend(stay_id: int) -> Any:
    actor = _actor()
    stay = get_visible_or_404(Stay, stay_id, actor, for_update=request.method == "POST")
    form = AmendForm()
    form.guest.form.set_country_choices(nationality_choices())
    zone = timezone_for_region(stay.location.region_code)
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
        # Start from this stay's own latest version, not from the shared person record.
        reported = services.reported_guest(stay)
        for name in services.GUEST_FIELDS:
            value = reported.get(name)
            if name in ("birth_date", "passport_expiry", "permit_expiry") and value:
                value = date.fromisoformat(value)
            form.guest.form[name].data = value
        local = stay.check_in_at.astimezone(zone)
        form.room.data, form.check_in_date.data, form.check_in_time.data = (
            stay.room,
            local.date(),
            local.time(),
        )
        form.expected_check_out.data = stay.expected_check_out
    elif form.validate_on_submit():
        earlier = _claim(form.submission_key.data)
        if earlier is not None:
            return _redirect_to_receipt(earlier)
        stay_data = {
            "room": form.room.data,
            "check_in_at": datetime.combine(
                form.check_in_date.data, form.check_in_time.data, tzinfo=zone
            ),
            "expected_check_out": form.expected_check_out.data,
        }
        try:
            receipt = services.amend_stay(
                actor,
                stay,
                form.guest.form.data_for_rules(),
                stay_data,
                form.reason.data,
                now=utcnow(),
            )
        except (FieldError, FieldErrors) as error:
            db.session.rollback()
            stay = get_visible_or_404(Stay, stay_id, actor)
            for err in error.errors if isinstance(error, FieldErrors) else [error]:
                target = (
                    form.guest.form[err.field]
                    if err.field and err.field in form.guest.form
                    else None
                )
                if target is not None:
                    target.errors = [*target.errors, err.message]
                else:
                    copy_errors_to_form(form, err)
        else:
            receipt = _commit_with_key(form.submission_key.data, receipt)
            flash(_("Correction received."), "success")
            return _redirect_to_receipt(receipt)
    return render_template("reports/amend.html", form=form, stay=stay)


@bp.post("/stays/<int:stay_id>/cancel")
@role_required(Role.REPORTER)
def cancel(stay_id: int) -> Any:
    actor = _actor()
    stay = get_visible_or_404(Stay, stay_id, actor, for_update=True)
    form = CancelForm()
    if form.validate_on_submit():
        earlier = _claim(form.submission_key.data)
        if earlier is not None:
            return _redirect_to_receipt(earlier)
        try:
            receipt = services.cancel_stay(actor, stay, form.reason.data, now=utcnow())
        except FieldError as error:
            db.session.rollback()
            stay = get_visible_or_404(Stay, stay_id, actor)
            copy_errors_to_form(form, error)
        else:
            receipt = _commit_with_key(form.submission_key.data, receipt)
            flash(_("The report is cancelled."), "success")
            return _redirect_to_receipt(receipt)
    return render_template(
        "reports/stay.html", stay=stay, reported=services.reported_guest(stay), cancel_form=form
    ), 400


# ---------------------------------------------------------------- check-out


@bp.post("/check-out")
@role_required(Role.REPORTER)
def check_out() -> Any:
    actor = _actor()
    form = CheckOutForm()
    ids = [int(v) for v in request.form.getlist("stay_ids") if v.isdigit()]
    stays = (
        list(
            db.session.scalars(
                stays_visible_to(actor)
                .where(Stay.id.in_(ids))
                .order_by(Stay.id)
                .with_for_update(of=Stay)
            )
        )
        if ids
        else []
    )
    if len(stays) != len(set(ids)):
        abort(404)
    if not form.validate_on_submit():
        flash(_("Enter the departure date and time."), "error")
        return redirect(url_for("reports.index"))
    earlier = _claim(form.submission_key.data)
    if earlier is not None:
        return _redirect_to_receipt(earlier)
    zone = (
        timezone_for_region(stays[0].location.region_code) if stays else timezone_for_region(None)
    )
    at = datetime.combine(form.checked_out_date.data, form.checked_out_time.data, tzinfo=zone)
    try:
        receipt = services.record_check_out(actor, stays, at=at, now=utcnow())
    except FieldError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("reports.index"))
    receipt = _commit_with_key(form.submission_key.data, receipt)
    flash(_("Departure recorded."), "success")
    return _redirect_to_receipt(receipt)


# ---------------------------------------------------------------- nil reports


@bp.route("/nil", methods=["GET", "POST"])
@role_required(Role.REPORTER)
def nil_report() -> Any:
    actor = _actor()
    form = NilReportForm()
    today = utcnow().astimezone(_reporter_zone(actor)).date()
    cadence = services.cadence_for(actor.reporter_kind)
    # Only ended periods: the last one and the one before it.
    last = previous_period(period_containing(today, cadence), cadence)
    periods = [last, previous_period(last, cadence)]
    form.period.choices = [
        (p.start.isoformat(), f"{p.start:%d-%m-%Y} – {p.end:%d-%m-%Y}") for p in periods
    ]
    lodgings: list[Lodging] = []
    if actor.reporter_kind == ReporterKind.LODGING:
        lodgings = _verified_lodgings(actor)
        form.lodging_id.choices = [(lodging.id, lodging.name) for lodging in lodgings]
    else:
        del form.lodging_id
    if request.method == "GET":
        form.submission_key.data = str(uuid.uuid4())
    elif form.validate_on_submit():
        earlier = _claim(form.submission_key.data)
        if earlier is not None:
            return _redirect_to_receipt(earlier)
        period = next(p for p in periods if p.start.isoformat() == form.period.data)
        try:
            if actor.reporter_kind == ReporterKind.LODGING:
                lodging = db.session.get(Lodging, form.lodging_id.data or 0)
                if lodging is None:
                    raise FieldError("lodging_id", _("Choose one of your lodgings."))
                place = services.place_for_lodging(actor, lodging)
            else:
                place = services.area_place(actor, now=utcnow(), geocoder=get_geocoder())
            receipt = services.file_nil_report(actor, place, period, now=utcnow())
        except FieldError as error:
            db.session.rollback()
            copy_errors_to_form(form, error)
        else:
            receipt = _commit_with_key(form.submission_key.data, receipt)
            flash(_("Nil report received."), "success")
            return _redirect_to_receipt(receipt)
    return render_template("reports/nil.html", form=form, lodgings=lodgings, cadence=cadence)


# ---------------------------------------------------------------- receipts


@bp.get("/receipts/<number>")
@writes_on_get
def receipt(number: str) -> Any:
    receipt = db.session.scalar(visible(Receipt, _actor()).where(Receipt.number == number))
    if receipt is None:
        abort(404)
    stays = services.stays_of_receipt(receipt, _actor())
    record_event("receipt.view", actor=_actor(), object_type="receipt", object_id=receipt.number)
    db.session.commit()
    return render_template("reports/receipt.html", receipt=receipt, stays=stays)


@bp.get("/receipts/<number>.pdf")
@writes_on_get
def receipt_pdf(number: str) -> Any:
    receipt = db.session.scalar(visible(Receipt, _actor()).where(Receipt.number == number))
    if receipt is None:
        abort(404)
    from apoa.reports.receipts import receipt_pdf_bytes

    pdf = receipt_pdf_bytes(
        receipt,
        actor=_actor(),
        verify_url=url_for("verify.receipt", number=receipt.number, _external=True),
    )
    record_event("receipt.pdf", actor=_actor(), object_type="receipt", object_id=receipt.number)
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{receipt.number}.pdf"'},
    )


def nil_reports_due(actor: User) -> list[tuple[str, Any, Any]]:
    """Return (place name, current period, nil report sent or None) for the reporter's home page."""
    today = utcnow().astimezone(_reporter_zone(actor)).date()
    if actor.reporter_kind == ReporterKind.LODGING:
        places: list[tuple[str, Lodging | None]] = [
            (lodging.name, lodging) for lodging in _verified_lodgings(actor)
        ]
    else:
        places = [(actor.area.name if actor.area else "", None)]
    due = []
    for name, lodging in places:
        period, sent = services.nil_report_due(actor, lodging, today=today)
        due.append((name, period, sent))
    return due


def default_departure(now: datetime, region_code: str | None) -> tuple[date, Any]:
    local = now.astimezone(timezone_for_region(region_code))
    return local.date(), local.time().replace(second=0, microsecond=0)


def days_between(start: date, end: date) -> int:
    return (end - start) // timedelta(days=1)
