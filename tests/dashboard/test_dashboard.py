"""The dashboard: figures equal to the stays, scoped, no personal data.

See docs/compliance.md, Dashboard.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.alerts.models import Alert
from apoa.compliance import queries
from apoa.compliance.models import NO_OFFICE, Ledger, OfficeDay
from apoa.dashboard import figures as dashboard
from apoa.db import utcnow
from apoa.lodgings.models import Lodging
from apoa.regions.models import Office
from apoa.regions.timezones import WIB, WITA, timezone_for_region
from apoa.reports import places, services
from apoa.reports.models import Stay, StayStatus
from apoa.reports.periods import period_containing, previous_period
from tests.factories import TEST_PASSWORD, check_in_guests, guest_data, place_at

pytestmark = pytest.mark.dates

# Wednesday 18 November 2026, 10:00 WITA: the week began on Monday the 16th,
# the day 30 days earlier is 19 October.
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
TWO_MONTHS = timedelta(days=60)  # how long the guests mean to stay
LEGIAN, JIMBARAN, GAMBIR, ACEH = "5103011004", "5103051006", "3171011001", "1101012001"
_serial = Counter[str]()


def _guest(nationality: str = "D", permit_type: str = "voa", **changes):
    _serial["guest"] += 1
    n = _serial["guest"]
    data = guest_data(n, passport_prefix="P", **changes)
    data.update(
        nationality=nationality,
        issuing_country=nationality,
        surname=f"Surname{'abcdefghij'[n % 10]}",
        permit_type=permit_type,
    )
    return data


def _office_id(db, code: str) -> int:
    return db.session.scalar(sa.select(Office.id).where(Office.code == code))


def _stays(db, office_id):
    query = sa.select(Stay).where(Stay.status != StayStatus.CANCELLED)
    if office_id is not None:
        query = query.where(Stay.office_id == (office_id or None))
    return list(db.session.scalars(query))


def _local_day(stay: Stay, at: datetime) -> date:
    return at.astimezone(timezone_for_region(stay.location.region_code)).date()


def _present_at(stays, day: date) -> int:
    """Guests there at the end of a local day, counted from the stays themselves."""
    return sum(
        1
        for s in stays
        if _local_day(s, s.check_in_at) <= day
        and (s.checked_out_at is None or _local_day(s, s.checked_out_at) > day)
    )


def _expected_trend(stays, today: date) -> list[tuple[date, int, int]]:
    months = []
    for back in range(23, -1, -1):
        index = today.year * 12 + today.month - 1 - back
        first = date(index // 12, index % 12 + 1, 1)
        following = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        end = min(following - timedelta(days=1), today)
        arrivals = sum(1 for s in stays if first <= _local_day(s, s.check_in_at) <= end)
        months.append((first, arrivals, _present_at(stays, end)))
    return months


# ---------------------------------------------------------------- pure helpers


def test_month_start_steps_back_over_years():
    assert dashboard.month_start(date(2026, 11, 18)) == date(2026, 11, 1)
    assert dashboard.month_start(date(2026, 11, 18), 10) == date(2026, 1, 1)
    assert dashboard.month_start(date(2026, 11, 18), 11) == date(2025, 12, 1)
    assert dashboard.month_start(date(2026, 1, 31), 23) == date(2024, 2, 1)


def test_top_keeps_fifteen_and_sums_the_rest():
    counts = {f"K{i:02d}": 100 - i for i in range(20)}
    counts["TIE"] = 86  # equal to K14: ties go by key, so K14 stays and TIE joins the others
    result = dashboard.top(counts)
    assert [key for key, _ in result[:15]] == [f"K{i:02d}" for i in range(15)]
    assert result[15] == (dashboard.OTHERS, 86 + sum(100 - i for i in range(15, 20)))
    assert dashboard.top({"A": 2, "B": 1}) == [("A", 2), ("B", 1)]  # nothing left: no "others"
    assert dashboard.top({}) == []


# ---------------------------------------------------------------- figures from the stays


@pytest.fixture
def bali(db, create_user, create_lodging):
    """Stays in two lodgings of Kanim Ngurah Rai over a year, reported at various times.

    Returns (office id, counts by what the test did: reports and late reports per local day).
    """
    operator = create_user("reporter", username="hotel.legian", full_name="Made Operator")
    legian = create_lodging(operator, name="Hotel Kenanga")
    other = create_user("reporter", username="hotel.jimbaran")
    jimbaran = create_lodging(
        other, name="Villa Jimbaran", street="Jl. Uluwatu 5", region_code=JIMBARAN
    )
    create_user("reporter", reporter_kind="rt_rw", area_code=LEGIAN, rw=4)  # never reported
    here = places.place_for_lodging(operator, legian)
    days = lambda n: timedelta(days=n)  # noqa: E731
    reports: list[tuple[datetime, bool]] = []  # (reported at, late)

    def check_in(guests, arrived, reported, place=here, who=operator):
        check_in_guests(who, place, guests, leaves=TWO_MONTHS, arrived=arrived, now=reported)
        reports.append((reported, reported - arrived > timedelta(hours=24)))

    def stays_of(arrived):
        return list(db.session.scalars(sa.select(Stay).where(Stay.check_in_at == arrived)))

    def check_out(stays, at, reported):
        services.record_check_out(operator, stays, at=at, now=reported)
        reports.append((reported, reported - at > timedelta(hours=24)))

    # A year ago, two guests for fifty days.
    check_in([_guest("D"), _guest("FRA")], NOW - days(300), NOW - days(300) + timedelta(hours=2))
    check_out(stays_of(NOW - days(300)), NOW - days(250), NOW - days(250))
    # Reported two days late; left 20 days ago, so present 30 days ago.
    check_in([_guest("AUS")], NOW - days(100), NOW - days(98))
    check_out(stays_of(NOW - days(100)), NOW - days(20), NOW - days(20))
    # Reported and then cancelled: counts nowhere.
    check_in([_guest("D")], NOW - days(45), NOW - days(45))
    services.cancel_stay(operator, stays_of(NOW - days(45))[0], "Wrong hotel", now=NOW - days(40))
    # Arrived 31 days ago (present then); one left on Sunday, reported that day (last week).
    check_in(
        [_guest("AUS", "itas", permit_number="2C11AB1234"), _guest("USA"), _guest("JPN")],
        NOW - days(31),
        NOW - days(31),
    )
    check_out(stays_of(NOW - days(31))[:1], NOW - days(3), NOW - days(3))
    # Arrived 29 days ago: not yet there 30 days ago.
    check_in([_guest("NLD", "visa_free")], NOW - days(29), NOW - days(29))
    # This week: a late report on Tuesday, two guests reported today, one in Jimbaran today.
    check_in([_guest("DEU")], NOW - days(5), NOW - days(1))
    check_in([_guest("D"), _guest("D")], NOW - days(1), NOW)
    check_in([_guest("USA")], NOW, NOW, place=places.place_for_lodging(other, jimbaran), who=other)
    # A nil report on Monday for the week before last, from Jimbaran (nobody stayed then).
    period = previous_period(period_containing(date(2026, 11, 9), "weekly"), "weekly")
    services.file_nil_report(
        other, places.place_for_lodging(other, jimbaran), period, now=NOW - days(2)
    )
    # Another office's guest must not show.
    check_in_guests(
        operator, place_at(GAMBIR), [_guest("GBR")], leaves=TWO_MONTHS, arrived=NOW, now=NOW
    )
    db.session.commit()
    return legian.location.office_id, reports


def test_figures_equal_counts_from_the_stays(db, bali):
    office_id, reports = bali
    figures = dashboard.figures(office_id, now=NOW)
    stays = _stays(db, office_id)
    open_stays = [s for s in stays if s.status == StayStatus.OPEN]
    today = NOW.astimezone(WITA).date()
    assert (figures.today, figures.week_start, figures.day_before) == (
        date(2026, 11, 18),
        date(2026, 11, 16),
        date(2026, 10, 19),
    )

    assert figures.present_now == len(open_stays) == 7
    assert figures.present_before == _present_at(stays, date(2026, 10, 19)) == 4
    assert (figures.change, figures.change_share) == (3, 0.75)

    assert dict(figures.by_nationality) == Counter(
        "D" if s.person.nationality == "DEU" else s.person.nationality for s in open_stays
    )
    assert figures.by_nationality[0] == ("D", 3)  # "DEU" and "D" are one Germany
    assert dict(figures.by_permit) == Counter(s.permit_type for s in open_stays)
    assert dict(figures.by_district) == {"510301": 6, "510305": 1}

    assert [(m.start, m.arrivals, m.present) for m in figures.trend] == _expected_trend(
        stays, today
    )
    assert len(figures.trend) == 24
    assert figures.trend[0].start == date(2024, 12, 1)
    assert figures.trend[-1].present == figures.present_now
    assert sum(m.arrivals for m in figures.trend) == len(stays) == 11

    local = [(at.astimezone(WITA).date(), late) for at, late in reports]
    this_week = [late for day, late in local if date(2026, 11, 16) <= day <= today]
    assert figures.reports_today == sum(1 for day, _ in local if day == today) == 2
    assert figures.reports_week == len(this_week) == 3
    assert figures.late_week == sum(this_week) == 1
    assert figures.nil_week == 1


def test_guests_reported_ahead_count_once_they_have_arrived(db, bali, create_user):
    office_id, _ = bali
    operator = db.session.scalars(sa.select(User).where(User.username == "hotel.legian")).one()
    lodging = db.session.scalars(sa.select(Lodging).where(Lodging.operator_id == operator.id)).one()
    tomorrow = NOW + timedelta(hours=20)  # 09:00 WITA tomorrow, reported today
    assert tomorrow.astimezone(WITA).date() == date(2026, 11, 19)
    check_in_guests(
        operator,
        places.place_for_lodging(operator, lodging),
        [_guest("CHE")],
        leaves=TWO_MONTHS,
        arrived=tomorrow,
        now=NOW,
    )
    db.session.commit()
    figures = dashboard.figures(office_id, now=NOW)
    assert (figures.present_now, figures.change) == (7, 3)  # not there yet
    assert figures.trend[-1].present == figures.present_now
    assert ("CHE", 1) in figures.by_nationality  # an open stay, reported

    arrived = dashboard.figures(office_id, now=tomorrow)
    assert arrived.present_now == 8


def test_compliance_counts_follow_the_pure_rules(db, bali):
    office_id, _ = bali
    figures = dashboard.figures(office_id, now=NOW)
    ledgers = db.session.scalars(
        sa.select(Ledger).where(Ledger.office_id == office_id, Ledger.is_active.is_(True))
    )
    expected = Counter(queries.status_of_ledger(ledger, NOW).value for ledger in ledgers)
    assert {k: v for k, v in figures.status_counts.items() if v} == dict(expected)
    assert figures.places == 3
    assert figures.compliance_rate == expected["compliant"] / 3


def test_trend_from_office_days_at_the_window_edges(db):
    """Written directly: rows before the window seed the running sum, future rows are ignored."""
    office = _office_id(db, "kanim-jakarta-pusat")  # WIB
    rows = {
        date(2020, 1, 1): (10, 0),  # long before the window
        date(2024, 11, 30): (5, 2),  # the day before the window opens
        date(2024, 12, 1): (4, 0),  # its first day
        date(2025, 6, 15): (0, 6),
        date(2026, 10, 18): (3, 1),  # 31 days before today
        date(2026, 10, 19): (2, 0),  # 30 days before today: still counts as "then"
        date(2026, 10, 20): (7, 0),  # 29 days before: not yet
        date(2026, 11, 18): (1, 0),  # today
        date(2026, 11, 19): (50, 0),  # reported ahead: not there yet
    }
    for day, (arrivals, departures) in rows.items():
        db.session.add(
            OfficeDay(office_id=office, day=day, arrivals=arrivals, departures=departures)
        )
    db.session.add(OfficeDay(office_id=NO_OFFICE, day=date(2026, 11, 1), arrivals=99))
    db.session.commit()
    now = datetime(2026, 11, 18, 16, 59, tzinfo=UTC)  # 23:59 WIB
    figures = dashboard.figures(office, now=now)
    assert figures.today == date(2026, 11, 18)
    trend = {m.start: (m.arrivals, m.present) for m in figures.trend}
    assert trend[date(2024, 12, 1)] == (4, 17)
    assert trend[date(2025, 5, 1)] == (0, 17)  # a month without rows carries the sum forward
    assert trend[date(2025, 6, 1)] == (0, 11)
    assert trend[date(2026, 10, 1)] == (12, 22)
    assert trend[date(2026, 11, 1)] == (1, 23)  # today, without tomorrow's 50
    assert figures.present_before == 15
    # One minute later it is the 19th in Jakarta: tomorrow's arrivals are there.
    later = dashboard.figures(office, now=now + timedelta(minutes=1))
    assert later.trend[-1].present == 73
    assert later.present_before == 22


def test_national_figures_sum_every_office_and_no_office(db, create_user):
    reporter = create_user("reporter")
    for village, guests in ((LEGIAN, 2), (GAMBIR, 3), (ACEH, 1)):
        check_in_guests(
            reporter,
            place_at(village),
            [_guest("AUS") for _ in range(guests)],
            leaves=TWO_MONTHS,
            arrived=NOW - timedelta(hours=1),
            now=NOW,
        )
    db.session.commit()
    national = dashboard.figures(None, now=NOW)
    bali = dashboard.figures(_office_id(db, "kanim-ngurah-rai"), now=NOW)
    jakarta = dashboard.figures(_office_id(db, "kanim-jakarta-pusat"), now=NOW)
    nowhere = dashboard.figures(NO_OFFICE, now=NOW)
    assert (bali.present_now, jakarta.present_now, nowhere.present_now) == (2, 3, 1)
    assert national.present_now == 6
    assert national.by_nationality == [("AUS", 6)]
    assert dict(national.by_district) == {"510301": 2, "317101": 3, "110101": 1}
    assert national.reports_today == 3
    assert national.trend[-1].arrivals == 6
    assert (national.zone, bali.zone, nowhere.zone) == (WIB, WITA, WIB)


def test_top_fifteen_nationalities_and_the_others(db, create_user):
    reporter = create_user("reporter")
    codes = ["AUS", "USA", "JPN", "FRA", "NLD", "GBR", "CHN", "KOR", "IND", "SGP", "MYS"]
    codes += ["THA", "RUS", "ITA", "ESP", "CAN", "NZL", "BRA"]  # 18 nationalities
    guests = [_guest(code) for code in codes] + [_guest("AUS"), _guest("AUS"), _guest("USA")]
    check_in_guests(reporter, place_at(LEGIAN), guests, leaves=TWO_MONTHS, arrived=NOW, now=NOW)
    db.session.commit()
    figures = dashboard.figures(_office_id(db, "kanim-ngurah-rai"), now=NOW)
    assert figures.by_nationality[:2] == [("AUS", 3), ("USA", 2)]
    assert len(figures.by_nationality) == 16
    named = [key for key, _ in figures.by_nationality[:15]]
    assert named[2:] == sorted(set(codes) - {"AUS", "USA"})[:13]  # ones, by code
    assert figures.by_nationality[15] == (dashboard.OTHERS, 3)
    assert sum(n for _, n in figures.by_nationality) == figures.present_now == 21


def test_open_alerts_by_kind_and_office(db, create_user):
    bali, jakarta = _office_id(db, "kanim-ngurah-rai"), _office_id(db, "kanim-jakarta-pusat")
    for n, (office, kind, status) in enumerate(
        [
            (bali, "overdue_check_out", "open"),
            (bali, "overdue_check_out", "acknowledged"),
            (bali, "permit_expired", "resolved"),  # done: not counted
            (bali, "location_mismatch", "open"),
            (jakarta, "open_elsewhere", "open"),
            (None, "location_mismatch", "open"),  # a place no office covers
        ]
    ):
        db.session.add(Alert(office_id=office, kind=kind, subject_key=f"test:{n}", status=status))
    db.session.commit()
    assert dashboard.figures(bali, now=NOW).alerts == {
        "overdue_check_out": 2,
        "location_mismatch": 1,
    }
    assert dashboard.figures(NO_OFFICE, now=NOW).alerts == {"location_mismatch": 1}
    national = dashboard.figures(None, now=NOW)
    assert national.open_alerts == 5


# ---------------------------------------------------------------- the pages


def _client(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def _recent_stays(db, create_user):
    """Guests in Bali and Jakarta now, a back-dated one in Bali, one checked out."""
    now = utcnow()
    reporter = create_user("reporter", full_name="Ketut Pelapor")
    legian = place_at(LEGIAN)
    check_in_guests(
        reporter,
        legian,
        [_guest("AUS", surname="Kangaroo"), _guest("D")],
        leaves=TWO_MONTHS,
        arrived=now - timedelta(days=40),
        now=now - timedelta(days=39),
    )
    check_in_guests(
        reporter, legian, [_guest("JPN", surname="Sakura")], leaves=TWO_MONTHS, arrived=now, now=now
    )
    gone = db.session.scalars(sa.select(Stay).order_by(Stay.id)).first()
    services.record_check_out(reporter, [gone], at=now - timedelta(days=10), now=now)
    check_in_guests(
        reporter, place_at(GAMBIR), [_guest("GBR")] * 1, leaves=TWO_MONTHS, arrived=now, now=now
    )
    db.session.commit()


def _numbers(html: str, table_id: str) -> list[tuple[str, list[int]]]:
    """(data-key, the <data> values) of each row of a table on the page."""
    body = re.search(rf'<table class="dash-table" id="{table_id}">(.*?)</table>', html, re.S)
    assert body is not None, table_id
    return [
        (key, [int(v) for v in re.findall(r'<data value="(-?\d+)"', row)])
        for key, row in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', body.group(1), re.S)
    ]


def _card(html: str, testid: str) -> list[int]:
    card = re.search(rf'<article[^>]*data-testid="{testid}">(.*?)</article>', html, re.S)
    assert card is not None, testid
    return [int(v) for v in re.findall(r'<data value="(-?\d+)"', card.group(1))]


def test_officer_page_and_json_show_the_same_figures(app, db, create_user):
    _recent_stays(db, create_user)
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = _client(app, officer)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = client.get("/dashboard/data.json").get_json()

    expected = dashboard.figures(officer.office_id, now=utcnow())
    assert data["present"] == {
        "now": 2,
        "before": 2,
        "change": 0,
        "change_percent": 0.0,
    }
    assert data["present"]["now"] == expected.present_now
    assert data["scope"]["office_id"] == officer.office_id
    assert data["scope"]["zone"] == "WITA"
    assert [(s["key"], s["n"]) for s in data["nationality"]] == [("D", 1), ("JPN", 1)]
    assert data["nationality"][0]["label"] in ("Jerman (D)", "Germany (D)")

    assert _card(html, "card-present") == [data["present"]["now"], data["present"]["change"]]
    reports = data["reports"]
    assert _card(html, "card-reports") == [
        reports["today"],
        reports["week"],
        reports["late_week"],
        reports["nil_week"],
    ]
    assert reports["today"] == 2  # today's check-in and check-out (Jakarta's is not ours)
    statuses = data["compliance"]["statuses"]
    assert _card(html, "card-compliance") == [s["n"] for s in statuses]
    assert _card(html, "card-alerts") == [data["alerts"]["open"]] + [
        k["n"] for k in data["alerts"]["kinds"]
    ]
    for name in ("nationality", "permit", "district"):
        assert _numbers(html, f"table-{name}") == [(s["key"], [s["n"]]) for s in data[name]], name
    assert _numbers(html, "table-trend") == [
        (m["month"], [m["arrivals"], m["present"]]) for m in data["trend"]
    ]
    assert data["trend"][-1]["present"] == 2
    assert sum(m["arrivals"] for m in data["trend"]) == 3
    # The chart data block is that same JSON, marked as data (not code) with the nonce.
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    block = re.search(
        r'<script type="application/json" id="dashboard-data" nonce="([^"]+)">(.*?)</script>',
        html,
        re.S,
    )
    assert block is not None
    assert block.group(1) == nonce
    import json

    assert json.loads(block.group(2))["present"] == data["present"]
    # Status counts open the compliance list filtered by that status; alert kinds, the queue.
    assert 'href="/compliance/?status=late"' in html
    assert 'href="/alerts/?kind=overdue_check_out"' in html
    assert client.get("/compliance/?status=late").status_code == 200
    assert client.get("/alerts/?kind=overdue_check_out").status_code == 200


def test_the_dashboard_names_nobody(app, db, create_user):
    _recent_stays(db, create_user)
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = _client(app, officer)
    html = client.get("/dashboard/").get_data(as_text=True)
    body = client.get("/dashboard/data.json").get_data(as_text=True)
    people = db.session.scalars(sa.select(Stay)).all()
    assert people
    for stay in people:
        for text in (stay.guest_name, stay.person.surname, stay.person.passport_number):
            assert text not in html
            assert text not in body
    for text in ("Kangaroo", "Sakura", "Ketut Pelapor", "P000"):
        assert text not in html
        assert text not in body


def test_officers_see_only_their_office_whatever_they_ask(app, db, create_user):
    _recent_stays(db, create_user)
    bali = create_user("officer", office_code="kanim-ngurah-rai")
    jakarta = create_user("officer", office_code="kanim-jakarta-pusat")
    client = _client(app, jakarta)
    data = client.get("/dashboard/data.json").get_json()
    assert data["scope"]["office_id"] == jakarta.office_id
    assert data["present"]["now"] == 1
    assert [s["key"] for s in data["nationality"]] == ["GBR"]
    # Asking for Bali's office, or the whole country, changes nothing for an officer.
    for query in (f"?office={bali.office_id}", "?office=", "?office=0", "?office=x"):
        assert client.get(f"/dashboard/data.json{query}").get_json() == data
        page = client.get(f"/dashboard/{query}").get_data(as_text=True)
        assert "Ngurah Rai" not in page
        assert 'name="office"' not in page  # no office picker for officers
    # And Bali's officer does not see Jakarta's guest.
    other = _client(app, bali).get("/dashboard/data.json").get_json()
    assert other["present"]["now"] == 2
    assert "GBR" not in [s["key"] for s in other["nationality"]]


def test_admins_see_the_country_or_one_office(app, db, create_user):
    _recent_stays(db, create_user)
    admin = create_user("admin")
    client = _client(app, admin)
    national = client.get("/dashboard/data.json").get_json()
    assert national["scope"] == national["scope"] | {"office_id": None, "national": True}
    assert national["present"]["now"] == 3
    # No links to lists of places or guests for admins: they see aggregates only.
    assert {s["url"] for s in national["compliance"]["statuses"]} == {None}
    assert {k["url"] for k in national["alerts"]["kinds"]} == {national["alerts"]["url"]} == {None}
    assert "/compliance/" not in client.get("/dashboard/").get_data(as_text=True)
    bali = _office_id(db, "kanim-ngurah-rai")
    one = client.get(f"/dashboard/data.json?office={bali}").get_json()
    assert one["scope"]["office_id"] == bali
    assert one["present"]["now"] == 2
    nowhere = client.get(f"/dashboard/data.json?office={NO_OFFICE}").get_json()
    assert nowhere["present"]["now"] == 0
    page = client.get(f"/dashboard/?office={bali}").get_data(as_text=True)
    assert f'<option value="{bali}" selected>' in page
    assert "Ngurah Rai" in page
    for bad in ("999999", "abc", "-1", "1e3"):
        assert client.get(f"/dashboard/data.json?office={bad}").status_code == 404
        assert client.get(f"/dashboard/?office={bad}").status_code == 404


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/data.json"])
def test_reporters_and_anonymous_users_are_refused(app, create_user, path):
    reporter = create_user("reporter")
    assert _client(app, reporter).get(path).status_code == 403
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login")


def test_an_empty_office_shows_zeros_without_errors(app, db, create_user):
    officer = create_user("officer", office_code="kanim-batam")
    client = _client(app, officer)
    data = client.get("/dashboard/data.json").get_json()
    assert data["present"] == {"now": 0, "before": 0, "change": 0, "change_percent": None}
    assert data["compliance"]["rate_percent"] is None
    assert data["nationality"] == data["permit"] == data["district"] == []
    assert [m["present"] for m in data["trend"]] == [0] * 24
    html = client.get("/dashboard/").get_data(as_text=True)
    for name in ("nationality", "permit", "district"):
        assert _numbers(html, f"table-{name}") == []  # one row saying so, without numbers
    assert html.count('<td colspan="3">') == 3


def test_the_country_counts_a_guest_who_arrived_after_midnight_in_bali(
    db, create_user, create_lodging, freeze
):
    # Sunday 16:45 UTC: Monday 00:45 in Bali (WITA), still Sunday 23:45 in Jakarta (WIB).
    now = freeze("2026-12-06T16:45:00+00:00")
    operator = create_user("reporter")
    lodging = create_lodging(operator)
    check_in_guests(operator, lodging, 1, arrived=now - timedelta(minutes=15), now=now)
    db.session.commit()
    bali = _office_id(db, "kanim-ngurah-rai")
    assert dashboard.figures(bali, now=now).present_now == 1
    national = dashboard.figures(None, now=now)
    assert national.present_now == 1
    assert national.reports_today == 1


def test_indonesian_dashboard_writes_a_decimal_comma(app, db, create_user, monkeypatch):
    """Shares such as 66,7 % are formatted for the language (issue 12, point 4)."""
    from apoa.dashboard import views

    real = views._data

    def with_shares():
        data, office_id = real()
        data["compliance"]["rate_percent"] = 66.7
        return data, office_id

    monkeypatch.setattr(views, "_data", with_shares)
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    client = _client(app, officer)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "66,7%" in html
    assert "66.7" not in html.split('id="dashboard-data"')[0]  # the JSON block keeps numbers
    client.post("/language", data={"lang": "en", "next": "/dashboard/"})
    assert "66.7%" in client.get("/dashboard/").get_data(as_text=True)
