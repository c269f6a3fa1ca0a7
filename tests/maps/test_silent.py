"""The map's "not reported lately" layer shows what the compliance rules call silent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from apoa.compliance.models import ComplianceStatus, Ledger
from apoa.compliance.queries import status_of_ledger
from apoa.maps.services import Viewport, silent_places

INDONESIA = Viewport(94, -11, 142, 6.5, 5)
# A Wednesday, 11:00 in Bali (WITA): the weekly period began on Monday 23 November,
# the last ended one ran from Monday 16 to Sunday 22 November (local dates).
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
REGISTERED = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)

# name: the ledger's facts at NOW, and whether the rules call the place silent (or never reported)
PLACES = {
    # Reported in early November, nothing since: silent (rule C3).
    "Losmen Sepi": ({"last_report_at": datetime(2026, 11, 10, 2, 0, tzinfo=UTC)}, True),
    # Registered a month ago, never a report nor a nil report.
    "Villa Baru": ({}, True),
    # Reported on Monday 16 November, nine days ago: inside the last ended period, so
    # compliant, though more than seven days have passed.
    "Hotel Ramai": ({"last_report_at": datetime(2026, 11, 16, 2, 0, tzinfo=UTC)}, False),
    # A nil report for the last ended week.
    "Pondok Kosong": (
        {
            "last_nil_at": datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
            "last_nil_period_end": date(2026, 11, 22),
        },
        False,
    ),
    # A guest is staying: nothing to declare.
    "Wisma Tamu": ({"open_stays": 1, "next_check_out": date(2026, 12, 5)}, False),
    # Verified yesterday: no period has ended since.
    "Homestay Anyar": ({"registered_at": datetime(2026, 11, 24, 2, 0, tzinfo=UTC)}, False),
}


@pytest.fixture
def places(app, db, freeze, create_user, create_lodging):
    """The lodgings of PLACES in Kuta (Kanim Ngurah Rai), their ledgers set as described."""
    freeze(NOW)
    operator = create_user("reporter", username="penginapan.op")
    for number, (name, (facts, _)) in enumerate(PLACES.items(), start=1):
        lodging = create_lodging(
            operator, name=name, kind="guesthouse", street=f"Jl. Sepi {number}"
        )
        ledger = db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
        for field, value in {"registered_at": REGISTERED, **facts}.items():
            setattr(ledger, field, value)
    db.session.commit()


def _shown(actor):
    return {place[2]: place[3] for place in silent_places(actor, INDONESIA, now=NOW)}


def test_the_layer_shows_the_places_the_rules_call_silent(db, places, create_user):
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    shown = _shown(officer)
    assert sorted(shown) == sorted(name for name, (_, silent) in PLACES.items() if silent)
    assert shown == {"Losmen Sepi": "2026-11-10T02:00:00+00:00", "Villa Baru": None}
    # The same answer as the rules in Python, place by place.
    quiet = (ComplianceStatus.SILENT, ComplianceStatus.NEVER_REPORTED)
    for ledger in db.session.scalars(sa.select(Ledger)):
        assert (status_of_ledger(ledger, NOW) in quiet) == (ledger.lodging.name in shown)


def test_the_layer_keeps_to_the_office(places, create_user):
    assert _shown(create_user("officer", office_code="kanim-jakarta-pusat")) == {}
    assert set(_shown(create_user("admin"))) == {"Losmen Sepi", "Villa Baru"}
    assert _shown(create_user("reporter")) == {}


def test_silent_endpoint_reads_the_request_clock(client, places, login_as):
    login_as("officer", office_code="kanim-ngurah-rai")
    response = client.get("/api/map/silent", query_string={"bbox": "94,-11,142,6.5", "z": 5})
    assert response.status_code == 200
    assert sorted((p[2], p[3]) for p in response.get_json()["places"]) == [
        ("Losmen Sepi", "2026-11-10T02:00:00+00:00"),
        ("Villa Baru", None),
    ]
