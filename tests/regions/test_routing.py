"""Routing every location to exactly one office; the jurisdiction check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from apoa.regions.models import Office, OfficeJurisdiction, Region
from apoa.regions.routing import check_jurisdictions, office_for_region

SEEDED = json.loads(Path("apoa/regions/data/offices.json").read_text())["offices"]


def _office_code(db, office_id):
    return db.session.scalar(sa.select(Office.code).where(Office.id == office_id))


@pytest.mark.parametrize("office", SEEDED, ids=[o["code"] for o in SEEDED])
def test_every_seeded_office_receives_the_villages_of_its_areas(db, app, office):
    for area in office["jurisdiction"]:
        villages = db.session.scalars(
            sa.select(Region.code)
            .where(Region.level == 4, Region.code.startswith(area))
            .order_by(Region.code)
        ).all()
        assert villages, area
        for village in (villages[0], villages[len(villages) // 2], villages[-1]):
            assert _office_code(db, office_for_region(village)) == office["code"], village


def test_district_claim_beats_regency_claim(db, app):
    ngurah_rai = db.session.scalar(sa.select(Office).where(Office.code == "kanim-ngurah-rai"))
    denpasar = db.session.scalar(sa.select(Office).where(Office.code == "kanim-denpasar"))
    # Give Denpasar all of Badung: the Kuta districts still go to Ngurah Rai.
    denpasar.jurisdictions.append(OfficeJurisdiction(region_code="5103"))
    db.session.commit()
    assert office_for_region("5103011004") == ngurah_rai.id  # Legian, Kuta
    assert office_for_region("5103022001") == denpasar.id  # Mengwi


def test_closed_office_no_longer_receives(db, app):
    office = db.session.scalar(sa.select(Office).where(Office.code == "kanim-batam"))
    assert (
        office_for_region("2171011001") == office.id or office_for_region("2171011001") is not None
    )
    office.is_active = False
    db.session.commit()
    assert office_for_region("2171011001") is None


def test_outside_every_jurisdiction_is_none(db, app):
    assert office_for_region("9471011001") is None  # Papua: no seeded office
    assert office_for_region(None) is None


def test_check_jurisdictions_reports_gaps_and_double_claims(db, app, runner):
    report = check_jurisdictions("51")
    assert report.contested == []
    assert report.uncovered == []  # Bali is fully covered by the seeded offices
    denpasar = db.session.scalar(sa.select(Office).where(Office.code == "kanim-denpasar"))
    denpasar.jurisdictions.append(OfficeJurisdiction(region_code="510301"))  # also Ngurah Rai's
    db.session.execute(
        sa.delete(OfficeJurisdiction).where(OfficeJurisdiction.region_code == "5108")
    )
    db.session.commit()
    report = check_jurisdictions("51")
    assert report.contested == [("510301", ["kanim-denpasar", "kanim-ngurah-rai"])]
    assert [r.code for r in report.uncovered] == ["5108"]
    result = runner.invoke(args=["apoa", "check-jurisdictions", "--province", "51"])
    assert result.exit_code == 1
    assert "510301: kanim-denpasar, kanim-ngurah-rai" in result.output
    assert "5108 Kabupaten Buleleng" in result.output
