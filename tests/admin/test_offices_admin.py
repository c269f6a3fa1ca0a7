"""Offices and jurisdictions in the admin console; the audit log."""

from __future__ import annotations

import sqlalchemy as sa

from apoa.regions.models import Office
from tests.factories import TEST_PASSWORD


def test_create_and_edit_an_office(db, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/offices/new",
        data={
            "code": "kanim-mataram",
            "name": "Kantor Imigrasi Kelas I TPI Mataram",
            "jurisdiction": "52.71, 5201\n5202",
        },
    )
    assert response.status_code == 302
    office = db.session.scalar(sa.select(Office).where(Office.code == "kanim-mataram"))
    assert [j.region_code for j in office.jurisdictions] == ["5201", "5202", "5271"]
    client.post(
        f"/admin/offices/{office.id}/edit",
        data={"code": "kanim-mataram", "name": "Kanim Mataram", "jurisdiction": "5271"},
    )
    db.session.expire_all()
    office = db.session.get(Office, office.id)
    assert office.name == "Kanim Mataram"
    assert [j.region_code for j in office.jurisdictions] == ["5271"]


def test_jurisdiction_must_name_regencies_or_districts(db, client, login_as):
    login_as("admin")
    html = client.post(
        "/admin/offices/new",
        data={"code": "kanim-x", "name": "Kanim X", "jurisdiction": "52, 5103011004, 9999"},
    ).get_data(as_text=True)
    assert 'id="jurisdiction-errors"' in html
    assert "5103011004" in html
    assert db.session.scalar(sa.select(Office).where(Office.code == "kanim-x")) is None


def test_office_code_is_unique(client, login_as):
    login_as("admin")
    html = client.post(
        "/admin/offices/new", data={"code": "kanim-denpasar", "name": "Lagi"}
    ).get_data(as_text=True)
    assert 'id="code-errors"' in html


def test_closing_an_office_ends_its_officers_sessions(app, db, client, login_as, create_user):
    login_as("admin")
    officer = create_user("officer", office_code="kanim-denpasar")
    officer_client = app.test_client()
    officer_client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    office_id = officer.office_id
    assert client.post(f"/admin/offices/{office_id}/deactivate").status_code == 302
    assert officer_client.get("/").status_code == 302


def test_audit_log_lists_and_filters(app, client, login_as):
    app.test_client().post("/login", data={"username": "nobody", "password": "wrong password x"})
    login_as("admin")
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert ">login.failure<" in everything
    assert ">login.success<" in everything
    only_success = client.get("/admin/audit?action=login.success").get_data(as_text=True)
    assert ">login.success<" in only_success
    assert ">login.failure<" not in only_success


def test_offices_list_search_filter_and_paginate(make_app, create_user):
    from apoa.regions.loading import load_offices

    app = make_app(ADMIN_PAGE_SIZE=5)
    with app.app_context():
        load_offices()
        from apoa.extensions import db as ext_db

        ext_db.session.commit()
    admin = create_user("admin")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    first = client.get("/admin/offices").get_data(as_text=True)
    assert first.count("/admin/offices/") - first.count("/admin/offices/new") == 5
    assert "page=2" in first
    found = client.get("/admin/offices?q=ngurah").get_data(as_text=True)
    assert "Ngurah Rai" in found
    assert "Denpasar" not in found
    closed = client.get("/admin/offices?status=closed").get_data(as_text=True)
    assert "Ngurah Rai" not in closed
