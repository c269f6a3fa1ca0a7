"""The bulk rebuild of the summaries equals what the report services kept (docs/compliance.md)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apoa.accounts import services as accounts
from apoa.compliance.models import NO_OFFICE, Ledger, OfficeDay
from apoa.compliance.rebuild import rebuild_all
from apoa.db import utcnow
from apoa.geocoding.services import get_geocoder, locate
from apoa.lodgings.models import Lodging
from apoa.lodgings.services import decide_lodging
from apoa.regions.timezones import WIB, WITA
from apoa.reports import places, services
from apoa.reports.models import Stay, StayStatus
from apoa.reports.periods import period_containing, previous_period
from tests.compliance.summary_tables import summary_snapshot
from tests.factories import check_in_guests, guest_data, place_at

pytestmark = pytest.mark.dates

BALI, JAKARTA, MALUKU = "5103011004", "3171011001", "8101011009"  # WITA, WIB, WIT


# ---------------------------------------------------------------- helpers


def _rebuilt(db, now: datetime) -> dict[str, list[tuple[Any, ...]]]:
    counts = rebuild_all(now=now)
    snap = summary_snapshot(db)
    assert counts["compliance_ledgers"] == len(snap["ledgers"])
    assert counts["presence_counts"] == len(snap["presence"])
    return snap


def _guest(index: int, **changes: Any) -> dict[str, Any]:
    return guest_data(index, passport_prefix="R", **changes)


class World:
    """Reporters and places made through the real services, inside the test's transaction."""

    def __init__(self, db, create_user, now: datetime) -> None:
        tag = uuid.uuid4().hex[:6]
        self.db = db
        self.admin = create_user("admin", username=f"adm{tag}")
        self.officer = create_user("officer", username=f"off{tag}")
        self.operator = self.account(f"op{tag}", "lodging", None, now=now)
        self.places: list[services.Place] = []
        self.lodging_places: list[services.Place] = []
        for name, code in (("Bali", BALI), ("Jakarta", JAKARTA)):
            lodging = self.lodging(f"Hotel {name} {tag}", code, now=now)
            place = places.place_for_lodging(self.operator, lodging)
            self.lodging_places.append(place)
        # A lodging that was never verified has no ledger and cannot report.
        self.lodging(f"Pending {tag}", BALI, now=now, verify=False)
        self.rt = self.account(f"rt{tag}", "rt_rw", BALI, now=now, rw=3)
        self.lurah = self.account(f"lu{tag}", "lurah", MALUKU, now=now)
        self.quiet = self.account(f"qu{tag}", "lurah", JAKARTA, now=now)  # never reports
        self.counter = 0
        self.homes: dict[tuple[int, int], services.Place] = {}

    def account(self, username, kind, area, *, now, rw=None):
        user, _ = accounts.create_account(
            self.admin,
            {
                "username": username,
                "full_name": username.title(),
                "role": "reporter",
                "reporter_kind": kind,
                "area_code": area,
                "rw": rw,
                "rt": None,
            },
            now=now,
        )
        return user

    def lodging(self, name, code, *, now, verify=True):
        location = locate(
            street=f"Jl. {name} No. 1", rt=None, rw=None, region_code=code, now=now,
            geocoder=get_geocoder(),
        )  # fmt: skip
        lodging = Lodging(
            operator_id=self.operator.id,
            name=name,
            kind="hotel",
            location=location,
            status="pending",
            created_at=now,
        )
        self.db.session.add(lodging)
        self.db.session.flush()
        if verify:
            decide_lodging(self.officer, lodging, verified=True, reason=None, now=now)
        return lodging

    def area_place(self, reporter, number: int) -> services.Place:
        """The home with this number in the reporter's area (the same one on every call)."""
        if (reporter.id, number) in self.homes:
            return self.homes[(reporter.id, number)]
        self.homes[(reporter.id, number)] = place_at(
            reporter.area_code, f"Jl. Rumah No. {number}", rt=1, rw=reporter.rw or 1
        )
        return self.homes[(reporter.id, number)]

    def check_in(self, actor, place, size, *, arrived, now, **guest_changes):
        guests = []
        for _ in range(size):
            self.counter += 1
            guests.append(_guest(self.counter, **guest_changes))
        made = check_in_guests(
            actor, place, guests, arrived=arrived, leaves=timedelta(days=2), now=now
        )
        return made.receipt

    def open_stays(self, place: services.Place | None = None) -> list[Stay]:
        query = sa.select(Stay).where(Stay.status == StayStatus.OPEN).order_by(Stay.id)
        if place is not None:
            query = query.where(Stay.location_id == place.location.id)
        return list(self.db.session.scalars(query))


# ---------------------------------------------------------------- a realistic mix


def test_rebuild_equals_the_running_summaries(db, create_user):
    today = utcnow().replace(hour=16, minute=30, second=0, microsecond=0)
    t0 = today - timedelta(days=30)
    world = World(db, create_user, t0)
    bali, jakarta = world.lodging_places
    operator, rt, lurah = world.operator, world.rt, world.lurah
    hour = timedelta(hours=1)

    # On time; late (arrived three days earlier); exactly on the 24-hour deadline (not late)
    # and one second over it (late).
    world.check_in(operator, bali, 2, arrived=t0 + 0.5 * hour, now=t0 + hour)
    world.check_in(operator, bali, 1, arrived=t0 - timedelta(days=3), now=t0 + 2 * hour)
    now = t0 + 3 * hour
    world.check_in(operator, jakarta, 1, arrived=now - timedelta(hours=24), now=now)
    now = t0 + 4 * hour
    world.check_in(operator, jakarta, 1, arrived=now - timedelta(hours=24, seconds=1), now=now)
    # Area reporters at homes in their village, in WITA and WIT; one back-dated a week.
    world.check_in(rt, world.area_place(rt, 1), 3, arrived=t0 + 4 * hour, now=t0 + 5 * hour)
    world.check_in(lurah, world.area_place(lurah, 2), 1, arrived=t0, now=t0 + 6 * hour)
    world.check_in(
        lurah, world.area_place(lurah, 3), 2, arrived=t0 - timedelta(days=9), now=t0 + 7 * hour,
        nationality="AUS", permit_type="itas", permit_number="2C11AB1234",
    )  # fmt: skip

    # Reported at 16:45 UTC = 00:45 WITA (the next day in Bali) for a departure at 23:45 WITA.
    now = t0 + timedelta(days=1, minutes=15)
    first_group = world.open_stays(bali)[:2]
    services.record_check_out(operator, first_group, at=now - hour, now=now)
    # A late check-out, reported two days after the guest left.
    now = t0 + timedelta(days=4)
    (late_leaver, on_deadline) = world.open_stays(jakarta)
    services.record_check_out(operator, [late_leaver], at=now - timedelta(days=2), now=now)
    # Two groups leaving together: one receipt, one report.
    now = t0 + timedelta(days=5)
    world.check_in(operator, bali, 1, arrived=now - 2 * hour, now=now - hour)
    services.record_check_out(operator, world.open_stays(bali), at=now, now=now)
    # Cancelled: one open stay, and one that had checked out (its check-out report stays).
    now = t0 + timedelta(days=6)
    services.cancel_stay(operator, on_deadline, "Wrong hotel", now=now)
    rt_stays = world.open_stays(world.area_place(rt, 1))
    services.record_check_out(rt, [rt_stays[0]], at=now, now=now + hour)
    services.cancel_stay(rt, rt_stays[0], "Reported twice", now=now + 2 * hour)
    # A corrected nationality and permit move the presence counts.
    now = t0 + timedelta(days=7)
    stay = rt_stays[1]
    services.amend_stay(
        rt,
        stay,
        _guest(9001, nationality="NLD", permit_type="itas", permit_number="2C11XY0001"),
        {"check_in_at": stay.check_in_at, "expected_check_out": stay.expected_check_out},
        "Wrong passport",
        now=now,
    )
    # Nil reports: the Jakarta lodging for an old week, the lurah for last month.
    now = t0 + timedelta(days=8)
    old_week = period_containing(t0.astimezone(WIB).date() - timedelta(days=21), "weekly")
    services.file_nil_report(operator, jakarta, old_week, now=now)
    month = previous_period(period_containing(now.date(), "monthly"), "monthly")
    month = previous_period(month, "monthly")
    nil_place = places.area_place(lurah, now=now, geocoder=get_geocoder())
    services.file_nil_report(lurah, nil_place, month, now=now)
    # Reports in the current week, some open stays left, one deactivated account.
    now = today - timedelta(days=1)
    world.check_in(operator, jakarta, 2, arrived=now - hour, now=now, nationality="JPN")
    accounts.set_account_active(world.admin, world.quiet, False, now=now)

    live = summary_snapshot(db)
    rebuilt = _rebuilt(db, now)
    assert rebuilt == live

    # And the figures are the ones the scenario should give (so the comparison has teeth).
    ledgers = {(r.reporter_id, r.lodging_id): r for r in db.session.scalars(sa.select(Ledger))}
    bali_ledger = ledgers[(operator.id, bali.lodging.id)]
    jakarta_ledger = ledgers[(operator.id, jakarta.lodging.id)]
    # Bali: 3 check-ins (2 + 1 + 1 guests) and 2 check-outs; the second check-in was late.
    assert (bali_ledger.reports_total, bali_ledger.late_total) == (5, 1)
    # Jakarta: 3 check-ins (one a second late), 1 check-out two days late.
    assert (jakarta_ledger.reports_total, jakarta_ledger.late_total) == (4, 2)
    assert jakarta_ledger.last_nil_period_end == old_week.end
    assert (jakarta_ledger.open_stays, jakarta_ledger.period_reports) == (2, 1)
    rt_ledger = ledgers[(rt.id, None)]
    assert (rt_ledger.reports_total, rt_ledger.open_stays, rt_ledger.kind) == (2, 2, "rt_rw")
    lurah_ledger = ledgers[(lurah.id, None)]
    assert lurah_ledger.office_id == NO_OFFICE
    assert lurah_ledger.late_total == 1
    assert not ledgers[(world.quiet.id, None)].is_active
    assert ledgers[(world.quiet.id, None)].last_report_at is None
    assert len(ledgers) == 5  # two lodgings and three areas; not the pending lodging
    presence: dict[tuple[str, str], int] = {}
    for _, dimension, key, n in rebuilt["presence"]:  # summed over the offices
        presence[(dimension, key)] = presence.get((dimension, key), 0) + n
    assert presence[("nationality", "NLD")] == 1
    assert presence[("nationality", "JPN")] == 2
    assert presence[("permit", "itas")] == 3
    # That check-out: the departures on one local day, its report on the next.
    bali_office = bali.location.office_id
    report_day = (t0 + timedelta(days=1, minutes=15)).astimezone(WITA).date()
    assert report_day == t0.date() + timedelta(days=2)
    reported = db.session.get(OfficeDay, (bali_office, report_day))
    left = db.session.get(OfficeDay, (bali_office, report_day - timedelta(days=1)))
    assert (reported.reports, reported.departures, left.departures) == (1, 0, 2)


def test_rebuild_of_an_empty_database_and_twice_in_a_row(db, create_user):
    now = utcnow()
    assert rebuild_all(now=now) == {
        "compliance_ledgers": 0,
        "office_days": 0,
        "presence_counts": 0,
    }
    world = World(db, create_user, now - timedelta(days=2))
    world.check_in(world.operator, world.lodging_places[0], 2, arrived=now - timedelta(hours=3),
                   now=now - timedelta(hours=2))  # fmt: skip
    first = _rebuilt(db, now)
    assert first == _rebuilt(db, now)
    assert len(first["ledgers"]) == 5
    with pytest.raises(ValueError, match="aware"):
        rebuild_all(now=now.replace(tzinfo=None))


def test_rebuild_command_repairs_the_tables(db, create_user, runner):
    now = utcnow()
    world = World(db, create_user, now - timedelta(days=2))
    world.check_in(world.operator, world.lodging_places[1], 1, arrived=now - timedelta(days=1),
                   now=now - timedelta(hours=1))  # fmt: skip
    db.session.commit()
    live = summary_snapshot(db)
    db.session.execute(sa.delete(Ledger))
    db.session.execute(sa.update(OfficeDay).values(reports=99))
    db.session.commit()
    result = runner.invoke(args=["apoa", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "5 compliance_ledgers" in result.output
    db.session.expire_all()
    assert summary_snapshot(db) == live


# ---------------------------------------------------------------- any sequence of reports

OPERATIONS = ["in", "in_late", "in_area", "out", "out_late", "out_place", "cancel", "amend", "nil"]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(OPERATIONS),
            st.integers(0, 5),
            st.integers(60, 4 * 24 * 3600),  # seconds since the previous report
        ),
        min_size=1,
        max_size=14,
    )
)
def test_rebuild_equals_the_running_summaries_after_any_sequence(db, create_user, operations):
    start = utcnow().replace(microsecond=0) - timedelta(days=70)
    world = World(db, create_user, start)
    lodgings = world.lodging_places
    area = [
        (world.rt, world.area_place(world.rt, 1)),
        (world.lurah, world.area_place(world.lurah, 2)),
    ]
    now = start
    nil_periods: set[tuple[int, str, date]] = set()
    for operation, which, gap in operations:
        now += timedelta(seconds=gap)
        open_stays = world.open_stays()
        if operation in ("in", "in_late"):
            late = timedelta(days=1 + which % 3) if operation == "in_late" else timedelta(hours=1)
            world.check_in(world.operator, lodgings[which % 2], 1 + which % 3,
                           arrived=now - late, now=now,
                           nationality=["D", "FRA", "AUS"][which % 3])  # fmt: skip
        elif operation == "in_area":
            actor, place = area[which % 2]
            world.check_in(actor, place, 1 + which % 2, arrived=now - timedelta(minutes=30),
                           now=now)  # fmt: skip
        elif operation in ("out", "out_late") and open_stays:
            stay = open_stays[which % len(open_stays)]
            at = now - (timedelta(days=2) if operation == "out_late" else timedelta(minutes=5))
            at = max(at, stay.check_in_at)
            if at <= now:
                services.record_check_out(stay.reporter, [stay], at=at, now=now)
        elif operation == "out_place" and open_stays:
            location_id = open_stays[which % len(open_stays)].location_id
            stays = [s for s in open_stays if s.location_id == location_id]
            at = max(now - timedelta(hours=3), *(s.check_in_at for s in stays))
            if at <= now:
                services.record_check_out(stays[0].reporter, stays, at=at, now=now)
        elif operation == "cancel" and open_stays:
            stay = open_stays[which % len(open_stays)]
            services.cancel_stay(stay.reporter, stay, "Wrong", now=now)
        elif operation == "amend" and open_stays:
            stay = open_stays[which % len(open_stays)]
            services.amend_stay(
                stay.reporter,
                stay,
                _guest(50_000 + which, nationality="NLD", permit_type="visa_free"),
                {
                    "check_in_at": stay.check_in_at,
                    "expected_check_out": stay.expected_check_out + timedelta(days=which),
                },
                "Typo",
                now=now,
            )
        elif operation == "nil":
            # A period long before any stay: always nil; once per place and period.
            if which < 4:
                actor, place, cadence = world.operator, lodgings[which % 2], "weekly"
            else:
                actor, cadence = world.lurah, "monthly"
                place = places.area_place(actor, now=now, geocoder=get_geocoder())
            period = period_containing(start.date() - timedelta(days=35 * (1 + which)), cadence)
            if (actor.id, place.name, period.start) not in nil_periods:
                nil_periods.add((actor.id, place.name, period.start))
                services.file_nil_report(actor, place, period, now=now)
    live = summary_snapshot(db)
    try:
        assert _rebuilt(db, now) == live
    finally:
        db.session.rollback()


def test_rebuild_takes_the_deadline_setting(app, db, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_DEADLINE_HOURS", 72)
    now = datetime.now(UTC).replace(microsecond=0)
    world = World(db, create_user, now - timedelta(days=5))
    # Two days late under the 24-hour default, on time under 72 hours.
    world.check_in(world.operator, world.lodging_places[0], 1,
                   arrived=now - timedelta(days=2), now=now)  # fmt: skip
    live = summary_snapshot(db)
    assert _rebuilt(db, now) == live
    ledger = db.session.scalar(
        sa.select(Ledger).where(Ledger.lodging_id == world.lodging_places[0].lodging.id)
    )
    assert (ledger.reports_total, ledger.late_total) == (1, 0)
