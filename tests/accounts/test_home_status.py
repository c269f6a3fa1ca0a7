"""A reporter's home page shows the compliance status of each of their own places."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from apoa.compliance import rules
from apoa.compliance.models import Ledger
from apoa.db import utcnow
from apoa.regions.timezones import WITA
from apoa.reports.periods import WEEKLY

pytestmark = pytest.mark.dates


def _ledger(db, lodging_id=None, reporter_id=None) -> Ledger:
    if lodging_id is not None:
        return db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging_id))
    return db.session.scalar(
        sa.select(Ledger).where(Ledger.reporter_id == reporter_id, Ledger.lodging_id.is_(None))
    )


def _set(db, ledger: Ledger, **facts) -> None:
    for key, value in facts.items():
        setattr(ledger, key, value)
    db.session.commit()


def _blocks(html: str) -> dict[str, str]:
    """Return each place's block of the status section, by its name."""
    section = html.split('data-testid="my-status"', 1)[1].split("</section>", 1)[0]
    blocks = {}
    for block in section.split('data-testid="place-status"')[1:]:
        name = re.search(r"<h3>\s*(.*?) <span", block, re.S).group(1).strip()
        blocks[name] = block
    return blocks


def _day(day: date) -> str:
    """A calendar day as every page shows it: the locale's medium form ("Dec 7, 2026")."""
    return format_date(day, "medium", locale="en")


def _status(block: str) -> str:
    return re.match(r'\s*data-status="(\w+)"', block).group(1)


@pytest.fixture
def four_places(db, create_user, create_lodging, create_stay):
    """A reporter (English) with a silent, a compliant, a late and an overdue lodging in Bali."""
    now = utcnow()
    limits = rules.thresholds(now, WITA, WEEKLY)
    operator = create_user("reporter", username="wayan", locale="en")
    long_ago = now - timedelta(days=60)
    silent = create_lodging(operator, name="Hotel Sepi")
    _set(
        db,
        _ledger(db, silent.id),
        registered_at=long_ago,
        last_report_at=limits.previous_start - timedelta(days=1),
    )
    compliant = create_lodging(operator, name="Hotel Rajin")
    _set(
        db,
        _ledger(db, compliant.id),
        registered_at=long_ago,
        last_report_at=now - timedelta(minutes=5),
        last_nil_period_end=limits.previous.end - timedelta(days=7),
    )
    late = create_lodging(operator, name="Hotel Telat")
    _set(
        db,
        _ledger(db, late.id),
        registered_at=long_ago,
        last_report_at=now - timedelta(minutes=5),
        last_late_at=now - timedelta(minutes=5),
    )
    overdue = create_lodging(operator, name="Hotel Lewat")
    _set(db, _ledger(db, overdue.id), registered_at=long_ago)
    arrived = now - timedelta(days=10)
    create_stay(operator, overdue, 2, arrived=arrived, leaves=timedelta(days=5), now=arrived)
    db.session.commit()
    return operator, limits


def test_each_place_shows_its_status_and_what_is_due(client, auth, four_places):
    operator, limits = four_places
    auth.login(operator.username)
    response = client.get("/")
    assert response.status_code == 200
    blocks = _blocks(response.get_data(as_text=True))
    assert {name: _status(block) for name, block in blocks.items()} == {
        "Hotel Sepi": "silent",
        "Hotel Rajin": "compliant",
        "Hotel Telat": "late",
        "Hotel Lewat": "late",
    }
    # Worst first.
    assert next(iter(blocks)) == "Hotel Sepi"

    silent = blocks["Hotel Sepi"]
    assert ">Silent</span>" in silent
    start, end = (_day(d) for d in (limits.previous.start, limits.previous.end))
    period = f"{start} to {end}"
    assert f"Due: a nil report for {period} if no foreigner stayed then" in silent
    assert "Last nil report: none yet" in silent

    compliant = blocks["Hotel Rajin"]
    assert ">Compliant</span>" in compliant
    assert "Nothing is due." in compliant
    assert "Due:" not in compliant
    nil_end = _day(limits.previous.end - timedelta(days=7))
    assert f"Last nil report: period ending {nil_end}" in compliant
    assert "Last report: none yet" not in compliant

    late = blocks["Hotel Telat"]
    assert ">Late</span>" in late
    assert "A recent report came more than 24 hours after the arrival or departure" in late
    assert "Nothing is due." not in late

    overdue = blocks["Hotel Lewat"]
    assert "Guests past their expected check-out date: 2." in overdue
    assert 'href="/reports/"' in overdue
    assert "A recent report came more than" not in overdue


def test_never_reported_area_reporter(db, client, auth, create_user):
    official = create_user("reporter", reporter_kind="rt_rw", locale="en", rw=3, rt=7)
    registered = utcnow() - timedelta(days=70)
    _set(db, _ledger(db, reporter_id=official.id), registered_at=registered)
    auth.login(official.username)
    html = client.get("/").get_data(as_text=True)
    [(name, block)] = _blocks(html).items()
    assert name == "Legian · RW 03 · RT 07"
    assert _status(block) == "never_reported"
    local_day = _day(registered.astimezone(WITA).date())
    assert f"Nothing has been received since the registration on {local_day}." in block
    assert "Due: a nil report for" in block
    assert "Last report: none yet" in block


def test_the_home_page_shows_only_the_signed_in_reporters_places(
    db, client, auth, create_user, create_lodging, four_places
):
    other = create_user("reporter", username="komang", locale="en")
    create_lodging(other, name="Hotel Orang Lain")
    auth.login("komang")
    html = client.get("/").get_data(as_text=True)
    assert list(_blocks(html)) == ["Hotel Orang Lain"]
    for name in ("Hotel Sepi", "Hotel Rajin", "Hotel Telat", "Hotel Lewat"):
        assert name not in html


def test_inactive_places_are_not_shown(db, client, auth, create_user, create_lodging):
    operator = create_user("reporter", username="made", locale="en")
    gone = create_lodging(operator, name="Hotel Tutup")
    _set(db, _ledger(db, gone.id), is_active=False)
    auth.login("made")
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="my-status"' not in html
    assert 'data-testid="place-status"' not in html


def test_officers_and_admins_see_no_reporter_status(client, login_as):
    login_as("officer")
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="my-status"' not in html


def test_statuses_are_in_indonesian_by_default(db, client, auth, four_places):
    operator, _ = four_places
    operator.locale = None
    db.session.commit()
    auth.login(operator.username)
    html = client.get("/").get_data(as_text=True)
    assert "Status pelaporan saya" in html
    blocks = _blocks(html)
    assert ">Tidak melapor</span>" in blocks["Hotel Sepi"]
    assert ">Patuh</span>" in blocks["Hotel Rajin"]


def _nil_tile(html: str) -> dict[str, str]:
    """Each place's line in the nil-report tile: its state."""
    tile = html.split('data-testid="nil-due"', 1)[1].split("</div>", 1)[0]
    return dict(
        (name.strip(), state)
        for state, name in re.findall(r'data-nil-state="(\w+)">\s*([^:<]+):', tile)
    )


def test_the_nil_tile_never_asks_what_the_status_does_not(
    db, client, auth, four_places, create_lodging
):
    """A compliant place is not asked for a nil report; a new one is not asked for last week."""
    operator, limits = four_places
    reported = create_lodging(operator, name="Hotel Tamu")
    # Guests were reported during the last ended week: it is not nil, nothing is asked.
    _set(db, _ledger(db, reported.id), registered_at=utcnow() - timedelta(days=60),
         last_report_at=limits.previous_start + timedelta(days=1))  # fmt: skip
    create_lodging(operator, name="Hotel Baru")  # registered today
    auth.login(operator.username)
    html = client.get("/").get_data(as_text=True)
    statuses = {name: _status(block) for name, block in _blocks(html).items()}
    tile = _nil_tile(html)
    assert tile["Hotel Sepi"] == "due"
    assert statuses["Hotel Sepi"] == "silent"
    assert tile["Hotel Tamu"] == "reported"
    assert statuses["Hotel Tamu"] == "compliant"
    assert tile["Hotel Baru"] == "new"
    assert "not needed: you started reporting on" in html
    for name, state in tile.items():
        assert (state == "due") == (statuses[name] in ("silent", "never_reported")), name
