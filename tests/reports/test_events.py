"""Check-out, corrections, cancellations, nil reports, receipts and the public check."""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from apoa.db import utcnow
from apoa.regions.timezones import WITA
from apoa.reports.models import NilReport, Person, Receipt, Stay, StayEvent
from tests.factories import TEST_PASSWORD, guest_form, stay_form

pytestmark = pytest.mark.dates


def _login(client, user):
    assert (
        client.post(
            "/login", data={"username": user.username, "password": TEST_PASSWORD}
        ).status_code
        == 302
    )


def _report(client, lodging_id, guests=2):
    data = {
        "lodging_id": str(lodging_id),
        **stay_form(submission_key=str(uuid.uuid4())),
        "submit": "1",
    }
    for i in range(guests):
        data.update(guest_form(i, given_names=f"Anak{'x' * i}"))
    response = client.post("/reports/check-in", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[1]


def _departure(**changes):
    local = utcnow().astimezone(WITA)
    data = {
        "checked_out_date": local.date().isoformat(),
        "checked_out_time": local.strftime("%H:%M"),
        "submission_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def _statuses(db) -> list[str]:
    db.session.expire_all()
    return [s.status for s in db.session.scalars(sa.select(Stay).order_by(Stay.id))]


def test_a_guests_own_button_checks_out_that_guest_alone(db, client, verified_lodging):
    """A ticked box elsewhere on the list must not leave with the guest whose button was tapped."""
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=2)
    ticked, tapped = db.session.scalars(sa.select(Stay.id).order_by(Stay.id)).all()
    response = client.post(
        "/reports/check-out",
        data={**_departure(), "stay_ids": str(ticked), "one_stay": str(tapped)},
    )
    assert response.status_code == 302
    assert _statuses(db) == ["open", "checked_out"]


def test_a_group_check_out_names_who_leaves_before_it_is_recorded(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=3)
    ids = [str(i) for i in db.session.scalars(sa.select(Stay.id).order_by(Stay.id))]
    departure = _departure()
    page = client.post("/reports/check-out", data={**departure, "stay_ids": ids})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('name="stay_ids"') == 3
    assert "Anakxx" in text
    assert _statuses(db) == ["open"] * 3
    confirmed = client.post(
        "/reports/check-out", data={**departure, "stay_ids": ids, "confirmed": "1"}
    )
    assert confirmed.status_code == 302
    assert _statuses(db) == ["checked_out"] * 3


def test_the_guest_list_groups_a_family_with_one_button_for_all(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=3)
    _report(client, lodging.id, guests=1)
    family = [str(i) for i in db.session.scalars(sa.select(Stay.id).order_by(Stay.id))][:3]
    alone = db.session.scalars(sa.select(Stay).order_by(Stay.id.desc())).first()
    page = client.get("/reports/").get_data(as_text=True)
    group_id = db.session.get(Stay, int(family[0])).group_id
    assert f'data-testid="family-{group_id}"' in page
    assert f'name="family" value="{",".join(family)}"' in page
    assert f'data-testid="family-{alone.group_id}"' not in page  # one guest: no family heading
    # The family's button: all three, named before anything is recorded; a ticked box aside.
    departure = _departure()
    confirm = client.post(
        "/reports/check-out",
        data={**departure, "family": ",".join(family), "stay_ids": str(alone.id)},
    )
    assert confirm.status_code == 200
    assert confirm.get_data(as_text=True).count('name="stay_ids"') == 3
    assert _statuses(db) == ["open"] * 4


def test_check_out_one_then_the_rest_of_the_group(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=3)
    ids = db.session.scalars(sa.select(Stay.id).order_by(Stay.id)).all()
    one = client.post("/reports/check-out", data={**_departure(), "stay_ids": str(ids[0])})
    assert one.status_code == 302
    rest = client.post(
        "/reports/check-out",
        data={**_departure(), "stay_ids": [str(ids[1]), str(ids[2])], "confirmed": "1"},
    )
    assert rest.status_code == 302
    db.session.expire_all()
    assert [s.status for s in db.session.scalars(sa.select(Stay).order_by(Stay.id))] == [
        "checked_out"
    ] * 3
    receipts = db.session.scalars(
        sa.select(Receipt).where(Receipt.kind == "check_out").order_by(Receipt.id)
    ).all()
    assert [r.guest_count for r in receipts] == [1, 2]
    # Checking out again is refused and creates nothing.
    again = client.post("/reports/check-out", data={**_departure(), "stay_ids": str(ids[0])})
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 3


def test_check_out_cannot_be_in_the_future(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    stay_id = db.session.scalars(sa.select(Stay.id)).one()
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    client.post(
        "/reports/check-out",
        data={**_departure(checked_out_date=tomorrow), "stay_ids": str(stay_id)},
    )
    assert db.session.scalars(sa.select(Stay.status)).one() == "open"


def test_amendment_makes_a_new_version_and_keeps_the_old_one(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    stay = db.session.scalars(sa.select(Stay)).one()
    form = client.get(f"/reports/stays/{stay.id}/amend").get_data(as_text=True)
    assert 'value="Müller"' in form
    data = {f"guest-{k.split('-', 2)[2]}": v for k, v in guest_form(0, surname="Mueller").items()}
    data.update(stay_form(room="202", submission_key=str(uuid.uuid4())))
    data["reason"] = "Salah ketik nama"
    response = client.post(f"/reports/stays/{stay.id}/amend", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    stay = db.session.get(Stay, stay.id)
    assert stay.version == 2
    assert stay.room == "202"
    assert stay.guest_name.startswith("Mueller")
    events = db.session.scalars(
        sa.select(StayEvent).where(StayEvent.stay_id == stay.id).order_by(StayEvent.version)
    ).all()
    assert [e.kind for e in events] == ["check_in", "amend"]
    assert json.loads(events[0].snapshot)["surname"] == "Müller"
    assert json.loads(events[1].snapshot)["surname"] == "Mueller"
    assert events[1].reason == "Salah ketik nama"
    page = client.get(f"/reports/stays/{stay.id}").get_data(as_text=True)
    assert "Müller" in page  # the earlier version stays readable


def test_a_version_reads_as_labelled_translated_masked_fields(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    stay = db.session.scalars(sa.select(Stay)).one()
    page = client.get(f"/reports/stays/{stay.id}").get_data(as_text=True)
    version = page[page.index('data-testid="version-1"') :].split("</dl>")[0]
    assert "<dt>Nama keluarga</dt><dd>Müller</dd>" in version
    assert "<dt>Tujuan kunjungan</dt><dd>Wisata</dd>" in version
    assert "WITA" in version  # the arrival in the place's zone, once
    number = stay.person.passport_number
    assert number not in version
    assert f"{number[:3]}****{number[-2:]}" in version
    for raw in ("birth_date", "is_minor", "checked_out", "tourism", "+00:00"):
        assert raw not in version


def test_amendment_needs_a_reason(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    stay = db.session.scalars(sa.select(Stay)).one()
    data = {f"guest-{k.split('-', 2)[2]}": v for k, v in guest_form(0).items()}
    data.update(stay_form(submission_key=str(uuid.uuid4())))
    html = client.post(f"/reports/stays/{stay.id}/amend", data=data).get_data(as_text=True)
    assert 'id="reason-errors"' in html
    assert db.session.scalars(sa.select(Stay.version)).one() == 1


def test_cancellation_needs_a_reason_and_keeps_the_record(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    number = _report(client, lodging.id, guests=1)
    stay_id = db.session.scalars(sa.select(Stay.id)).one()
    refused = client.post(
        f"/reports/stays/{stay_id}/cancel", data={"reason": "", "submission_key": str(uuid.uuid4())}
    )
    assert refused.status_code == 400
    ok = client.post(
        f"/reports/stays/{stay_id}/cancel",
        data={"reason": "Tamu tidak jadi datang", "submission_key": str(uuid.uuid4())},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(sa.select(Stay.status)).one() == "cancelled"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
    # The public check says the check-in receipt's report was cancelled since.
    html = client.get(f"/verify/{number}").get_data(as_text=True)
    assert 'data-testid="verify-result"' in html


def _last_week():
    from apoa.regions.timezones import WITA
    from apoa.reports.periods import period_containing, previous_period

    return previous_period(period_containing(utcnow().astimezone(WITA).date(), "weekly"), "weekly")


def test_nil_report_for_the_current_period_is_refused(db, client, verified_lodging, frozen_now):
    from apoa.regions.timezones import timezone_for_region
    from apoa.reports.periods import period_containing

    operator, lodging = verified_lodging
    _login(client, operator)
    # The week the lodging is in now, by its own calendar (Bali's, not UTC's).
    local_today = frozen_now.astimezone(timezone_for_region(lodging.location.region_code)).date()
    current = period_containing(local_today, "weekly")
    data = {
        "lodging_id": str(lodging.id),
        "period": current.start.isoformat(),
        "submission_key": str(uuid.uuid4()),
    }
    client.post("/reports/nil", data=data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NilReport)) == 0


def test_nil_report_once_per_period_and_not_when_guests_stayed(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    period = _last_week()
    data = {
        "lodging_id": str(lodging.id),
        "period": period.start.isoformat(),
        "submission_key": str(uuid.uuid4()),
    }
    assert client.post("/reports/nil", data=data).status_code == 302
    html = client.post("/reports/nil", data={**data, "submission_key": str(uuid.uuid4())}).get_data(
        as_text=True
    )
    assert 'id="period-errors"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NilReport)) == 1
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="nil-due"' in home


def test_nil_report_refused_when_guests_stayed(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    period = _last_week()
    # A guest who arrived during last week and is still here.
    arrival = period.start + timedelta(days=2)
    data = {
        "lodging_id": str(lodging.id),
        "submit": "1",
        **stay_form(
            submission_key=str(uuid.uuid4()),
            check_in_date=arrival.isoformat(),
            check_in_time="10:00",
        ),
        **guest_form(0),
    }
    assert client.post("/reports/check-in", data=data).status_code == 302
    data = {
        "lodging_id": str(lodging.id),
        "period": period.start.isoformat(),
        "submission_key": str(uuid.uuid4()),
    }
    html = client.post("/reports/nil", data=data).get_data(as_text=True)
    assert 'id="period-errors"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NilReport)) == 0


def test_public_verify_shows_no_personal_data(app, db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    number = _report(client, lodging.id, guests=2)
    anonymous = app.test_client()
    html = anonymous.get(f"/verify/{number}").get_data(as_text=True)
    assert "Hotel Melati" in html
    assert "Müller" not in html
    assert "C01X00T4" not in html
    typed = number.lower().replace("-", " ")
    assert anonymous.get(f"/verify/?number={typed}").headers["Location"] == f"/verify/{number}"
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert anonymous.get(f"/verify/{wrong}").status_code == 404


def test_receipt_pdf(db, client, verified_lodging):
    import io

    from pypdf import PdfReader

    operator, lodging = verified_lodging
    _login(client, operator)
    number = _report(client, lodging.id, guests=1)
    response = client.get(f"/reports/receipts/{number}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert number in text
    assert "Hotel Melati" in text
    assert "/verify/" in text  # the QR target is printed under the code
    assert "C01X00T40" not in text


def test_present_on_a_day_and_search(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    today = utcnow().astimezone(WITA).date()  # the guest arrived today in Bali's time
    assert "Müller" in client.get(f"/reports/?day={today.isoformat()}").get_data(as_text=True)
    past = (today - timedelta(days=30)).isoformat()
    assert "Müller" not in client.get(f"/reports/?day={past}").get_data(as_text=True)
    found = client.post("/reports/search", data={"q": "c01x00t40"}).get_data(as_text=True)
    assert "Müller" in found
    assert "C01****40" in found


def test_same_passport_open_at_two_places_is_flagged(db, client, verified_lodging, create_lodging):
    operator, lodging = verified_lodging
    second = create_lodging(operator, name="Villa Dua", kind="villa", street="Jl. Dyana Pura 1")
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    _report(client, second.id, guests=1)
    flags = db.session.scalars(sa.select(Stay.flag_open_elsewhere).order_by(Stay.id)).all()
    assert flags == [True, True]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1


@pytest.mark.parametrize("threads", [6])
def test_concurrent_repeats_create_one_report(make_app, db, verified_lodging, threads):
    if db.engine.dialect.name == "sqlite" and ":memory:" in str(db.engine.url):
        pytest.skip("needs a file database")
    operator, lodging = verified_lodging
    app = make_app()
    key = str(uuid.uuid4())
    data = {
        "lodging_id": str(lodging.id),
        **stay_form(submission_key=key),
        **guest_form(0),
        "submit": "1",
    }
    clients = [app.test_client() for _ in range(threads)]
    for c in clients:
        _login(c, operator)
    locations, barrier = [], threading.Barrier(threads)

    def post(c):
        barrier.wait()
        response = c.post("/reports/check-in", data=data)
        locations.append((response.status_code, response.headers.get("Location")))

    workers = [threading.Thread(target=post, args=(c,)) for c in clients]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert len(locations) == threads
    assert {code for code, _ in locations} == {302}
    assert len({loc for _, loc in locations}) == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 1


def test_warnings_are_shown_and_the_person_timeline_lists_stays(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    expired = (utcnow().date() - timedelta(days=10)).isoformat()
    data = {
        "lodging_id": str(lodging.id),
        **stay_form(submission_key=str(uuid.uuid4())),
        "submit": "1",
    }
    data.update(guest_form(0, passport_expiry=expired))
    response = client.post("/reports/check-in", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "flash-warning" in html
    stay = db.session.scalars(sa.select(Stay)).one()
    assert stay.flag_passport_expired
    timeline = client.get(f"/reports/persons/{stay.person_id}").get_data(as_text=True)
    assert 'data-testid="timeline"' in timeline
    assert "Hotel Melati" in timeline


def test_another_reporter_cannot_rewrite_a_guest_s_details(
    app, db, client, verified_lodging, create_user, create_lodging
):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    mine = db.session.scalars(sa.select(Stay)).one()
    other = create_user("reporter")
    other_lodging = create_lodging(
        other, name="Losmen Lain", kind="guesthouse", street="Jl. Lain 1", region_code="5103011001"
    ).id
    other_client = app.test_client()
    _login(other_client, other)
    data = {
        "lodging_id": str(other_lodging),
        **stay_form(submission_key=str(uuid.uuid4())),
        "submit": "1",
    }
    data.update(guest_form(0, given_names="Forged", birth_place="Nowhere"))
    assert other_client.post("/reports/check-in", data=data).status_code == 302
    page = client.get(f"/reports/stays/{mine.id}").get_data(as_text=True)
    assert "Forged" not in page
    assert "Nowhere" not in page
    assert "Hamburg" in page
    assert "flash-warning" not in client.get("/").get_data(as_text=True)


def test_a_receipt_shows_only_the_stays_the_viewer_may_see(
    db, client, verified_lodging, create_lodging
):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    # A check-out mixing places would put one office's guests on another office's receipt.
    jakarta = create_lodging(
        operator, name="Hotel Gambir", street="Jl. Gambir 1", region_code="3171011001"
    )
    _report(client, jakarta.id, guests=1)
    ids = db.session.scalars(sa.select(Stay.id).order_by(Stay.id)).all()
    client.post(
        "/reports/check-out",
        data={**_departure(), "stay_ids": [str(i) for i in ids], "confirmed": "1"},
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Receipt).where(Receipt.kind == "check_out")
        )
        == 0
    )


def test_submission_keys_are_required_and_bound_to_their_content(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    data = {"lodging_id": str(lodging.id), **stay_form(), **guest_form(0), "submit": "1"}
    assert client.post("/reports/check-in", data={**data, "submission_key": ""}).status_code == 400
    key = str(uuid.uuid4())
    assert client.post("/reports/check-in", data={**data, "submission_key": key}).status_code == 302
    other = {**data, **guest_form(0, given_names="Else"), "submission_key": key}
    assert client.post("/reports/check-in", data=other).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 1


def test_check_out_and_cancel_forms_carry_a_key(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    page = client.get("/reports/").get_data(as_text=True)
    keys = re.findall(r'name="submission_key" value="([^"]*)"', page)
    assert keys
    assert all(keys)
    stay_id = db.session.scalars(sa.select(Stay.id)).one()
    stay_page = client.get(f"/reports/stays/{stay_id}").get_data(as_text=True)
    assert all(re.findall(r'name="submission_key" value="([^"]*)"', stay_page))


def test_amended_arrival_cannot_follow_the_departure(db, client, verified_lodging):
    operator, lodging = verified_lodging
    _login(client, operator)
    _report(client, lodging.id, guests=1)
    stay = db.session.scalars(sa.select(Stay)).one()
    client.post("/reports/check-out", data={**_departure(), "stay_ids": str(stay.id)})
    later = (utcnow() + timedelta(hours=20)).astimezone(
        __import__("apoa.regions.timezones", fromlist=["WITA"]).WITA
    )
    data = {f"guest-{k.split('-', 2)[2]}": v for k, v in guest_form(0).items()}
    data.update(
        stay_form(
            check_in_date=later.date().isoformat(),
            check_in_time=later.strftime("%H:%M"),
            submission_key=str(uuid.uuid4()),
        )
    )
    data["reason"] = "Jam salah"
    client.post(f"/reports/stays/{stay.id}/amend", data=data)
    db.session.expire_all()
    assert db.session.get(Stay, stay.id).version == 2  # check-in, check-out; no amendment


def test_the_guest_list_marks_the_guests_the_home_page_counts_as_overdue(
    db, client, verified_lodging, create_stay
):
    operator, lodging = verified_lodging
    arrived = utcnow() - timedelta(days=10)
    create_stay(operator, lodging, 1, arrived=arrived, leaves=timedelta(days=5), now=arrived)
    _login(client, operator)
    _report(client, lodging.id, guests=1)  # arriving now, leaving in five days
    late, fresh = db.session.scalars(sa.select(Stay.id).order_by(Stay.id)).all()
    page = client.get("/reports/").get_data(as_text=True)
    assert f'data-testid="overdue-{late}"' in page
    assert f'data-testid="overdue-{fresh}"' not in page
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="overdue"' in home  # the home page counts the same guest
