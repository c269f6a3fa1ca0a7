"""The reports announce what happened; the projections follow inside the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from blinker import Signal

from apoa import clock, signals
from apoa.compliance.models import Ledger
from apoa.geocoding.services import place_pin
from apoa.maps.models import MapCell
from apoa.reports import services
from apoa.reports.events import ReportFacts, StayState
from apoa.reports.models import Stay, StayStatus
from apoa.reports.periods import period_containing, previous_period
from apoa.reports.places import LodgingChoice


@contextmanager
def recording(signal: Signal) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """Collect what a signal sends while the block runs."""
    sent: list[tuple[Any, dict[str, Any]]] = []

    def record(sender: Any, **kwargs: Any) -> None:
        sent.append((sender, kwargs))

    signal.connect(record)
    try:
        yield sent
    finally:
        signal.disconnect(record)


def _cells(db: Any) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(MapCell.n), 0)).where(
        MapCell.z == 0
    ))  # fmt: skip


def test_a_check_in_announces_each_new_stay_and_the_report(db, create_stay, verified_lodging):
    operator, lodging = verified_lodging
    now = clock.now()
    with recording(signals.stays_checked_in) as sent:
        made = create_stay(operator, lodging, 2, now=now)
    [(sender, kwargs)] = sent
    assert sender is operator
    assert kwargs["receipt"] is made.receipt
    assert kwargs["now"] == now
    befores = [before for before, _ in kwargs["changes"]]
    afters = [after for _, after in kwargs["changes"]]
    assert befores == [None, None]
    assert all(isinstance(a, StayState) and a.is_open for a in afters)
    assert {a.stay_id for a in afters} == {s.id for s in made.stays}
    report = kwargs["report"]
    assert isinstance(report, ReportFacts)
    assert (report.reporter_id, report.lodging_id) == (operator.id, lodging.id)
    assert report.happened_at == made.stay.check_in_at


def test_check_out_amend_and_cancel_announce_the_state_before_and_after(
    db, create_stay, verified_lodging
):
    operator, lodging = verified_lodging
    now = clock.now()
    first, second = create_stay(operator, lodging, 2, now=now).stays
    with recording(signals.stays_checked_out) as out:
        services.record_check_out(operator, [first], at=now, now=now)
    [(_, kwargs)] = out
    [(before, after)] = kwargs["changes"]
    assert (before.status, after.status) == (StayStatus.OPEN, StayStatus.CHECKED_OUT)
    assert after.checked_out_at == now
    with recording(signals.stay_cancelled) as cancelled:
        services.cancel_stay(operator, second, "wrong guest", now=now)
    [(_, kwargs)] = cancelled
    [(before, after)] = kwargs["changes"]
    assert before.is_open
    assert after.is_cancelled


def test_an_amendment_announces_the_corrected_state(db, create_stay, verified_lodging):
    operator, lodging = verified_lodging
    now = clock.now()
    stay = create_stay(operator, lodging, now=now).stay
    guest = services.reported_guest(stay)
    guest.update(
        birth_date=stay.person.birth_date,
        passport_expiry=stay.person.passport_expiry,
        permit_expiry=None,
        nationality="FRA",
        issuing_country="FRA",
    )
    with recording(signals.stay_amended) as sent:
        services.amend_stay(
            operator,
            stay,
            guest,
            {
                "check_in_at": stay.check_in_at,
                "expected_check_out": stay.expected_check_out,
                "room": None,
            },
            "nationality was wrong",
            now=now,
        )
    [(_, kwargs)] = sent
    [(before, after)] = kwargs["changes"]
    assert before.nationality != "FRA"
    assert after.nationality == "FRA"


def test_a_failing_subscriber_fails_the_report_and_nothing_is_kept(
    db, create_stay, verified_lodging
):
    operator, lodging = verified_lodging

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("projection down")

    signals.stays_checked_in.connect(broken)
    try:
        with pytest.raises(RuntimeError, match="projection down"):
            create_stay(operator, lodging, now=clock.now())
    finally:
        signals.stays_checked_in.disconnect(broken)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 0
    assert _cells(db) == 0
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert ledger.reports_total == 0


def test_the_projections_follow_a_check_in_in_the_same_transaction(
    db, create_stay, verified_lodging
):
    operator, lodging = verified_lodging
    create_stay(operator, lodging, 3, now=clock.now())
    # Not committed yet: the map cells and the ledger already agree with the stays.
    assert _cells(db) == 3
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert (ledger.reports_total, ledger.open_stays) == (1, 3)


def test_an_officers_pin_announces_the_move_and_the_stays_follow(
    db, create_stay, create_user, verified_lodging
):
    operator, lodging = verified_lodging
    now = clock.now()
    create_stay(operator, lodging, 2, now=now)
    officer = create_user("officer")
    location = lodging.location
    with recording(signals.location_changed) as changed, recording(signals.location_moved) as moved:
        place_pin(officer, location, -8.7, 115.17, now=now)
    [(sender, kwargs)] = changed
    assert sender is location
    [(sender, kwargs)] = moved
    assert sender is location
    assert len(kwargs["changes"]) == 2
    for before, after in kwargs["changes"]:
        assert (after.lat, after.lon) == (-8.7, 115.17)
        assert (before.lat, before.lon) != (after.lat, after.lon)
    assert _cells(db) == 2


def test_a_pin_that_moves_nothing_announces_nothing(db, create_user, verified_lodging):
    _, lodging = verified_lodging
    location = lodging.location
    officer = create_user("officer")
    with recording(signals.location_changed) as changed:
        place_pin(officer, location, location.lat, location.lon, now=clock.now())
    assert changed == []


@pytest.mark.dates
def test_a_nil_report_announces_the_period_it_closes(db, verified_lodging):
    operator, lodging = verified_lodging
    now = clock.now()
    today = now.astimezone(services.reporter_zone(operator)).date()
    period = previous_period(period_containing(today, "weekly"), "weekly")
    with recording(signals.nil_report_filed) as sent:
        services.file_nil_report(operator, LodgingChoice(lodging.id), period, now=now)
    [(sender, kwargs)] = sent
    assert sender is operator
    assert kwargs["period_end"] == period.end
    assert kwargs["report"].lodging_id == lodging.id
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert ledger.last_nil_period_end == period.end
