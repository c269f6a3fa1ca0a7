"""Reporting use cases: check-in, amendment, cancellation, check-out, nil report.

Each one validates with the pure rules, writes the stay and an append-only
event, issues a receipt, audits, and flushes; the view commits once.
Nothing is ever deleted by a reporter: a cancellation is an event too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from apoa import signals
from apoa.accounts.models import ReporterKind, Role, User
from apoa.audit.services import record_event
from apoa.errors import FieldError, FieldErrors
from apoa.extensions import db
from apoa.geocoding.providers import AddressGeocoder
from apoa.lodgings.models import Lodging, LodgingStatus
from apoa.regions.timezones import timezone_for_region
from apoa.reports import codes, limits, mrz, rules
from apoa.reports.cadences import cadence_for
from apoa.reports.events import ReportFacts, StayChange, state_of
from apoa.reports.messages import PROBLEMS, mrz_error_message, problem_message
from apoa.reports.models import (
    EventKind,
    NilReport,
    Person,
    Receipt,
    ReceiptKind,
    Stay,
    StayEvent,
    StayGroup,
    StayStatus,
)
from apoa.reports.periods import Period, period_containing, previous_period
from apoa.reports.places import LocalTime, Place, PlaceChoice, instant, resolve_place
from apoa.reports.receipt_numbers import new_receipt_number
from apoa.reports.rules import GUEST_FIELDS, PERSON_FIELDS, STAY_FIELDS
from apoa.reports.scopes import stays_visible_to
from apoa.reports.settings import grace_hours
from apoa.scoping import visible

# ---------------------------------------------------------------- receipts and keys


def issue_receipt(
    actor: User,
    kind: str,
    place: Place,
    *,
    guests: int,
    now: datetime,
    group: StayGroup | None = None,
    flush: bool = True,
) -> Receipt:
    """Create a receipt with a fresh, unguessable number (flushed, unless the caller flushes)."""
    receipt = Receipt(
        number=new_receipt_number(now.year),
        kind=kind,
        reporter_id=actor.id,
        lodging_id=place.lodging.id if place.lodging else None,
        location_id=place.location.id,
        place_name=place.name[:200],
        guest_count=guests,
        issued_at=now,
        group=group,
    )
    db.session.add(receipt)
    if flush:
        db.session.flush()
    return receipt


# ---------------------------------------------------------------- validation


def _problems_to_errors(
    problems: Sequence[rules.FieldProblem], prefix: str = ""
) -> list[FieldError]:
    return [FieldError(prefix + p.field, problem_message(p.key)) for p in problems]


def validate_report(
    guests: Sequence[Mapping[str, Any]], stay: Mapping[str, Any], *, now: datetime
) -> None:
    """Raise FieldErrors naming every bad field of every guest ("guests-1-surname")."""
    errors = _problems_to_errors(rules.validate_stay(stay, now=now))
    if not guests:
        errors.append(FieldError(None, _l("Add at least one guest.")))
    if len(guests) > limits.MAX_GUESTS_PER_REPORT:
        errors.append(FieldError(None, PROBLEMS["too_many_guests"]))
    errors += guest_errors(guests, now=now)
    if errors:
        raise FieldErrors(errors)


def guest_errors(guests: Sequence[Mapping[str, Any]], *, now: datetime) -> list[FieldError]:
    """Every bad field of every guest, and a passport given twice in one report."""
    errors: list[FieldError] = []
    seen: dict[tuple[str, str], int] = {}
    for index, guest in enumerate(guests):
        prefix = f"guests-{index}-"
        errors += _problems_to_errors(
            rules.validate_guest(guest, today=now.date(), now=now), prefix
        )
        errors += _mrz_errors(guest, prefix, today=now.date())
        key = (
            rules.normalise_passport_number(guest.get("passport_number") or ""),
            guest.get("nationality") or "",
        )
        if key[0] and key in seen:
            errors.append(
                FieldError(
                    prefix + "passport_number",
                    _l("The same passport appears twice in this report."),
                )
            )
        seen.setdefault(key, index)
    return errors


def _mrz_errors(guest: Mapping[str, Any], prefix: str, *, today: date) -> list[FieldError]:
    """A pasted MRZ must pass every check digit and agree with the typed fields (R12)."""
    text = (guest.get("mrz") or "").strip()
    if not text:
        return []
    result = mrz.parse_td3(text, today=today)
    if result.errors:
        return [FieldError(prefix + "mrz", mrz_error_message(e)) for e in result.errors]
    return _problems_to_errors(rules.mrz_matches(result, guest), prefix)


# ---------------------------------------------------------------- persons


def normalised_guest(guest: Mapping[str, Any]) -> dict[str, Any]:
    """Return a guest's fields as stored: codes canonical, text trimmed, empty as None."""
    clean: dict[str, Any] = {}
    for field in GUEST_FIELDS:
        value = guest.get(field)
        if field == "passport_number":
            value = rules.normalise_passport_number(value or "")
        elif field in ("nationality", "issuing_country") and value:
            value = codes.canonical_nationality(value)  # "DEU" and the MRZ's "D" are one Germany
        elif field in ("sex", "permit_number") and value:
            value = value.strip().upper()
        elif isinstance(value, str):
            value = value.strip() or None
        clean[field] = value
    return clean


def display_name(guest: Mapping[str, Any]) -> str:
    """Return "SURNAME, Given names" as the reporter typed them."""
    return (
        f"{guest['surname']}, {guest['given_names']}"
        if guest.get("given_names")
        else guest["surname"]
    )


def match_person(guest: Mapping[str, Any], *, now: datetime) -> Person:
    """Find the person by passport, nationality and birth date, or create one.

    An existing person is never rewritten: what one reporter typed must not
    change what another reporter's stays show (each stay keeps its own details
    in its event snapshots). A key match with another birth date is another
    person, never merged (domain.md, section 4).
    """
    person = db.session.scalar(
        sa.select(Person).where(
            Person.passport_number == guest["passport_number"],
            Person.nationality == guest["nationality"],
            Person.birth_date == guest["birth_date"],
        )
    )
    if person is None:
        person = Person(created_at=now, **{f: guest.get(f) for f in PERSON_FIELDS})
        db.session.add(person)
    return person


# ---------------------------------------------------------------- snapshots


def snapshot(stay: Stay, guest: Mapping[str, Any]) -> str:
    """Return what this version says: the guest as reported and the stay, as JSON."""
    data = {f: guest.get(f) for f in GUEST_FIELDS}
    data.update(
        room=stay.room,
        check_in_at=stay.check_in_at,
        expected_check_out=stay.expected_check_out,
        checked_out_at=stay.checked_out_at,
        status=stay.status,
        is_head=stay.is_head,
        is_minor=stay.is_minor,
    )
    return json.dumps(data, default=str, sort_keys=True)


def reported_guest(stay: Stay) -> dict[str, Any]:
    """Return the guest's details as the latest version of this stay gives them."""
    return json.loads(stay.events[-1].snapshot) if stay.events else {}


def _event(
    stay: Stay,
    kind: str,
    actor: User,
    receipt: Receipt,
    *,
    now: datetime,
    guest: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Append the event; without new guest details it repeats the latest version's."""
    db.session.flush()
    details = guest if guest is not None else reported_guest(stay)
    db.session.add(
        StayEvent(
            stay_id=stay.id,
            kind=kind,
            version=stay.version,
            snapshot=snapshot(stay, details),
            reason=reason,
            actor_id=actor.id,
            at=now,
            receipt_id=receipt.id,
        )
    )


# ---------------------------------------------------------------- flags


def _apply_flags(stay: Stay, guest: Mapping[str, Any]) -> None:
    warnings = rules.stay_warnings(
        passport_expiry=guest.get("passport_expiry"),
        permit_expiry=stay.permit_expiry,
        expected_check_out=stay.expected_check_out,
        check_in_date=stay.check_in_at.date(),
    )
    stay.flag_passport_expired = "passport_expired" in warnings
    stay.flag_permit_ends_early = "permit_ends_before_check_out" in warnings


def overlapping_stays(stay: Stay) -> list[Stay]:
    """The same person's other stays (not cancelled) whose nights overlap this one's."""
    others = db.session.scalars(
        sa.select(Stay).where(
            Stay.person_id == stay.person_id,
            Stay.id != stay.id,
            Stay.status != StayStatus.CANCELLED,
        )
    ).all()
    return [
        other
        for other in others
        if rules.stays_overlap(
            stay.check_in_at.date(),
            stay.expected_check_out,
            other.check_in_at.date(),
            (other.checked_out_at.date() if other.checked_out_at else None)
            or other.expected_check_out,
        )
    ]


def _flag_overlaps(stay: Stay) -> list[Stay]:
    """Flag open stays of the same person that overlap: elsewhere (C6) or here (R13 duplicate)."""
    overlapping = overlapping_stays(stay)
    for other in overlapping:
        same_place = other.location_id == stay.location_id
        for s in (stay, other):
            if same_place:
                s.flag_duplicate = True
            else:
                s.flag_open_elsewhere = True
    return overlapping


# ---------------------------------------------------------------- check-in


def _reported_at(actor: User, place: Place, *, happened_at: datetime | None) -> ReportFacts:
    """Who reported at which place, for the projections (None: a nil report, nothing happened)."""
    return ReportFacts(
        reporter_id=actor.id,
        reporter_kind=actor.reporter_kind,
        lodging_id=place.lodging.id if place.lodging else None,
        office_id=place.location.office_id,
        region_code=place.region_code,
        happened_at=happened_at,
    )


def submit_check_in(
    actor: User,
    place: Place | PlaceChoice,
    guests: Sequence[Mapping[str, Any]],
    stay_data: Mapping[str, Any],
    *,
    now: datetime,
    geocoder: AddressGeocoder | None = None,
    head_index: int = 0,
) -> Receipt:
    """Report the arrival of one guest or a family/group; returns the receipt.

    `place` is a resolved place or the reporter's choice (a lodging, or an address that
    is geocoded here with `geocoder`); `stay_data["check_in_at"]` is an instant or the
    place's wall time (`LocalTime`).
    """
    if actor.role != Role.REPORTER:
        raise FieldError(None, _l("Only reporters submit reports."))
    place = resolve_place(actor, place, now=now, geocoder=geocoder)
    check_in_at = instant(stay_data["check_in_at"], place.region_code)
    stay_data = {**stay_data, "check_in_at": check_in_at}
    validate_report(guests, stay_data, now=now)
    if not 0 <= head_index < len(guests):
        head_index = 0
    # Reads first: the persons already known. Then the writes, flushed once.
    clean = [normalised_guest(guest) for guest in guests]
    persons = [match_person(guest, now=now) for guest in clean]
    known = [person.id is not None for person in persons]
    group = StayGroup(
        reporter_id=actor.id,
        lodging_id=place.lodging.id if place.lodging else None,
        location_id=place.location.id,
        created_at=now,
    )
    db.session.add(group)
    receipt = issue_receipt(
        actor, ReceiptKind.CHECK_IN, place, guests=len(guests), now=now, group=group, flush=False
    )
    stays = []
    for index, (guest, person) in enumerate(zip(clean, persons, strict=True)):
        stay = Stay(
            group=group,
            person=person,
            guest_name=display_name(guest),
            reporter_id=actor.id,
            lodging_id=group.lodging_id,
            location=place.location,
            office_id=place.location.office_id,
            room=(stay_data.get("room") or "").strip() or None,
            check_in_at=check_in_at,
            expected_check_out=stay_data["expected_check_out"],
            status=StayStatus.OPEN,
            is_head=index == head_index,
            is_minor=rules.is_minor(guest["birth_date"], on=check_in_at.date()),
            permit_type=guest["permit_type"],
            permit_number=guest.get("permit_number"),
            permit_expiry=guest.get("permit_expiry"),
            purpose=guest["purpose"],
            version=1,
            reported_at=now,
            updated_at=now,
        )
        _apply_flags(stay, guest)
        db.session.add(
            StayEvent(
                stay=stay,
                kind=EventKind.CHECK_IN,
                version=1,
                snapshot=snapshot(stay, guest),
                actor_id=actor.id,
                at=now,
                receipt=receipt,
            )
        )
        stays.append(stay)
    db.session.flush()
    for stay, was_known in zip(stays, known, strict=True):
        if was_known:  # a person new to this report has no other stay to overlap
            _flag_overlaps(stay)
    signals.stays_checked_in.send(
        actor,
        receipt=receipt,
        changes=[(None, state_of(stay)) for stay in stays],
        report=_reported_at(actor, place, happened_at=check_in_at),
        now=now,
    )
    record_event(
        "stay.check_in",
        actor=actor,
        object_type="receipt",
        object_id=receipt.number,
        details={"guests": len(guests), "group_id": group.id},
        now=now,
    )
    return receipt


# ---------------------------------------------------------------- amend, cancel, check out


def _require_open(stay: Stay) -> None:
    if stay.status == StayStatus.CANCELLED:
        raise FieldError(None, _l("This stay was cancelled."))


def amend_stay(
    actor: User,
    stay: Stay,
    guest: Mapping[str, Any],
    stay_data: Mapping[str, Any],
    reason: str,
    *,
    now: datetime,
) -> Receipt:
    """Correct a stay: a new version with a reason; earlier versions stay readable."""
    _require_open(stay)
    reason = (reason or "").strip()
    check_in_at = instant(stay_data["check_in_at"], stay.location.region_code)
    stay_data = {**stay_data, "check_in_at": check_in_at}
    errors = _problems_to_errors(rules.validate_guest(guest, today=now.date(), now=now))
    errors += _problems_to_errors(rules.validate_stay(stay_data, now=now))
    if not reason:
        errors.append(FieldError("reason", _l("Say what was wrong.")))
    if errors:
        raise FieldErrors(errors)
    guest = normalised_guest(guest)
    if stay.checked_out_at is not None and check_in_at > stay.checked_out_at:
        raise FieldError("check_in_date", _l("The arrival cannot be after the recorded departure."))
    before = state_of(stay)
    person = stay.person
    if (guest["passport_number"], guest["nationality"], guest["birth_date"]) != (
        person.passport_number,
        person.nationality,
        person.birth_date,
    ):
        # A corrected identity is another person; the old one keeps its other stays.
        stay.person = match_person(guest, now=now)
        db.session.flush()
    stay.guest_name = display_name(guest)
    for field in STAY_FIELDS:
        setattr(stay, field, guest.get(field))
    stay.room = (stay_data.get("room") or "").strip() or None
    stay.check_in_at = check_in_at
    stay.expected_check_out = stay_data["expected_check_out"]
    stay.is_minor = rules.is_minor(guest["birth_date"], on=check_in_at.date())
    stay.version += 1
    stay.updated_at = now
    _apply_flags(stay, guest)
    _flag_overlaps(stay)
    receipt = issue_receipt(
        actor, ReceiptKind.AMEND, _place_of(stay), guests=1, now=now, group=stay.group
    )
    _event(stay, EventKind.AMEND, actor, receipt, now=now, guest=guest, reason=reason)
    signals.stay_amended.send(actor, receipt=receipt, changes=[(before, state_of(stay))], now=now)
    record_event(
        "stay.amend",
        actor=actor,
        object_type="stay",
        object_id=stay.id,
        details={"version": stay.version, "receipt": receipt.number},
        now=now,
    )
    return receipt


def cancel_stay(actor: User, stay: Stay, reason: str, *, now: datetime) -> Receipt:
    """Cancel a stay reported in error; it stays readable, marked cancelled."""
    _require_open(stay)
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", _l("Say why the report is cancelled."))
    before = state_of(stay)
    stay.status = StayStatus.CANCELLED
    stay.version += 1
    stay.updated_at = now
    receipt = issue_receipt(
        actor, ReceiptKind.CANCEL, _place_of(stay), guests=1, now=now, group=stay.group
    )
    _event(stay, EventKind.CANCEL, actor, receipt, now=now, reason=reason)
    signals.stay_cancelled.send(actor, receipt=receipt, changes=[(before, state_of(stay))], now=now)
    record_event(
        "stay.cancel",
        actor=actor,
        object_type="stay",
        object_id=stay.id,
        details={"receipt": receipt.number},
        now=now,
    )
    return receipt


def record_check_out(
    actor: User, stays: Sequence[Stay], *, at: datetime | LocalTime, now: datetime
) -> Receipt:
    """Record the departure of one guest or a whole group with one receipt.

    `at` is an instant or the wall time at the guests' place (`LocalTime`).
    """
    if not stays:
        raise FieldError(None, _l("Choose at least one guest."))
    if len({stay.location_id for stay in stays}) > 1:
        # One receipt belongs to one place (and one office): check out each place apart.
        raise FieldError(None, _l("Check out the guests of one place at a time."))
    first = stays[0]
    at = instant(at, first.location.region_code)
    if at > now:
        raise FieldError("checked_out_at", _l("The departure cannot be in the future."))
    for stay in stays:
        if stay.status != StayStatus.OPEN:
            raise FieldError(None, _l("%(name)s is not staying any more.", name=stay.guest_name))
        if at < stay.check_in_at:
            raise FieldError("checked_out_at", _l("The departure cannot be before the arrival."))
    receipt = issue_receipt(
        actor, ReceiptKind.CHECK_OUT, _place_of(first), guests=len(stays), now=now
    )
    changes: list[StayChange] = []
    for stay in stays:
        before = state_of(stay)
        stay.status = StayStatus.CHECKED_OUT
        stay.checked_out_at = at
        stay.check_out_reported_at = now
        stay.version += 1
        stay.updated_at = now
        changes.append((before, state_of(stay)))
        _event(stay, EventKind.CHECK_OUT, actor, receipt, now=now)
    signals.stays_checked_out.send(
        actor,
        receipt=receipt,
        changes=changes,
        report=ReportFacts(
            reporter_id=first.reporter_id,
            reporter_kind=first.reporter.reporter_kind,
            lodging_id=first.lodging_id,
            office_id=first.office_id,
            region_code=first.location.region_code,
            happened_at=at,
        ),
        now=now,
    )
    record_event(
        "stay.check_out",
        actor=actor,
        object_type="receipt",
        object_id=receipt.number,
        details={"stays": [s.id for s in stays]},
        now=now,
    )
    return receipt


def _place_of(stay: Stay) -> Place:
    return Place(location=stay.location, lodging=stay.lodging)


# ---------------------------------------------------------------- nil reports


def nil_scope(actor: User, lodging: Lodging | None) -> str:
    return f"lodging:{lodging.id}" if lodging is not None else f"area:{actor.id}"


def file_nil_report(
    actor: User,
    place: Place | PlaceChoice,
    period: Period,
    *,
    now: datetime,
    geocoder: AddressGeocoder | None = None,
) -> Receipt:
    """Declare that no foreigner stayed during a period; refused when stays were reported in it."""
    place = resolve_place(actor, place, now=now, geocoder=geocoder)
    zone = timezone_for_region(place.region_code)
    if period.end >= now.astimezone(zone).date():
        # "Nobody stayed" can only be said of a period that is over.
        raise FieldError("period", _l("You can declare only a period that has ended."))
    start, end = local_day_bounds(period.start, period.end, zone)
    stays_query = sa.select(sa.func.count(Stay.id)).where(
        Stay.status != StayStatus.CANCELLED,
        Stay.check_in_at < end,
        sa.or_(Stay.checked_out_at.is_(None), Stay.checked_out_at >= start),
    )
    if place.lodging is not None:
        stays_query = stays_query.where(Stay.lodging_id == place.lodging.id)
    else:
        stays_query = stays_query.where(Stay.reporter_id == actor.id, Stay.lodging_id.is_(None))
    if db.session.scalar(stays_query):
        raise FieldError(
            "period", _l("Foreign guests were reported for this period, so it is not nil.")
        )
    scope = nil_scope(actor, place.lodging)
    if db.session.scalar(
        sa.select(NilReport.id).where(
            NilReport.scope_key == scope, NilReport.period_start == period.start
        )
    ):
        raise FieldError("period", _l("A nil report for this period was already sent."))
    receipt = issue_receipt(actor, ReceiptKind.NIL, place, guests=0, now=now)
    nil_report = NilReport(
        reporter_id=actor.id,
        lodging_id=place.lodging.id if place.lodging else None,
        scope_key=scope,
        period_start=period.start,
        period_end=period.end,
        submitted_at=now,
        receipt_id=receipt.id,
    )
    db.session.add(nil_report)
    signals.nil_report_filed.send(
        actor,
        receipt=receipt,
        report=_reported_at(actor, place, happened_at=None),
        period_end=period.end,
        now=now,
    )
    record_event(
        "nil_report.file",
        actor=actor,
        object_type="receipt",
        object_id=receipt.number,
        details={"period_start": period.start.isoformat(), "scope": scope},
        now=now,
    )
    return receipt


def local_day_bounds(first: date, last: date, zone: Any) -> tuple[datetime, datetime]:
    """Return the instants that start `first` and end `last` (exclusive) in a time zone."""
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def verified_lodgings(actor: User) -> list[Lodging]:
    """Return the actor's verified lodgings (the places an operator reports at), by name."""
    return list(
        db.session.scalars(
            visible(Lodging, actor)
            .where(Lodging.status == LodgingStatus.VERIFIED)
            .order_by(Lodging.name)
        )
    )


def reporter_zone(actor: User) -> Any:
    """Return the time zone the reporter works in: their area's, or their first lodging's."""
    if actor.area_code:
        return timezone_for_region(actor.area_code)
    lodgings = verified_lodgings(actor)
    return timezone_for_region(lodgings[0].location.region_code if lodgings else None)


def nil_periods(actor: User, *, now: datetime) -> list[Period]:
    """Return the periods a nil report may be filed for: the last ended one and the one before."""
    cadence = cadence_for(actor.reporter_kind)
    today = now.astimezone(reporter_zone(actor)).date()
    last = previous_period(period_containing(today, cadence), cadence)
    return [last, previous_period(last, cadence)]


def stays_of_receipt(receipt: Receipt, actor: User) -> list[Stay]:
    """Return the stays a receipt's events touched that the actor may see, in order."""
    return list(
        db.session.scalars(
            stays_visible_to(actor)
            .join(StayEvent, StayEvent.stay_id == Stay.id)
            .where(StayEvent.receipt_id == receipt.id)
            .order_by(Stay.id)
        )
    )


# ---------------------------------------------------------------- lists for the reporter's pages


def list_present(actor: User, *, days: tuple[date, date] | None) -> list[Stay]:
    """Return the actor's guests present now, or on some day of [first, last] in local time."""
    query = stays_visible_to(actor).where(Stay.status != StayStatus.CANCELLED)
    if days is None:
        query = query.where(Stay.status == StayStatus.OPEN)
    else:
        # Present on some day of the range: arrived before it ended and not gone before it began.
        first, after = local_day_bounds(*days, reporter_zone(actor))
        query = query.where(
            Stay.check_in_at < after,
            sa.or_(Stay.checked_out_at.is_(None), Stay.checked_out_at >= first),
        )
    order = (Stay.group_id.desc(), Stay.is_head.desc(), Stay.id)
    return list(db.session.scalars(query.order_by(*order).limit(limits.PRESENT_LIST_LIMIT)))


def overdue_stay_ids(stays: Sequence[Stay], *, now: datetime) -> set[int]:
    """The open stays past their expected check-out plus the grace (rule C4), as the
    reporter's home page counts them."""
    grace = grace_hours()
    return {
        stay.id
        for stay in stays
        if stay.status == StayStatus.OPEN
        and rules.is_overdue_check_out(
            stay.expected_check_out,
            now,
            timezone_for_region(stay.location.region_code),
            grace_hours=grace,
        )
    }


def recent_receipts(actor: User) -> list[Receipt]:
    """Return the actor's latest receipts, newest first."""
    query = (
        visible(Receipt, actor)
        .options(so.joinedload(Receipt.location))  # each row's time in its place's zone
        .order_by(Receipt.id.desc())
        .limit(limits.RECENT_RECEIPTS)
    )
    return list(db.session.scalars(query))


def search_own_guests(actor: User, text: str) -> list[Stay]:
    """Find the actor's guests by passport number or part of a name, latest arrival first."""
    text = text.strip()
    number = text.upper().replace(" ", "").replace("<", "")
    like = f"%{text.lower()}%"
    query = (
        stays_visible_to(actor)
        .join(Person, Stay.person_id == Person.id)
        .where(
            sa.or_(
                Person.passport_number == number,
                sa.func.lower(Person.surname).like(like),
                sa.func.lower(Person.given_names).like(like),
            )
        )
        .order_by(Stay.check_in_at.desc())
        .limit(limits.SEARCH_RESULTS)
    )
    return list(db.session.scalars(query))


def pending_lodgings(actor: User) -> list[Lodging]:
    """Return an operator's lodgings that wait for verification (nothing for area reporters)."""
    if actor.reporter_kind != ReporterKind.LODGING:
        return []
    query = visible(Lodging, actor).where(Lodging.status == LodgingStatus.PENDING)
    return list(db.session.scalars(query))


def person_timeline(actor: User, person_id: int) -> list[Stay]:
    """Return a person's stays that the actor may see, by arrival."""
    query = stays_visible_to(actor).where(Stay.person_id == person_id)
    return list(db.session.scalars(query.order_by(Stay.check_in_at)))


def stays_to_check_out(actor: User, ids: set[int]) -> list[Stay]:
    """Return the actor's stays with these ids, locked for the check-out (in id order)."""
    if not ids:
        return []
    query = stays_visible_to(actor).where(Stay.id.in_(ids)).order_by(Stay.id)
    return list(db.session.scalars(query.with_for_update(of=Stay)))
