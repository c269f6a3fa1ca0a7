"""The admin console for accounts: list, create, edit, deactivate, reset, import."""

from __future__ import annotations

import re

import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.audit.models import AuditEvent
from apoa.regions.models import Office
from tests.factories import TEST_PASSWORD


def _office_id(db, code="kanim-ngurah-rai"):
    return db.session.scalar(sa.select(Office.id).where(Office.code == code))


def _actions(db):
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_create_reporter_shows_password_once_and_forces_a_change(app, db, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "Hotel.Kuta",
            "full_name": "Putu Resepsionis",
            "role": "reporter",
            "reporter_kind": "lodging",
            "locale": "id",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = re.search(r'data-testid="temp-password">([^<]+)<', html).group(1)
    user = db.session.scalar(sa.select(User).where(User.username == "hotel.kuta"))
    assert user.must_change_password
    assert user.password_hash.startswith("$argon2id$")
    assert password not in user.password_hash
    assert "account.create" in _actions(db)
    assert password not in str(db.session.scalars(sa.select(AuditEvent.details)).all())
    # The new reporter signs in and may only change the password.
    reporter = app.test_client()
    assert (
        reporter.post("/login", data={"username": "hotel.kuta", "password": password}).headers[
            "Location"
        ]
        == "/account/password"
    )
    assert reporter.get("/").headers["Location"] == "/account/password"
    changed = reporter.post(
        "/account/password",
        data={
            "current_password": password,
            "new_password": "sawah hijau di ubud",
            "confirm_password": "sawah hijau di ubud",
        },
    )
    assert changed.status_code == 302
    assert reporter.get("/").status_code == 200


def test_create_shows_field_errors_and_saves_nothing(db, client, login_as):
    login_as("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = client.post(
        "/admin/users/new",
        data={
            "username": "x",
            "full_name": "",
            "role": "reporter",
            "reporter_kind": "rt_rw",
            "area_code": "123",
            "locale": "id",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="errors"') >= 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_rt_rw_official_needs_a_village_and_rw(db, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "rt.sanur",
            "full_name": "Ketua RT",
            "role": "reporter",
            "reporter_kind": "rt_rw",
            "area_code": "5103010000",
            "locale": "id",
        },
    )  # no such village; no RW
    html = response.get_data(as_text=True)
    assert 'id="area_code-errors"' in html
    assert 'id="rw-errors"' in html
    ok = client.post(
        "/admin/users/new",
        data={
            "username": "rt.legian",
            "full_name": "Ketua RT",
            "role": "reporter",
            "reporter_kind": "rt_rw",
            "area_code": "5103011004",
            "rw": "2",
            "rt": "3",
            "locale": "id",
        },
    )
    assert ok.status_code == 200
    user = db.session.scalar(sa.select(User).where(User.username == "rt.legian"))
    assert (user.area_code, user.rw, user.rt) == ("5103011004", 2, 3)


def test_officer_needs_an_office(db, client, login_as):
    login_as("admin")
    html = client.post(
        "/admin/users/new",
        data={
            "username": "petugas.baru",
            "full_name": "Petugas Baru",
            "role": "officer",
            "locale": "id",
        },
    ).get_data(as_text=True)
    assert 'id="office_id-errors"' in html
    client.post(
        "/admin/users/new",
        data={
            "username": "petugas.baru",
            "full_name": "Petugas Baru",
            "role": "officer",
            "office_id": str(_office_id(db)),
            "locale": "id",
        },
    )
    assert db.session.scalar(
        sa.select(User.office_id).where(User.username == "petugas.baru")
    ) == _office_id(db)


def test_duplicate_username_is_refused(db, client, login_as, create_user):
    login_as("admin")
    create_user("reporter", username="budi")
    html = client.post(
        "/admin/users/new",
        data={
            "username": "BUDI",
            "full_name": "Budi Lain",
            "role": "reporter",
            "reporter_kind": "lodging",
            "locale": "id",
        },
    ).get_data(as_text=True)
    assert 'id="username-errors"' in html


def test_list_search_filter_and_paginate(make_app, create_user):
    app = make_app(ADMIN_PAGE_SIZE=5)
    admin = create_user("admin")
    for i in range(12):
        create_user("reporter", username=f"penginapan{i:02d}")
    create_user("officer", username="petugas.satu")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": TEST_PASSWORD})
    page1 = client.get("/admin/users?q=penginapan").get_data(as_text=True)
    assert "12 " in page1
    assert page1.count("penginapan") >= 5
    page3 = client.get("/admin/users?q=penginapan&page=3").get_data(as_text=True)
    assert "penginapan10" in page3
    assert "penginapan00" not in page3
    officers = client.get("/admin/users?role=officer").get_data(as_text=True)
    assert "petugas.satu" in officers
    assert "penginapan01" not in officers


def test_edit_deactivate_reactivate_reset_terminate(db, client, login_as, create_user):
    login_as("admin")
    user = create_user("reporter", username="wisma.melati")
    token = user.session_token
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "username": "wisma.melati",
            "full_name": "Wisma Melati Baru",
            "role": "reporter",
            "reporter_kind": "lodging",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    client.post(f"/admin/users/{user.id}/deactivate")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.full_name == "Wisma Melati Baru"
    assert not user.is_active_account
    assert user.session_token != token
    client.post(f"/admin/users/{user.id}/reactivate")
    html = client.post(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)
    assert 'data-testid="temp-password"' in html
    client.post(f"/admin/users/{user.id}/terminate-sessions")
    assert _actions(db)[-5:] == [
        "account.update",
        "account.deactivate",
        "account.reactivate",
        "account.reset_password",
        "account.terminate_sessions",
    ]


def test_admin_cannot_deactivate_self(db, client, login_as):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/deactivate")
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active_account


def test_posted_fields_outside_the_form_are_ignored(db, client, login_as, create_user):
    login_as("admin")
    user = create_user("reporter", username="losmen.ayu")
    client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "username": "losmen.ayu",
            "full_name": "Losmen Ayu",
            "role": "reporter",
            "reporter_kind": "lodging",
            "locale": "id",
            "password_hash": "x",
            "session_token": "y",
            "must_change_password": "",
            "id": "999",
        },
    )
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.password_hash.startswith("$argon2")
    assert user.session_token != "y"
    assert user.id != 999


CSV_OK = """username,full_name,role,reporter_kind,office_code,area_code,rw,rt,email,phone,locale
hotel.sanur,Hotel Sanur Indah,reporter,lodging,,,,,info@sanur.example,+62 361 555,id
rt.legian2,Ketua RT Dua,reporter,rt_rw,,5103011004,2,4,,,id
petugas.kuta,Petugas Kuta,officer,,kanim-ngurah-rai,,,,,,en
"""


def test_import_dry_run_previews_and_saves_nothing(db, client, login_as):
    login_as("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    html = client.post("/admin/users/import", data={"csv_text": CSV_OK, "dry_run": "y"}).get_data(
        as_text=True
    )
    assert 'data-testid="import-confirm"' in html
    assert "hotel.sanur" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_import_creates_all_rows(db, client, login_as):
    login_as("admin")
    html = client.post("/admin/users/import", data={"csv_text": CSV_OK, "dry_run": ""}).get_data(
        as_text=True
    )
    assert html.count('class="secret"') == 3
    names = set(
        db.session.scalars(sa.select(User.username).where(User.must_change_password.is_(True)))
    )
    assert {"hotel.sanur", "rt.legian2", "petugas.kuta"} <= names
    assert "account.import" in _actions(db)


def test_import_reports_errors_by_line_and_saves_nothing(db, client, login_as, create_user):
    login_as("admin")
    create_user("reporter", username="sudah.ada")
    bad = (
        "username;full_name;role;reporter_kind;office_code;area_code;rw\n"
        "baik.satu;Baik Satu;reporter;lodging;;;\n"
        "sudah.ada;Sudah Ada;reporter;lodging;;;\n"
        "rt.x;RT X;reporter;rt_rw;;9999999999;1\n"
        "petugas.x;Petugas X;officer;;kanim-tidak-ada;;\n"
        "baik.satu;Kembar;reporter;lodging;;;\n"
    )
    html = client.post("/admin/users/import", data={"csv_text": bad, "dry_run": ""}).get_data(
        as_text=True
    )
    assert "import-confirm" not in html
    rows = re.findall(r"<tr class=\"([^\"]*)\">\s*<td[^>]*>(\d+)</td>", html)
    assert [(n, bool(c)) for c, n in rows] == [
        ("2", False),
        ("3", True),
        ("4", True),
        ("5", True),
        ("6", True),
    ]
    assert db.session.scalar(sa.select(User.id).where(User.username == "baik.satu")) is None


def test_import_file_upload_with_bom(db, client, login_as):
    import io

    login_as("admin")
    data = {"file": (io.BytesIO(("\ufeff" + CSV_OK).encode()), "akun.csv"), "dry_run": "y"}
    html = client.post(
        "/admin/users/import", data=data, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert 'data-testid="import-confirm"' in html


def test_import_missing_columns(client, login_as):
    login_as("admin")
    html = client.post(
        "/admin/users/import", data={"csv_text": "name,email\nx,y\n", "dry_run": "y"}
    ).get_data(as_text=True)
    assert "username" in html
    assert "import-confirm" not in html


def test_import_errors_name_the_files_columns_and_roles_read_as_labels(db, client, login_as):
    """The file has office_code, not office_id (issue 12, point 4); roles are words."""
    login_as("admin")
    rows = (
        "username,full_name,role,reporter_kind,office_code,area_code,rw\n"
        "petugas.a,Petugas A,officer,,,,\n"
        "petugas.b,Petugas B,officer,,kanim-tidak-ada,,\n"
        "rt.y,RT Y,reporter,rt_rw,,5103011004,\n"
    )
    html = client.post("/admin/users/import", data={"csv_text": rows, "dry_run": "y"}).get_data(
        as_text=True
    )
    assert "office_id" not in html
    assert "office_code: petugas memerlukan kode kantor imigrasinya" in html
    assert html.count("office_code:") == 2  # one error for the unknown code, not two
    assert "kanim-tidak-ada" in html
    assert ">Petugas</td>" in html
    assert "Pelapor / Pengurus RT/RW" in html
    assert "reporter / rt_rw" not in html
