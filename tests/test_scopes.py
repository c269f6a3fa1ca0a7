"""The office primitives of apoa.scoping and the scopes each domain registers with it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from apoa.compliance.models import Ledger, OfficeDay, PresenceCount
from apoa.extensions import db as _db
from apoa.maps.models import MapCell
from apoa.regions.models import Office, OfficeJurisdiction
from apoa.reports.scopes import stays_visible_to
from apoa.scoping import (
    NO_OFFICE,
    of_office,
    office_clause,
    office_key,
    office_shown,
    own_office,
    visible,
)


def _office(code):
    return _db.session.scalar(sa.select(Office.id).where(Office.code == code))


@pytest.fixture
def offices(db):
    """The ids of two offices: Kanim Ngurah Rai (Bali) and Kanim Jakarta Pusat."""
    return _office("kanim-ngurah-rai"), _office("kanim-jakarta-pusat")


@pytest.fixture
def cells(db, offices):
    """One map cell per office, and one of places no office covers."""
    for office_id in (*offices, NO_OFFICE):
        db.session.add(MapCell(z=0, office_id=office_id, cx=0, cy=0, n=1))
    db.session.flush()


def _offices_of(model, actor):
    return sorted(_db.session.scalars(visible(model, actor).with_only_columns(model.office_id)))


def test_office_clause_by_role(db, create_user, offices, cells):
    ngurah_rai, jakarta = offices

    def seen(actor, **kwargs):
        query = sa.select(MapCell.office_id).where(
            office_clause(actor, MapCell.office_id, **kwargs)
        )
        return sorted(db.session.scalars(query))

    officer = create_user("officer", office_code="kanim-ngurah-rai")
    admin = create_user("admin")
    reporter = create_user("reporter")
    assert seen(officer) == seen(officer, personal=True) == [ngurah_rai]
    assert seen(admin) == sorted([NO_OFFICE, ngurah_rai, jakarta])
    assert seen(admin, personal=True) == []  # admins see no one's personal data
    assert seen(reporter) == seen(reporter, personal=True) == []


def test_of_office_chooses_one_office_or_the_country(db, offices, cells):
    ngurah_rai, jakarta = offices

    def seen(office_id):
        query = sa.select(MapCell.office_id).where(of_office(MapCell.office_id, office_id))
        return sorted(db.session.scalars(query))

    assert seen(None) == sorted([NO_OFFICE, ngurah_rai, jakarta])
    assert seen(jakarta) == [jakarta]
    assert seen(NO_OFFICE) == [NO_OFFICE]


def test_no_office_is_null_on_a_foreign_key(db, offices):
    ngurah_rai, _ = offices
    office = sa.literal(None, sa.Integer)
    assert db.session.scalar(sa.select(of_office(office, NO_OFFICE, no_office_is_null=True)))
    assert not db.session.scalar(sa.select(of_office(office, ngurah_rai, no_office_is_null=True)))
    assert office_key(None) == NO_OFFICE
    assert office_key(ngurah_rai) == ngurah_rai


def test_the_office_a_page_shows(db, create_user, offices):
    ngurah_rai, jakarta = offices
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    admin = create_user("admin")
    assert own_office(officer) == ngurah_rai
    assert office_shown(officer, jakarta) == ngurah_rai  # whatever the URL asks (R10)
    assert office_shown(officer) == ngurah_rai
    assert office_shown(admin, jakarta) == jakarta
    assert office_shown(admin) is None  # the country
    for outsider in (admin, create_user("reporter")):
        with pytest.raises(Forbidden):
            own_office(outsider)
    with pytest.raises(Forbidden):
        office_shown(create_user("reporter"))


def test_map_cells_per_office_and_national_for_admins(db, create_user, offices, cells):
    ngurah_rai, jakarta = offices
    assert _offices_of(MapCell, create_user("officer", office_code="kanim-jakarta-pusat")) == [
        jakarta
    ]
    assert _offices_of(MapCell, create_user("admin")) == sorted([NO_OFFICE, ngurah_rai, jakarta])
    assert _offices_of(MapCell, create_user("reporter")) == []


def test_office_figures_per_office(db, create_user, offices):
    ngurah_rai, jakarta = offices
    for office_id in (ngurah_rai, jakarta):
        db.session.add(OfficeDay(office_id=office_id, day=date(2026, 11, 2)))
        db.session.add(PresenceCount(office_id=office_id, dimension="nationality", key="AUS"))
    db.session.flush()
    officer = create_user("officer", office_code="kanim-ngurah-rai")
    for model in (OfficeDay, PresenceCount):
        assert _offices_of(model, officer) == [ngurah_rai]
        assert _offices_of(model, create_user("admin")) == sorted([ngurah_rai, jakarta])
        assert _offices_of(model, create_user("reporter")) == []


def test_ledgers_per_office_and_a_reporter_s_own(db, create_user, create_lodging, offices):
    ngurah_rai, jakarta = offices
    operator = create_user("reporter", username="dua.tempat")
    create_lodging(operator, name="Hotel Legian")  # Legian, Kuta: Ngurah Rai
    create_lodging(operator, name="Hotel Gambir", street="Jl. Gambir 1", region_code="3171011001")
    other = create_user("reporter", username="lain")
    assert _offices_of(Ledger, create_user("officer", office_code="kanim-ngurah-rai")) == [
        ngurah_rai
    ]
    assert _offices_of(Ledger, create_user("admin")) == sorted([ngurah_rai, jakarta])
    assert _offices_of(Ledger, operator) == sorted([ngurah_rai, jakarta])
    assert _offices_of(Ledger, other) == []


def test_stays_are_personal_data(db, create_user):
    """Admins see no stays; the query still runs (an empty answer, not an error)."""
    admin = create_user("admin")
    assert db.session.scalars(stays_visible_to(admin)).all() == []


def test_every_model_with_an_office_is_scoped(db, create_user):
    """A model that belongs to an office is reached only through a registered scope."""
    admin = create_user("admin")
    unscoped = []
    for mapper in _db.Model.registry.mappers:
        model = mapper.class_
        if "office_id" not in mapper.columns or model is OfficeJurisdiction:
            continue  # OfficeJurisdiction is the office's own area, read by in_jurisdiction
        try:
            visible(model, admin)
        except LookupError:
            unscoped.append(model.__name__)
    assert unscoped == []
