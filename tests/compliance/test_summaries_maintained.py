"""The report services keep the ledger, office days and presence counts current.

See docs/compliance.md, Summary tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from apoa.compliance import queries
from apoa.compliance.models import NO_OFFICE, Ledger, OfficeDay, PresenceCount
from apoa.compliance.models import ComplianceStatus as S
from apoa.db import utcnow
from apoa.regions.timezones import WITA
from apoa.reports import places, services
from apoa.reports.periods import period_containing, previous_period
from tests.factories import guest_data

pytestmark = pytest.mark.dates


def _presence(db, office_id):
    rows = db.session.execute(
        sa.select(PresenceCount.dimension, PresenceCount.key, PresenceCount.n).where(
            PresenceCount.office_id == office_id, PresenceCount.n != 0
        )
    )
    return {(d, k): n for d, k, n in rows}


def test_verified_lodging_gets_a_ledger_row(db, verified_lodging):
    operator, lodging = verified_lodging
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert ledger.reporter_id == operator.id
    assert ledger.office_id == lodging.location.office_id != NO_OFFICE
    assert ledger.village_code == "5103011004"
    assert ledger.district_code == "510301"
    assert (ledger.reports_total, ledger.open_stays, ledger.last_report_at) == (0, 0, None)


def test_check_in_check_out_and_cancel_update_every_summary(db, create_stay, verified_lodging):
    operator, lodging = verified_lodging
    office = lodging.location.office_id
    now = utcnow()
    create_stay(
        operator, lodging, [guest_data(1), guest_data(2, nationality="FRA")], arrived=now, now=now
    )
    # A late report: the guest arrived two days before it was reported.
    create_stay(operator, lodging, [guest_data(3)], arrived=now - timedelta(days=2), now=now)
    db.session.commit()
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert (ledger.reports_total, ledger.late_total, ledger.open_stays) == (2, 1, 3)
    assert ledger.last_report_at == now
    assert ledger.last_late_at == now
    assert ledger.next_check_out == (now - timedelta(days=2) + timedelta(days=3)).date()
    assert ledger.period_reports == 2
    assert _presence(db, office) == {
        ("nationality", "D"): 2,
        ("nationality", "FRA"): 1,
        ("permit", "voa"): 3,
        ("district", "510301"): 3,
    }
    today = now.astimezone(WITA).date()
    day = db.session.get(OfficeDay, (office, today))
    assert (day.reports, day.late_reports) == (2, 1)

    first, second, third = sorted(lodging_stays(db, lodging), key=lambda s: s.id)
    services.record_check_out(operator, [first, second], at=now, now=now)
    services.cancel_stay(operator, third, "Wrong hotel", now=now)
    db.session.commit()
    db.session.refresh(ledger)
    assert (ledger.reports_total, ledger.open_stays, ledger.next_check_out) == (3, 0, None)
    assert _presence(db, office) == {}
    arrivals = db.session.scalar(
        sa.select(sa.func.sum(OfficeDay.arrivals)).where(OfficeDay.office_id == office)
    )
    departures = db.session.scalar(
        sa.select(sa.func.sum(OfficeDay.departures)).where(OfficeDay.office_id == office)
    )
    assert (arrivals, departures) == (2, 2)  # the cancelled stay counts nowhere


def lodging_stays(db, lodging):
    from apoa.reports.models import Stay

    return list(db.session.scalars(sa.select(Stay).where(Stay.lodging_id == lodging.id)))


def test_amending_the_nationality_moves_the_presence_count(db, create_stay, verified_lodging):
    operator, lodging = verified_lodging
    now = utcnow()
    create_stay(operator, lodging, [guest_data(1)], arrived=now, now=now)
    db.session.commit()
    (stay,) = lodging_stays(db, lodging)
    services.amend_stay(
        operator,
        stay,
        guest_data(1, nationality="NLD"),
        {"check_in_at": now, "expected_check_out": (now + timedelta(days=3)).date()},
        "Wrong nationality",
        now=now,
    )
    db.session.commit()
    counts = _presence(db, lodging.location.office_id)
    assert counts[("nationality", "NLD")] == 1
    assert ("nationality", "D") not in counts


def test_a_nil_report_counts_for_its_period(db, verified_lodging):
    operator, lodging = verified_lodging
    now = utcnow()
    local_today = now.astimezone(WITA).date()
    period = previous_period(period_containing(local_today, "weekly"), "weekly")
    services.file_nil_report(operator, places.place_for_lodging(operator, lodging), period, now=now)
    db.session.commit()
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert ledger.last_nil_period_end == period.end
    assert ledger.last_nil_at == now
    assert ledger.reports_total == 0
    assert queries.status_of_ledger(ledger, now) == S.COMPLIANT


def test_area_reporters_get_a_ledger_and_follow_their_account(db, create_user):
    from apoa.accounts import services as accounts

    official = create_user("reporter", reporter_kind="rt_rw", area_code="5103011004", rw=3)
    admin = create_user("admin")
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.reporter_id == official.id))
    assert (ledger.kind, ledger.village_code, ledger.lodging_id) == ("rt_rw", "5103011004", None)
    assert ledger.office_id != NO_OFFICE
    assert ledger.is_active
    accounts.set_account_active(admin, official, False, now=utcnow())
    db.session.commit()
    db.session.refresh(ledger)
    assert not ledger.is_active


def test_rejected_lodging_leaves_the_list(db, create_user, create_lodging):
    from apoa.lodgings.services import decide_lodging

    operator = create_user("reporter")
    officer = create_user("officer")
    lodging = create_lodging(operator, status="pending")
    assert db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id)) is None
    decide_lodging(officer, lodging, verified=True, reason=None, now=utcnow())
    db.session.commit()
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert ledger.is_active
    decide_lodging(officer, lodging, verified=False, reason="Closed down", now=utcnow())
    db.session.commit()
    db.session.refresh(ledger)
    assert not ledger.is_active


def test_sql_statuses_equal_the_pure_rules(db, create_user):
    """LedgerColumns(now).status() must give what rules.status_of gives, row by row."""
    reporter = create_user("reporter", reporter_kind="lurah", area_code="5103011004")
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 WITA
    week = datetime(2026, 11, 9, tzinfo=WITA)  # start of the last ended week in Bali
    second = timedelta(seconds=1)
    cases = []
    for kind in ("lodging", "rt_rw", "lurah"):
        for village in ("5103011004", "3171011001", "9171011001", None):  # WITA, WIB, WIT, none
            for last in (
                None,
                week - second,
                week,
                week + timedelta(days=10),
                week - timedelta(days=25),
            ):
                for late in (None, week - second, week):
                    for nil_end in (None, date(2026, 11, 15), date(2026, 10, 31)):
                        for open_, next_out in (
                            (0, None),
                            (1, date(2026, 11, 16)),
                            (1, date(2026, 11, 15)),
                        ):
                            cases.append((kind, village, last, late, nil_end, open_, next_out))
    for n, (kind, village, last, late, nil_end, open_, next_out) in enumerate(cases):
        db.session.add(
            Ledger(
                reporter_id=reporter.id,
                lodging_id=None,
                kind=kind,
                village_code=village,
                district_code=village[:6] if village else None,
                office_id=999_000 + n % 3,
                registered_at=datetime(2026, 11, 1, tzinfo=UTC)
                if n % 7 == 0
                else week - second * n,
                last_report_at=last,
                last_late_at=late,
                last_nil_period_end=nil_end,
                open_stays=open_,
                next_check_out=next_out,
            )
        )
    db.session.flush()
    columns = queries.LedgerColumns(now)
    rows = db.session.execute(
        sa.select(Ledger, columns.status()).where(Ledger.office_id >= 999_000)
    ).all()
    assert len(rows) == len(cases)
    mismatches = [
        (ledger.kind, ledger.village_code, sql)
        for ledger, sql in rows
        if queries.status_of_ledger(ledger, now).value != sql
    ]
    assert mismatches == []
    seen = {sql for _, sql in rows}
    assert seen == {s.value for s in S}  # the cases reach every status


def test_changing_the_cadence_recounts_reports_this_period(
    db, create_stay, verified_lodging, create_user
):
    from apoa.admin.cadences import set_cadence

    operator, lodging = verified_lodging
    admin = create_user("admin")
    wednesday = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    week_before = wednesday - timedelta(days=8)  # same month, previous week
    create_stay(operator, lodging, [guest_data(1)], arrived=week_before, now=week_before)
    create_stay(operator, lodging, [guest_data(2)], arrived=wednesday, now=wednesday)
    db.session.commit()
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert (ledger.period_start, ledger.period_reports) == (date(2026, 11, 16), 1)
    set_cadence(admin, "lodging", "monthly", now=wednesday)
    db.session.commit()
    db.session.refresh(ledger)
    assert (ledger.period_start, ledger.period_reports) == (date(2026, 11, 1), 2)
    set_cadence(admin, "lodging", "weekly", now=wednesday)
    db.session.commit()
    db.session.refresh(ledger)
    assert (ledger.period_start, ledger.period_reports) == (date(2026, 11, 16), 1)


def test_a_location_routed_to_another_region_moves_its_counts(db, create_stay, verified_lodging):
    from apoa.geocoding.services import LocationBefore, announce_if_moved
    from apoa.regions.routing import office_for_region

    operator, lodging = verified_lodging
    now = utcnow()
    create_stay(operator, lodging, [guest_data(1)], arrived=now, now=now)
    db.session.commit()
    location = lodging.location
    old_office = location.office_id
    before = LocationBefore.of(location)
    location.region_code = "5171011001"  # a late geocode found it in Denpasar
    location.office_id = office_for_region(location.region_code)
    announce_if_moved(location, before, now=now)
    db.session.commit()
    new_counts = _presence(db, location.office_id)
    assert new_counts[("district", "517101")] == 1
    assert ("district", "510301") not in _presence(db, old_office)
    ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    assert (ledger.office_id, ledger.district_code) == (location.office_id, "517101")
