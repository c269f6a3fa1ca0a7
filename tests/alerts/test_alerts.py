"""The alert queue's services: each kind at its edges, self-resolution, officers' steps.

Stays are made through the report services with fixed times in Bali (WITA,
UTC+8), so every edge is exact to the second (tests/compliance/alert_scene.py).
"""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from apoa.alerts import queries as alert_queries
from apoa.alerts import services as alerts
from apoa.alerts.models import Alert, AlertAction, AlertKind, AlertStatus
from apoa.audit.models import AuditEvent
from apoa.errors import FieldError
from apoa.reports import services
from apoa.reports.models import Stay
from apoa.scoping import get_visible_or_404, visible
from tests.alerts.alert_scene import (
    ARRIVAL,
    LEAVING,
    alerts_of,
    build_scene,
    check_in,
    guest,
    pinned_far_away,
)

WITA = ZoneInfo("Asia/Makassar")
WIB = ZoneInfo("Asia/Jakarta")
SECOND = timedelta(seconds=1)

# Expected to leave on 5 March: the grace (24 h) runs from the end of that day,
# so the stay becomes overdue after 7 March 00:00 WITA.
OVERDUE_FROM = datetime(2025, 3, 7, 0, 0, tzinfo=WITA)


def msg(text: str, **values) -> str:
    """Return a message as the services word it now (Indonesian by default outside requests)."""
    return str(_l(text, **values))


def check_out(db, operator, stay, *, at, reported=None):
    services.record_check_out(operator, [stay], at=at, now=reported or at + timedelta(hours=1))
    db.session.commit()


def scan(db, office_id, now):
    added = alerts.raise_due_alerts(office_id, now=now)
    db.session.commit()
    return added


@pytest.fixture
def scene(db, create_user, create_lodging):
    return build_scene(create_user, create_lodging)


# ---------------------------------------------------------------- overdue check-out (C4)


def test_overdue_is_raised_one_second_after_the_grace_and_not_before(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel)
    assert scan(db, scene.office, OVERDUE_FROM - SECOND) == 0
    assert scan(db, scene.office, OVERDUE_FROM) == 0  # the end of the grace is still inside it
    assert alerts_of(db) == []
    assert scan(db, scene.office, OVERDUE_FROM + SECOND) == 1
    (alert,) = alerts_of(db)
    assert (alert.kind, alert.subject_key, alert.stay_id) == (
        AlertKind.OVERDUE_CHECK_OUT,
        f"stay:{stay.id}",
        stay.id,
    )
    assert alert.status == AlertStatus.OPEN
    assert alert.office_id == scene.office
    assert alert.raised_at == OVERDUE_FROM + SECOND


def test_overdue_uses_the_places_own_time_zone(db, scene):
    """Jakarta is an hour behind Bali: the same instant is not yet overdue there."""
    check_in(db, scene.jakarta_op, scene.jakarta, arrive=datetime(2025, 3, 3, 14, tzinfo=WIB))
    jakarta_office = scene.jakarta_officer.office_id
    boundary = datetime(2025, 3, 7, 0, 0, tzinfo=WIB)  # 01:00 WITA
    assert scan(db, jakarta_office, OVERDUE_FROM + SECOND) == 0
    assert scan(db, jakarta_office, boundary - SECOND) == 0
    assert scan(db, jakarta_office, boundary + SECOND) == 1


def test_grace_hours_come_from_the_configuration(app, db, scene):
    check_in(db, scene.hotel_op, scene.hotel)
    app.config["CHECKOUT_GRACE_HOURS"] = 2
    boundary = datetime(2025, 3, 6, 2, 0, tzinfo=WITA)
    assert scan(db, scene.office, boundary - SECOND) == 0
    assert scan(db, scene.office, boundary + SECOND) == 1


def test_raising_twice_creates_nothing_new(db, scene):
    check_in(db, scene.hotel_op, scene.hotel)
    later = OVERDUE_FROM + timedelta(days=1)
    assert scan(db, scene.office, later) == 1
    assert scan(db, scene.office, later) == 0
    assert scan(db, scene.office, later + timedelta(days=3)) == 0
    assert len(alerts_of(db)) == 1
    assert db.session.scalar(sa.select(sa.func.count(AlertAction.id))) == 0


def test_check_out_resolves_the_overdue_alert_with_a_system_note(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel)
    scan(db, scene.office, OVERDUE_FROM + SECOND)
    check_out(db, scene.hotel_op, stay, at=OVERDUE_FROM + timedelta(hours=2))
    assert scan(db, scene.office, OVERDUE_FROM + timedelta(hours=4)) == 0
    (alert,) = alerts_of(db)
    assert alert.status == AlertStatus.RESOLVED
    (action,) = alert.actions
    assert (action.action, action.actor_id, action.note) == ("resolve", None, "Guest checked out.")
    assert action.at == OVERDUE_FROM + timedelta(hours=4)
    assert db.session.get(Alert, alert.id) is not None  # never deleted


def test_cancelling_the_report_resolves_its_alerts(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel)
    scan(db, scene.office, OVERDUE_FROM + SECOND)
    services.cancel_stay(scene.hotel_op, stay, "wrong hotel", now=OVERDUE_FROM + SECOND)
    db.session.commit()
    scan(db, scene.office, OVERDUE_FROM + timedelta(minutes=5))
    (alert,) = alerts_of(db)
    assert alert.status == AlertStatus.RESOLVED
    assert alert.actions[-1].note == "The report was cancelled."


def test_extended_stay_resolves_then_reopens_when_overdue_again(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel)
    scan(db, scene.office, OVERDUE_FROM + SECOND)
    # The hotel corrects the report: the guest stays until 10 March.
    services.amend_stay(
        scene.hotel_op,
        stay,
        guest(),
        {"check_in_at": ARRIVAL, "expected_check_out": date(2025, 3, 10)},
        "guest extended",
        now=OVERDUE_FROM + timedelta(hours=1),
    )
    db.session.commit()
    scan(db, scene.office, OVERDUE_FROM + timedelta(hours=2))
    (alert,) = alerts_of(db)
    assert alert.status == AlertStatus.RESOLVED
    assert alert.actions[-1].note == "The expected check-out was moved to a later date."
    # Overdue again after 12 March 00:00: the same alert comes back, none is added.
    again = datetime(2025, 3, 12, 0, 0, 1, tzinfo=WITA)
    assert scan(db, scene.office, again) == 0
    (alert,) = alerts_of(db)
    db.session.refresh(alert)
    assert alert.status == AlertStatus.OPEN
    assert [(a.action, a.actor_id) for a in alert.actions] == [("resolve", None), ("reopen", None)]
    assert alert.actions[-1].note == "The problem came back, so the alert was reopened."


def test_an_officers_resolution_is_not_undone_by_the_scan(db, scene):
    check_in(db, scene.hotel_op, scene.hotel)
    scan(db, scene.office, OVERDUE_FROM + SECOND)
    (alert,) = alerts_of(db)
    alerts.resolve_alert(scene.officer, alert, "Called the hotel.", now=OVERDUE_FROM + SECOND)
    db.session.commit()
    assert scan(db, scene.office, OVERDUE_FROM + timedelta(days=2)) == 0
    db.session.refresh(alert)
    assert alert.status == AlertStatus.RESOLVED
    assert len(alert.actions) == 1


# ---------------------------------------------------------------- permit expired (C5)


def test_permit_expired_during_an_open_stay(db, scene):
    check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 4))
    # Valid through 4 March: still fine at its last second, expired from 5 March.
    assert scan(db, scene.office, datetime(2025, 3, 4, 23, 59, 59, tzinfo=WITA)) == 0
    assert scan(db, scene.office, datetime(2025, 3, 5, 0, 0, 0, tzinfo=WITA)) == 1
    (alert,) = alerts_of(db)
    assert alert.kind == AlertKind.PERMIT_EXPIRED


def test_permit_expiring_on_the_check_out_day_is_no_alert(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 5))
    check_out(db, scene.hotel_op, stay, at=datetime(2025, 3, 5, 11, 0, tzinfo=WITA))
    assert scan(db, scene.office, datetime(2025, 3, 8, 9, 0, tzinfo=WITA)) == 0
    assert alerts_of(db) == []


def test_permit_that_expired_before_a_late_check_out_is_found_after_departure(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 4))
    # Nobody looked while the guest stayed; the check-out on 5 March is reported at once.
    check_out(db, scene.hotel_op, stay, at=datetime(2025, 3, 5, 11, 0, tzinfo=WITA))
    assert scan(db, scene.office, datetime(2025, 3, 20, 9, 0, tzinfo=WITA)) == 1
    (alert,) = alerts_of(db)
    assert (alert.kind, alert.stay_id) == (AlertKind.PERMIT_EXPIRED, stay.id)
    # Leaving does not resolve it: the guest did stay without a valid permit.
    assert scan(db, scene.office, datetime(2025, 3, 21, 9, 0, tzinfo=WITA)) == 0
    db.session.refresh(alert)
    assert alert.status == AlertStatus.OPEN


def test_departures_older_than_the_window_are_not_scanned(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 4))
    check_out(db, scene.hotel_op, stay, at=datetime(2025, 3, 5, 11, 0, tzinfo=WITA))
    days = alerts.RECENT_CHECK_OUT_DAYS
    assert (
        scan(db, scene.office, datetime(2025, 3, 5, 11, 0, tzinfo=WITA) + timedelta(days + 1)) == 0
    )


def test_permit_already_expired_on_arrival_is_not_this_alert(db, scene):
    check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 1))
    assert scan(db, scene.office, datetime(2025, 3, 4, 9, 0, tzinfo=WITA)) == 0


def test_permit_correction_resolves_the_alert(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 4))
    scan(db, scene.office, datetime(2025, 3, 5, 9, 0, tzinfo=WITA))
    services.amend_stay(
        scene.hotel_op,
        stay,
        guest(permit_expiry=date(2025, 4, 4)),
        {"check_in_at": ARRIVAL, "expected_check_out": LEAVING},
        "permit misread",
        now=datetime(2025, 3, 5, 10, 0, tzinfo=WITA),
    )
    db.session.commit()
    scan(db, scene.office, datetime(2025, 3, 5, 11, 0, tzinfo=WITA))
    (alert,) = alerts_of(db, AlertKind.PERMIT_EXPIRED)
    assert alert.status == AlertStatus.RESOLVED
    assert alert.actions[-1].note.startswith("The reported dates show")


# ---------------------------------------------------------------- open elsewhere (C6)


def test_one_passport_at_two_lodgings_raises_an_alert_per_stay(db, scene):
    first = check_in(db, scene.hotel_op, scene.hotel)
    second = check_in(db, scene.villa_op, scene.villa, arrive=ARRIVAL + timedelta(hours=3))
    assert first.flag_open_elsewhere
    assert second.flag_open_elsewhere
    now = datetime(2025, 3, 4, 9, 0, tzinfo=WITA)
    assert scan(db, scene.office, now) == 2
    found = alerts_of(db, AlertKind.OPEN_ELSEWHERE)
    assert sorted(a.stay_id for a in found) == sorted([first.id, second.id])
    assert scan(db, scene.office, now) == 0


def test_other_passports_and_the_same_place_raise_nothing(db, scene):
    check_in(db, scene.hotel_op, scene.hotel)
    check_in(db, scene.villa_op, scene.villa, passport="C01X00T42")  # another person
    assert scan(db, scene.office, datetime(2025, 3, 4, 9, 0, tzinfo=WITA)) == 0


def test_open_elsewhere_across_offices_shows_only_the_officers_side(db, scene):
    here = check_in(db, scene.hotel_op, scene.hotel)
    there = check_in(
        db, scene.jakarta_op, scene.jakarta, arrive=datetime(2025, 3, 3, 15, tzinfo=WIB)
    )
    now = datetime(2025, 3, 4, 9, 0, tzinfo=WITA)
    assert scan(db, scene.office, now) == 1
    (alert,) = alerts_of(db)
    assert (alert.stay_id, alert.office_id) == (here.id, scene.office)
    seen = alert_queries.open_elsewhere(here, scene.officer)
    assert (seen.visible, seen.hidden) == ([], 1)
    seen = alert_queries.open_elsewhere(there, scene.jakarta_officer)
    assert (seen.visible, seen.hidden) == ([], 1)
    # Within one office both sides are shown.
    villa = check_in(db, scene.villa_op, scene.villa, arrive=ARRIVAL + timedelta(hours=2))
    seen = alert_queries.open_elsewhere(here, scene.officer)
    assert ([s.id for s in seen.visible], seen.hidden) == ([villa.id], 1)


def test_open_elsewhere_resolves_when_the_other_stay_ends(db, scene):
    here = check_in(db, scene.hotel_op, scene.hotel)
    there = check_in(db, scene.villa_op, scene.villa, arrive=ARRIVAL + timedelta(hours=3))
    scan(db, scene.office, datetime(2025, 3, 4, 9, 0, tzinfo=WITA))
    check_out(db, scene.villa_op, there, at=datetime(2025, 3, 4, 10, 0, tzinfo=WITA))
    scan(db, scene.office, datetime(2025, 3, 4, 12, 0, tzinfo=WITA))
    by_stay = {a.stay_id: a for a in alerts_of(db, AlertKind.OPEN_ELSEWHERE)}
    assert by_stay[there.id].status == AlertStatus.RESOLVED
    assert by_stay[there.id].actions[-1].note == "Guest checked out."
    assert by_stay[here.id].status == AlertStatus.RESOLVED
    assert by_stay[here.id].actions[-1].note == (
        "No other place reports this guest as staying any more."
    )


# ---------------------------------------------------------------- location mismatch


def test_location_mismatch_is_raised_and_resolved_when_fixed(db, scene):
    from apoa.geocoding.services import place_pin

    location = pinned_far_away(db)
    assert (location.needs_review, location.review_reason) == (True, "mismatch")
    now = datetime(2025, 3, 4, 9, 0, tzinfo=WITA)
    assert scan(db, scene.office, now) == 1
    (alert,) = alerts_of(db)
    assert (alert.kind, alert.subject_key, alert.location_id) == (
        AlertKind.LOCATION_MISMATCH,
        f"location:{location.id}",
        location.id,
    )
    assert scan(db, scene.jakarta_officer.office_id, now) == 0  # routed to Ngurah Rai
    place_pin(scene.officer, location, -8.7049, 115.1703, now=now)
    db.session.commit()
    scan(db, scene.office, now + timedelta(minutes=1))
    db.session.refresh(alert)
    assert alert.status == AlertStatus.RESOLVED
    assert alert.actions[-1].note == "The location no longer needs review."


def test_coarse_locations_are_not_mismatches(db, scene):
    from apoa.db import utcnow
    from apoa.geocoding.services import get_geocoder, locate

    location = locate(
        street=None, rt=None, rw=None, region_code="5103", now=utcnow(), geocoder=get_geocoder()
    )
    db.session.commit()
    assert location.needs_review
    assert location.review_reason != "mismatch"
    assert scan(db, None, datetime(2025, 3, 4, 9, 0, tzinfo=WITA)) == 0


# ---------------------------------------------------------------- counts and scope


def test_open_alert_counts_per_office_and_nationally(db, scene):
    check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 4))
    check_in(db, scene.jakarta_op, scene.jakarta, arrive=datetime(2025, 3, 3, 14, tzinfo=WIB),
             passport="C01X00T49")  # fmt: skip
    now = OVERDUE_FROM + timedelta(days=1)
    assert scan(db, None, now) == 3  # Bali: overdue and permit; Jakarta: overdue
    counts = alert_queries.open_alert_counts(scene.office)
    assert counts == {
        AlertKind.OVERDUE_CHECK_OUT: 1,
        AlertKind.PERMIT_EXPIRED: 1,
        AlertKind.OPEN_ELSEWHERE: 0,
        AlertKind.LOCATION_MISMATCH: 0,
    }
    assert counts["overdue_check_out"] == 1  # keys are plain strings too
    assert alert_queries.open_alert_counts(None)[AlertKind.OVERDUE_CHECK_OUT] == 2
    overdue = alerts_of(db, AlertKind.OVERDUE_CHECK_OUT)[0]
    alerts.acknowledge_alert(scene.officer, overdue, "On it.", now=now)
    assert alert_queries.open_alert_counts(scene.office)[AlertKind.OVERDUE_CHECK_OUT] == 1
    alerts.resolve_alert(scene.officer, overdue, "Guest left.", now=now)
    assert alert_queries.open_alert_counts(scene.office)[AlertKind.OVERDUE_CHECK_OUT] == 0


def test_officers_see_only_their_offices_alerts(app, db, scene, create_user):
    check_in(db, scene.hotel_op, scene.hotel)
    check_in(db, scene.jakarta_op, scene.jakarta, arrive=datetime(2025, 3, 3, 14, tzinfo=WIB),
             passport="C01X00T49")  # fmt: skip
    scan(db, None, OVERDUE_FROM + timedelta(days=1))
    bali, jakarta = sorted(alerts_of(db), key=lambda a: a.office_id != scene.office)
    mine = db.session.scalars(visible(Alert, scene.officer)).all()
    assert [a.id for a in mine] == [bali.id]
    assert get_visible_or_404(Alert, bali.id, scene.colleague).id == bali.id
    with pytest.raises(NotFound):
        get_visible_or_404(Alert, bali.id, scene.jakarta_officer)
    for role in ("admin", "reporter"):
        assert db.session.scalars(visible(Alert, create_user(role))).all() == []
    refusal = msg("Only officers of the alert's office can act on it.")
    with pytest.raises(FieldError, match=refusal):
        alerts.acknowledge_alert(scene.jakarta_officer, bali, "Not mine.", now=OVERDUE_FROM)
    with pytest.raises(FieldError, match=refusal):
        alerts.resolve_alert(scene.hotel_op, bali, "Reporter.", now=OVERDUE_FROM)
    assert bali.status == AlertStatus.OPEN
    assert jakarta.office_id == scene.jakarta_officer.office_id


# ---------------------------------------------------------------- officers' steps


@pytest.fixture
def overdue_alert(db, scene):
    check_in(db, scene.hotel_op, scene.hotel)
    scan(db, scene.office, OVERDUE_FROM + SECOND)
    (alert,) = alerts_of(db)
    return alert


def test_acknowledge_then_resolve_with_notes_and_audit(db, scene, overdue_alert):
    alert = overdue_alert
    at = OVERDUE_FROM + timedelta(hours=1)
    alerts.acknowledge_alert(scene.officer, alert, "  Calling the hotel.  ", now=at)
    assert (alert.status, alert.updated_at) == (AlertStatus.ACKNOWLEDGED, at)
    alerts.resolve_alert(
        scene.colleague, alert, "Guest left on 6 March;\nhotel will report.", now=at
    )
    db.session.commit()
    assert alert.status == AlertStatus.RESOLVED
    assert [(a.action, a.actor_id, a.note) for a in alert.actions] == [
        ("acknowledge", scene.officer.id, "Calling the hotel."),
        ("resolve", scene.colleague.id, "Guest left on 6 March;\nhotel will report."),
    ]
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("alert.%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id, e.object_type, e.object_id) for e in events] == [
        ("alert.acknowledge", scene.officer.id, "alert", str(alert.id)),
        ("alert.resolve", scene.colleague.id, "alert", str(alert.id)),
    ]
    assert json.loads(events[1].details) == {
        "from": "acknowledged",
        "kind": "overdue_check_out",
        "to": "resolved",
    }
    assert all("hotel" not in (e.details or "") for e in events)  # notes stay out of the log


def test_reopen_a_resolved_alert(db, scene, overdue_alert):
    alerts.resolve_alert(scene.officer, overdue_alert, "Done.", now=OVERDUE_FROM + SECOND)
    alerts.reopen_alert(scene.officer, overdue_alert, "Hotel never reported.", now=OVERDUE_FROM)
    assert overdue_alert.status == AlertStatus.OPEN
    assert [a.action for a in overdue_alert.actions] == ["resolve", "reopen"]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (None, "Write a note: what you checked or did."),
        ("", "Write a note: what you checked or did."),
        ("   \n ", "Write a note: what you checked or did."),
        ("x" * 501, "Keep the note to %(max)d characters or fewer."),
        ("bad\x00byte", "Use letters, digits and ordinary punctuation only."),
    ],
)
def test_a_note_is_required_and_bounded(db, scene, overdue_alert, note, message):
    with pytest.raises(FieldError) as caught:
        alerts.acknowledge_alert(scene.officer, overdue_alert, note, now=OVERDUE_FROM)
    assert str(caught.value) == msg(message, max=500)
    assert caught.value.field == "note"
    assert overdue_alert.status == AlertStatus.OPEN
    assert overdue_alert.actions == []


def test_a_note_of_exactly_500_characters_is_kept(db, scene, overdue_alert):
    alerts.resolve_alert(scene.officer, overdue_alert, " " + "x" * 500 + " ", now=OVERDUE_FROM)
    db.session.commit()
    assert overdue_alert.actions[0].note == "x" * 500


@pytest.mark.parametrize(
    ("steps", "refused", "message"),
    [
        (["acknowledge"], "acknowledge", "This alert was already acknowledged."),
        (["resolve"], "resolve", "This alert is already resolved."),
        (["acknowledge", "resolve"], "resolve", "This alert is already resolved."),
        (["resolve"], "acknowledge", "This alert is already resolved."),
        ([], "reopen", "Only a resolved alert can be reopened."),
        (["acknowledge"], "reopen", "Only a resolved alert can be reopened."),
    ],
)
def test_invalid_transitions_are_refused(db, scene, overdue_alert, steps, refused, message):
    act = {
        "acknowledge": alerts.acknowledge_alert,
        "resolve": alerts.resolve_alert,
        "reopen": alerts.reopen_alert,
    }
    for step in steps:
        act[step](scene.officer, overdue_alert, "ok", now=OVERDUE_FROM)
    before = (overdue_alert.status, len(overdue_alert.actions))
    with pytest.raises(FieldError) as caught:
        act[refused](scene.officer, overdue_alert, "again", now=OVERDUE_FROM)
    assert str(caught.value) == msg(message)
    assert caught.value.field is None
    assert (overdue_alert.status, len(overdue_alert.actions)) == before


def test_system_notes_are_stored_in_english_and_shown_in_the_readers_language(app, db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel)
    scan(db, scene.office, OVERDUE_FROM + SECOND)
    check_out(db, scene.hotel_op, stay, at=OVERDUE_FROM + timedelta(hours=1))
    scan(db, scene.office, OVERDUE_FROM + timedelta(hours=2))
    (alert,) = alerts_of(db)
    assert alert.actions[-1].note == "Guest checked out."  # whatever language the scan ran in
    assert alert.actions[-1].note in alerts.SYSTEM_NOTES
    # A catalogue entry shows how notes are read: the system's translated, an officer's as typed.
    system = AlertAction(action="resolve", note="Verified", actor_id=None)
    typed = AlertAction(action="resolve", note="Verified", actor_id=scene.officer.id)
    with app.test_request_context(), force_locale("id"):
        assert alert_queries.note_text(system) == "Diverifikasi"
        assert alert_queries.note_text(typed) == "Verified"
    with app.test_request_context(), force_locale("en"):
        assert alert_queries.note_text(system) == "Verified"


def test_two_officers_resolving_at_once_only_one_succeeds(app, db, scene, overdue_alert):
    """The row lock makes the second wait and then see the first's resolution (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL; SQLite requests queue on BEGIN IMMEDIATE instead")
    alert_id, colleague_id = overdue_alert.id, scene.colleague.id
    db.session.commit()
    mine = get_visible_or_404(Alert, alert_id, scene.officer, for_update=True)
    outcome: dict[str, object] = {}
    started = threading.Event()

    def other_officer() -> None:
        from apoa.accounts.models import User
        from apoa.extensions import db as thread_db

        with app.app_context():
            colleague = thread_db.session.get(User, colleague_id)
            started.set()
            theirs = get_visible_or_404(Alert, alert_id, colleague, for_update=True)
            try:
                alerts.resolve_alert(colleague, theirs, "Me too.", now=OVERDUE_FROM)
                thread_db.session.commit()
                outcome["result"] = "resolved"
            except FieldError as error:
                thread_db.session.rollback()
                outcome["result"] = str(error.message)
            finally:
                thread_db.session.remove()

    worker = threading.Thread(target=other_officer)
    worker.start()
    started.wait(5)
    worker.join(0.5)
    assert worker.is_alive()  # waiting for the lock
    alerts.resolve_alert(scene.officer, mine, "First.", now=OVERDUE_FROM)
    db.session.commit()
    worker.join(10)
    with app.app_context():
        assert outcome["result"] == msg("This alert is already resolved.")
    actions = db.session.scalars(sa.select(AlertAction).where(AlertAction.alert_id == alert_id))
    assert [a.note for a in actions] == ["First."]


def test_two_scans_at_once_file_each_alert_once(app, db, scene):
    """The second scan's INSERT waits on the unique index, then skips (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL; SQLite requests queue on BEGIN IMMEDIATE")
    check_in(db, scene.hotel_op, scene.hotel)
    now = OVERDUE_FROM + SECOND
    assert alerts.raise_due_alerts(scene.office, now=now) == 1  # not committed yet
    outcome: dict[str, object] = {}

    def second_scan() -> None:
        from apoa.extensions import db as thread_db

        with app.app_context():
            try:
                outcome["added"] = alerts.raise_due_alerts(scene_office, now=now)
                thread_db.session.commit()
            finally:
                thread_db.session.remove()

    scene_office = scene.office
    worker = threading.Thread(target=second_scan)
    worker.start()
    worker.join(1)
    assert worker.is_alive()  # blocked on the first scan's uncommitted row
    db.session.commit()
    worker.join(10)
    assert outcome["added"] == 0
    assert len(alerts_of(db)) == 1


def test_stays_are_never_deleted_by_the_scan(db, scene):
    stay = check_in(db, scene.hotel_op, scene.hotel)
    scan(db, scene.office, OVERDUE_FROM + SECOND)
    check_out(db, scene.hotel_op, stay, at=OVERDUE_FROM + timedelta(hours=1))
    scan(db, scene.office, OVERDUE_FROM + timedelta(hours=2))
    assert db.session.get(Stay, stay.id) is not None
    assert len(alerts_of(db)) == 1


def test_raise_alerts_command_files_recent_departures_too(db, scene, runner):
    stay = check_in(db, scene.hotel_op, scene.hotel, permit_expiry=date(2025, 3, 4))
    check_out(db, scene.hotel_op, stay, at=datetime(2025, 3, 5, 11, 0, tzinfo=WITA))
    result = runner.invoke(args=["apoa", "raise-alerts", "--now", "2025-03-20T01:00"])
    assert result.exit_code == 0, result.output
    assert "1 new alert(s)" in result.output
    (alert,) = alerts_of(db)
    assert (alert.kind, alert.stay_id) == (AlertKind.PERMIT_EXPIRED, stay.id)
    again = runner.invoke(args=["apoa", "raise-alerts", "--now", "2025-03-20T02:00"])
    assert "0 new alert(s)" in again.output
