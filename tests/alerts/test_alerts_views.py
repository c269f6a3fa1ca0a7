"""The alert queue's pages: access by role, scoping, filters, notes, audit, races."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from apoa.alerts import services as alerts
from apoa.alerts.models import Alert, AlertAction, AlertKind, AlertStatus
from apoa.audit.models import AuditEvent
from apoa.db import utcnow
from apoa.regions.timezones import WIB, WITA
from tests.alerts.alert_scene import alerts_of, build_scene, check_in, pinned_far_away
from tests.factories import TEST_PASSWORD, AuthActions


def _overdue_stay(db, operator, lodging, *, zone=WITA, passport="C01X00T41", **kw):
    """A guest who arrived five days ago and was expected to leave three days ago."""
    arrive = (utcnow() - timedelta(days=5)).astimezone(zone).replace(microsecond=0)
    kw.setdefault("permit_expiry", arrive.date() + timedelta(days=60))
    return check_in(
        db, operator, lodging, arrive=arrive, leave=arrive.date() + timedelta(days=2),
        reported=arrive + timedelta(hours=1), passport=passport, **kw,
    )  # fmt: skip


def _sign_in(app, db, user):
    """A client of its own signed in as `user`, reading pages in English."""
    user.locale = "en"
    db.session.commit()
    client = app.test_client()
    response = AuthActions(client).login(user.username)
    assert response.status_code == 302
    return client


@pytest.fixture
def scene(db, create_user, create_lodging):
    return build_scene(create_user, create_lodging)


@pytest.fixture
def officer(app, db, scene):
    return _sign_in(app, db, scene.officer)


def _rows(html: str) -> list[str]:
    return re.findall(r'data-testid="alert-(\d+)"', html)


def _events(db, action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


# ---------------------------------------------------------------- access


def test_views_are_marked_as_writing_on_get(app):
    assert app.view_functions["alerts.index"].writes_on_get
    assert app.view_functions["alerts.detail"].writes_on_get


def test_anonymous_users_are_sent_to_sign_in(client):
    for method, url in [
        ("GET", "/alerts/"),
        ("GET", "/alerts/1"),
        ("POST", "/alerts/1/acknowledge"),
        ("POST", "/alerts/1/resolve"),
        ("POST", "/alerts/1/reopen"),
    ]:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["reporter", "admin"])
def test_reporters_and_admins_are_refused(app, db, scene, create_user, role):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    alerts.raise_due_alerts(scene.office, now=utcnow())
    db.session.commit()
    (alert,) = alerts_of(db)
    client = _sign_in(app, db, create_user(role))
    assert client.get("/alerts/").status_code == 403
    assert client.get(f"/alerts/{alert.id}").status_code == 403
    response = client.post(f"/alerts/{alert.id}/resolve", data={"resolve-note": "x"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(AlertAction.id))) == 0
    assert _events(db, "authz.denied")


# ---------------------------------------------------------------- the queue


@pytest.mark.dates
def test_queue_raises_the_offices_alerts_and_lists_them(app, db, scene, officer):
    stay = _overdue_stay(db, scene.hotel_op, scene.hotel)
    _overdue_stay(db, scene.jakarta_op, scene.jakarta, zone=WIB, passport="C01X00T49")
    response = officer.get("/alerts/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    (alert,) = alerts_of(db)  # Jakarta's alert waits for Jakarta's officers
    assert (alert.kind, alert.stay_id) == (AlertKind.OVERDUE_CHECK_OUT, stay.id)
    assert _rows(html) == [str(alert.id)]
    assert "Müller, Hans Peter" in html
    assert "Hotel Melati" in html
    assert "C01X00T41" not in html
    assert 'data-testid="count-overdue_check_out">1<' in html
    (event,) = _events(db, "alert.list")
    assert event.actor_id == scene.officer.id
    assert json.loads(event.details) == {"count": 1, "stays": [stay.id]}
    # Opening the queue again files nothing twice.
    assert officer.get("/alerts/").status_code == 200
    assert len(alerts_of(db)) == 1


def test_queue_scans_at_most_every_few_minutes_per_worker(app, db, scene, officer):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    assert len(_rows(officer.get("/alerts/").get_data(as_text=True))) == 1
    _overdue_stay(db, scene.villa_op, scene.villa, passport="C01X00T42")
    assert len(_rows(officer.get("/alerts/").get_data(as_text=True))) == 1  # scanned just now
    assert len(alerts_of(db)) == 1
    app.config["ALERT_SCAN_SECONDS"] = 0
    assert len(_rows(officer.get("/alerts/").get_data(as_text=True))) == 2
    assert len(alerts_of(db)) == 2


@pytest.mark.dates
def test_queue_filters_by_kind_and_status_and_counts_each_kind(app, db, scene, officer):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    arrive = (utcnow() - timedelta(days=5)).astimezone(WITA).replace(microsecond=0)
    check_in(
        db, scene.villa_op, scene.villa, arrive=arrive, leave=arrive.date() + timedelta(days=30),
        reported=arrive + timedelta(hours=1), passport="C01X00T42",
        permit_expiry=arrive.date() + timedelta(days=1),
    )  # fmt: skip
    html = officer.get("/alerts/").get_data(as_text=True)
    assert len(_rows(html)) == 2
    assert 'data-testid="count-all">2<' in html
    assert 'data-testid="count-permit_expired">1<' in html
    overdue, permit = alerts_of(db)
    assert permit.kind == AlertKind.PERMIT_EXPIRED
    html = officer.get("/alerts/?kind=permit_expired").get_data(as_text=True)
    assert _rows(html) == [str(permit.id)]
    alerts.resolve_alert(scene.officer, permit, "Deported.", now=utcnow())
    db.session.commit()
    html = officer.get("/alerts/").get_data(as_text=True)
    assert _rows(html) == [str(overdue.id)]
    assert 'data-testid="count-permit_expired">0<' in html
    html = officer.get("/alerts/?status=resolved").get_data(as_text=True)
    assert _rows(html) == [str(permit.id)]
    assert (
        _rows(officer.get("/alerts/?status=open&kind=permit_expired").get_data(as_text=True)) == []
    )
    # Unknown filter values fall back to the defaults instead of failing.
    html = officer.get("/alerts/?status=bogus&kind=bogus&sort=bogus&page=x").get_data(as_text=True)
    assert _rows(html) == [str(overdue.id)]


@pytest.mark.dates
def test_queue_sorts_and_pages_by_fifty(app, db, scene, officer):
    start = utcnow() - timedelta(days=10)
    db.session.execute(
        sa.insert(Alert),
        [
            {
                "office_id": scene.office,
                "kind": AlertKind.PERMIT_EXPIRED.value,
                "subject_key": f"stay:{9000 + i}",
                "status": AlertStatus.OPEN.value,
                "raised_at": start + timedelta(minutes=i),
                "updated_at": start + timedelta(minutes=i),
            }
            for i in range(55)
        ],
    )
    db.session.commit()
    ids = [a.id for a in alerts_of(db)]  # in the order raised
    first = officer.get("/alerts/").get_data(as_text=True)
    assert _rows(first) == [str(i) for i in reversed(ids[-50:])]
    assert "Page 1 of 2" in first
    second = officer.get("/alerts/?page=2").get_data(as_text=True)
    assert _rows(second) == [str(i) for i in reversed(ids[:5])]
    oldest = officer.get("/alerts/?sort=oldest").get_data(as_text=True)
    assert _rows(oldest)[:3] == [str(i) for i in ids[:3]]


def test_pages_hold_no_inline_script_or_style(app, db, scene, officer):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    officer.get("/alerts/")
    (alert,) = alerts_of(db)
    for url in ("/alerts/", f"/alerts/{alert.id}"):
        html = officer.get(url).get_data(as_text=True)
        assert " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html)


# ---------------------------------------------------------------- one alert


@pytest.mark.dates
def test_detail_shows_the_stay_and_audits_the_view(app, db, scene, officer):
    stay = _overdue_stay(db, scene.hotel_op, scene.hotel)
    officer.get("/alerts/")
    (alert,) = alerts_of(db)
    response = officer.get(f"/alerts/{alert.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Müller, Hans Peter" in html
    assert "Hotel Melati" in html
    assert "C01****41" in html
    assert "C01X00T41" not in html
    assert f'href="/reports/stays/{stay.id}"' in html
    assert 'data-testid="form-acknowledge"' in html
    assert 'data-testid="form-resolve"' in html
    assert 'data-testid="form-reopen"' not in html
    (event,) = _events(db, "alert.view")
    assert (event.actor_id, event.object_type, event.object_id) == (
        scene.officer.id,
        "alert",
        str(alert.id),
    )
    assert json.loads(event.details) == {"kind": "overdue_check_out", "stays": [stay.id]}


def test_another_offices_alert_is_not_found(app, db, scene):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    alerts.raise_due_alerts(scene.office, now=utcnow())
    db.session.commit()
    (alert,) = alerts_of(db)
    client = _sign_in(app, db, scene.jakarta_officer)
    assert client.get(f"/alerts/{alert.id}").status_code == 404
    for action in alerts.ACTIONS:
        response = client.post(f"/alerts/{alert.id}/{action}", data={f"{action}-note": "x"})
        assert response.status_code == 404
    assert _rows(client.get("/alerts/").get_data(as_text=True)) == []
    assert client.get("/alerts/999999").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(AlertAction.id))) == 0
    assert _events(db, "alert.view") == []


@pytest.mark.dates
def test_acknowledge_resolve_and_reopen_through_the_pages(app, db, scene, officer):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    officer.get("/alerts/")
    (alert,) = alerts_of(db)
    url = f"/alerts/{alert.id}"

    response = officer.post(f"{url}/acknowledge", data={"acknowledge-note": "Calling the hotel."})
    assert response.status_code == 302
    assert response.headers["Location"] == url
    html = officer.get(url).get_data(as_text=True)
    assert "Alert acknowledged." in html
    assert "Calling the hotel." in html
    assert scene.officer.full_name in html
    assert 'data-testid="form-acknowledge"' not in html

    response = officer.post(f"{url}/resolve", data={"resolve-note": "Guest left yesterday."})
    assert response.headers["Location"] == url
    assert "Alert resolved." in officer.get(url).get_data(as_text=True)

    response = officer.post(f"{url}/reopen", data={"reopen-note": "The hotel denies it."})
    assert response.headers["Location"] == url
    db.session.refresh(alert)
    assert alert.status == AlertStatus.OPEN
    assert [(a.action, a.note) for a in alert.actions] == [
        ("acknowledge", "Calling the hotel."),
        ("resolve", "Guest left yesterday."),
        ("reopen", "The hotel denies it."),
    ]
    assert [e.action for e in _events(db, "alert.acknowledge")] == ["alert.acknowledge"]
    assert len(_events(db, "alert.resolve")) == 1
    assert len(_events(db, "alert.reopen")) == 1


def test_a_step_the_alert_already_passed_is_refused_with_a_message(app, db, scene, officer):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    officer.get("/alerts/")
    (alert,) = alerts_of(db)
    alerts.resolve_alert(scene.colleague, alert, "Done by a colleague.", now=utcnow())
    db.session.commit()
    response = officer.post(f"/alerts/{alert.id}/resolve", data={"resolve-note": "Me too."})
    assert response.status_code == 302
    html = officer.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "This alert is already resolved." in html
    assert 'data-testid="form-reopen"' in html
    assert [a.note for a in alert.actions] == ["Done by a colleague."]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "This field is required."),
        ("   ", "Write a note: what you checked or did."),
        ("x" * 501, "Enter at most 500 characters."),
    ],
)
def test_a_missing_or_long_note_shows_the_form_again(app, db, scene, officer, note, message):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    officer.get("/alerts/")
    (alert,) = alerts_of(db)
    response = officer.post(f"/alerts/{alert.id}/acknowledge", data={"acknowledge-note": note})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'id="acknowledge-note-errors"' in html
    db.session.refresh(alert)
    assert alert.status == AlertStatus.OPEN
    assert alert.actions == []
    assert _events(db, "alert.acknowledge") == []


@pytest.mark.dates
def test_open_elsewhere_page_hides_the_other_offices_stay(app, db, scene, officer):
    today = utcnow().astimezone(WITA).date()
    check_in(db, scene.hotel_op, scene.hotel, arrive=utcnow() - timedelta(hours=3),
             leave=today + timedelta(days=5), reported=utcnow() - timedelta(hours=2),
             permit_expiry=today + timedelta(days=30))  # fmt: skip
    check_in(db, scene.jakarta_op, scene.jakarta, arrive=utcnow() - timedelta(hours=2),
             leave=today + timedelta(days=4), reported=utcnow() - timedelta(hours=1),
             permit_expiry=today + timedelta(days=30))  # fmt: skip
    officer.get("/alerts/")
    (alert,) = alerts_of(db)
    assert alert.kind == AlertKind.OPEN_ELSEWHERE
    html = officer.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert "Hotel Melati" in html
    assert 'data-testid="elsewhere-hidden"' in html
    assert "1 place(s) outside your jurisdiction" in html
    assert "Hotel Gambir" not in html
    assert "Medan Merdeka" not in html


def test_location_mismatch_page_links_to_the_fix(app, db, scene, officer):
    location = pinned_far_away(db)
    officer.get("/alerts/")
    (alert,) = alerts_of(db)
    assert alert.kind == AlertKind.LOCATION_MISMATCH
    html = officer.get(f"/alerts/{alert.id}").get_data(as_text=True)
    assert f'href="/review/locations/{location.id}"' in html
    assert "Jl. Legian No. 99" in html
    assert 'data-testid="location"' in html


def test_two_officers_resolving_at_once_through_requests(app, db, scene):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    alerts.raise_due_alerts(scene.office, now=utcnow())
    db.session.commit()
    (alert,) = alerts_of(db)
    url = f"/alerts/{alert.id}"
    clients = [_sign_in(app, db, scene.officer), _sign_in(app, db, scene.colleague)]
    barrier = threading.Barrier(2)
    statuses: list = []

    def resolve(client, note):
        barrier.wait(5)
        statuses.append(client.post(f"{url}/resolve", data={"resolve-note": note}))

    threads = [
        threading.Thread(target=resolve, args=(c, f"note {i}")) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.status_code for r in statuses) == [302, 302]
    messages = [c.get(url).get_data(as_text=True) for c in clients]
    assert sum("Alert resolved." in m for m in messages) == 1
    assert sum("This alert is already resolved." in m for m in messages) == 1
    actions = db.session.scalars(sa.select(AlertAction).where(AlertAction.alert_id == alert.id))
    assert len(actions.all()) == 1
    assert len(_events(db, "alert.resolve")) == 1


def test_a_post_without_the_csrf_token_is_refused(make_app, db, scene):
    _overdue_stay(db, scene.hotel_op, scene.hotel)
    alerts.raise_due_alerts(scene.office, now=utcnow())
    db.session.commit()
    (alert,) = alerts_of(db)
    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    login = {"username": scene.officer.username, "password": TEST_PASSWORD}
    assert client.post("/login", data={**login, "csrf_token": token}).status_code == 302
    response = client.post(f"/alerts/{alert.id}/resolve", data={"resolve-note": "No token."})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(AlertAction.id))) == 0


def test_an_absurd_page_number_is_not_an_error(client, db, create_user):
    officer = create_user("officer")
    client.post("/login", data={"username": officer.username, "password": TEST_PASSWORD})
    for page in ("9" * 30, "9223372036854775807", "-5", "x"):
        assert client.get(f"/alerts/?page={page}").status_code == 200
