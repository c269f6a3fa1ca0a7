"""`flask apoa send-reminders`: reminders and digests received by a real local SMTP server.

One scene at a fixed moment, Monday 2 March 2026, 09:00 WITA (Bali): the
weekly period 23 February - 1 March has just ended. Kanim Ngurah Rai has
nine places:

- ani: "Hotel Ani" silent since early February, "Hotel Ani Dua" compliant; no locale
- ben (English): "Villa Late" late report; "Villa Overdue" a guest past check-out
- rt (RT/RW official, Indonesian): never reported
- fajar: "Hotel Fajar" last reported on 20 February, silent since this morning
- cici: compliant; dodi: silent but his account is disabled; eko: silent, no e-mail
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from apoa.accounts.models import User
from apoa.alerts.models import Alert
from apoa.audit.models import AuditEvent
from apoa.compliance import summaries
from apoa.compliance.models import ComplianceStatus, Ledger, OfficeDay
from apoa.compliance.queries import status_of_ledger
from apoa.db import utcnow
from apoa.regions.models import Office
from apoa.reminders.models import ReminderLog
from tests.smtp_server import free_port, running_smtp_server

pytestmark = pytest.mark.dates

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 WITA
NOW_ARG = "2026-03-02T01:00:00"  # no offset: read as UTC
REGISTERED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
BASE = "https://apoa.example.go.id"
OFFICE_ADDRESS = "kanim.ngurahrai@imigrasi.example.id"
REMINDED = {"ani@example.id", "ben@example.com", "rt@example.id", "fajar@example.id"}
SUBJECT_ID = "Pengingat APOA: laporan tamu asing Anda perlu perhatian"
SUBJECT_EN = "APOA reminder: your reports of foreign guests need attention"


@pytest.fixture
def smtp():
    with running_smtp_server() as (handler, port):
        yield handler, port


@pytest.fixture
def mail_app(make_app, smtp):
    """The app as `flask` runs it in production: CSRF on, mail to the local server."""
    _, port = smtp
    return make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER="APOA <noreply@apoa.example.go.id>",
        MAIL_TIMEOUT=5,
        PUBLIC_BASE_URL=BASE,
        WTF_CSRF_ENABLED=True,
    )


def _run(db, app, *args):
    """Run the command in `app` (its own context: `flask` would otherwise use the test's app)."""
    db.session.commit()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["apoa", "send-reminders", *args])
    db.session.rollback()  # see what the command committed
    return result


def _lodging_place(db, create_lodging, operator, name, **facts):
    lodging = create_lodging(operator, name=name)
    ledger = summaries.lodging_verified(lodging, now=REGISTERED)
    for key, value in {"registered_at": REGISTERED, **facts}.items():
        setattr(ledger, key, value)
    db.session.commit()
    return lodging, ledger


def _office(db, code: str) -> Office:
    return db.session.scalar(sa.select(Office).where(Office.code == code))


@pytest.fixture
def scene(db, create_user, create_lodging, create_stay):
    """Build the places and accounts described in the module docstring."""
    silent_since = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    recent = datetime(2026, 2, 27, 2, 0, tzinfo=UTC)
    users = {
        "ani": create_user(username="ani", full_name="Ani Wulandari", email="ani@example.id"),
        "ben": create_user(
            username="ben", full_name="Ben Carter", email="ben@example.com", locale="en"
        ),
        "rt": create_user(
            username="rt",
            reporter_kind="rt_rw",
            full_name="Pak RT",
            email="rt@example.id",
            locale="id",
        ),
        "fajar": create_user(username="fajar", email="fajar@example.id", locale="id"),
        "cici": create_user(username="cici", email="cici@example.id"),
        "dodi": create_user(username="dodi", email="dodi@example.id", is_active_account=False),
        "eko": create_user(username="eko"),
    }
    _lodging_place(db, create_lodging, users["ani"], "Hotel Ani", last_report_at=silent_since)
    _lodging_place(db, create_lodging, users["ani"], "Hotel Ani Dua", last_report_at=recent)
    _lodging_place(
        db, create_lodging, users["ben"], "Villa Late", last_report_at=recent, last_late_at=recent
    )
    overdue_lodging, _ = _lodging_place(db, create_lodging, users["ben"], "Villa Overdue")
    arrived = datetime(2026, 2, 20, 1, 0, tzinfo=UTC)
    create_stay(
        users["ben"], overdue_lodging, arrived=arrived, leaves=date(2026, 2, 25), now=arrived
    )
    summaries.account_changed(users["rt"], now=REGISTERED)  # the RT's area: never reported
    summaries.ledger_for_area(users["rt"].id).registered_at = REGISTERED
    _lodging_place(
        db,
        create_lodging,
        users["fajar"],
        "Hotel Fajar",
        last_report_at=datetime(2026, 2, 20, 3, 0, tzinfo=UTC),
    )
    _lodging_place(db, create_lodging, users["cici"], "Hotel Cici", last_report_at=recent)
    _lodging_place(db, create_lodging, users["dodi"], "Hotel Dodi", last_report_at=silent_since)
    _lodging_place(db, create_lodging, users["eko"], "Hotel Eko", last_report_at=silent_since)

    ngurah_rai = _office(db, "kanim-ngurah-rai")
    ngurah_rai.email = OFFICE_ADDRESS
    offices = {ledger.office_id for ledger in db.session.scalars(sa.select(Ledger))}
    assert offices == {ngurah_rai.id}
    # Officers: Ngurah Rai's get nothing (the office has an address); Denpasar has none,
    # so its active officers with an address get the digest, each in their own language.
    create_user("officer", username="ngr.officer", email="officer@imigrasi.example.id")
    denpasar_en = create_user(
        "officer", office_code="kanim-denpasar", email="dps.en@imigrasi.example.id", locale="en"
    )
    create_user("officer", office_code="kanim-denpasar")  # no address
    create_user(
        "officer",
        office_code="kanim-denpasar",
        email="gone@imigrasi.example.id",
        is_active_account=False,
    )
    for n, (kind, status) in enumerate(
        [
            ("overdue_check_out", "open"),
            ("overdue_check_out", "acknowledged"),
            ("permit_expired", "open"),
            ("location_mismatch", "resolved"),
        ]
    ):
        db.session.add(
            Alert(office_id=ngurah_rai.id, kind=kind, subject_key=f"test:{n}", status=status)
        )
    db.session.add(
        OfficeDay(
            office_id=ngurah_rai.id,
            day=date(2026, 3, 1),
            reports=7,
            late_reports=2,
            nil_reports=1,
            arrivals=3,
            departures=4,
        )
    )
    db.session.commit()
    return {
        "users": users,
        "ngurah_rai": ngurah_rai.id,
        "denpasar": _office(db, "kanim-denpasar").id,
        "denpasar_en": denpasar_en,
    }


def _by_address(handler):
    received = {}
    for item in handler.received:
        for address in item.rcpt_tos:
            assert address not in received, f"{address} got two messages"
            received[address] = item
    return received


def _count(html: str, key: str) -> int:
    match = re.search(rf'data-count="{re.escape(key)}">(\d+)<', html)
    assert match, key
    return int(match.group(1))


# ---------------------------------------------------------------- recipients


def test_reminders_reach_silent_late_and_never_reporters_only(db, scene, smtp, mail_app):
    handler, _ = smtp
    result = _run(db, mail_app, "--now", NOW_ARG)
    assert result.exit_code == 0, result.output
    assert "reminders sent: 4, digests sent: 2, failed: 0" in result.output
    received = _by_address(handler)
    assert set(received) == REMINDED | {OFFICE_ADDRESS, "dps.en@imigrasi.example.id"}
    # Compliant, disabled, address-less reporters and Ngurah Rai's officer get nothing.
    for address in ("cici@example.id", "dodi@example.id", "officer@imigrasi.example.id"):
        assert address not in received
    keys = set(db.session.scalars(sa.select(ReminderLog.recipient_key)))
    users = scene["users"]
    assert keys == {
        *(f"reporter:{users[name].id}" for name in ("ani", "ben", "rt", "fajar")),
        f"digest:{scene['ngurah_rai']}",
        f"digest:{scene['denpasar']}:{scene['denpasar_en'].id}",
    }
    days = set(db.session.scalars(sa.select(ReminderLog.day)))
    assert days == {date(2026, 3, 2)}  # the local day in Bali


def test_the_plan_agrees_with_the_python_rules(db, scene, app):
    from apoa.reminders.services import iter_reporter_reminders, plan_reporter_reminders

    expected = set()
    for ledger in db.session.scalars(sa.select(Ledger).where(Ledger.is_active.is_(True))):
        user = db.session.get(User, ledger.reporter_id)
        due = status_of_ledger(ledger, NOW) != ComplianceStatus.COMPLIANT
        if due and user.email and user.is_active_account:
            expected.add(f"reporter:{user.id}")
    planned = {item.recipient_key for item in plan_reporter_reminders(NOW)}
    assert planned == expected
    assert len(planned) == 4
    # Read a reporter at a time (as 100,000 reporters are, a few hundred at a time): the same.
    one_by_one = [item.recipient_key for item in iter_reporter_reminders(NOW, chunk=1)]
    assert sorted(one_by_one) == sorted(planned)


def test_a_reminder_lists_each_place_with_status_and_what_to_do(db, scene, smtp, mail_app):
    handler, _ = smtp
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    received = _by_address(handler)

    ben = received["ben@example.com"].part("plain")
    assert "Hello Ben Carter," in ben
    assert "* Villa Late: Late" in ben
    assert "more than 24 hours after the arrival or departure" in ben
    assert "* Villa Overdue: Late" in ben
    assert "Guests past their expected check-out date: 1. Record their departures" in ben
    assert f"{BASE}/" in ben
    assert f"Send a nil report: {BASE}/reports/nil" in ben

    ani = received["ani@example.id"]
    text = ani.part("plain")
    assert "Hotel Ani:" in text
    assert "Hotel Ani Dua" not in text  # compliant places are not listed
    assert "23 Februari 2026 " in text  # the period that ended, in Indonesian
    assert " 1 Maret 2026." in text
    assert "Hotel Ani" in ani.part("html")
    assert "<li><strong>Hotel Ani</strong>" in ani.part("html")

    rt = received["rt@example.id"].part("plain")
    assert "5 Januari 2026" in rt  # registered on, in Indonesian
    assert "Legian · RW 02" in rt


def test_each_reporter_is_written_to_in_their_own_language(db, scene, smtp, mail_app):
    handler, _ = smtp
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    received = _by_address(handler)
    english = received["ben@example.com"].message
    assert english["Content-Language"] == "en"
    assert english["Subject"] == SUBJECT_EN
    for address in ("ani@example.id", "rt@example.id", "fajar@example.id"):  # NULL, 'id', 'id'
        message = received[address].message
        assert message["Content-Language"] == "id"
        assert message["Subject"] == SUBJECT_ID
        assert "Halo " in received[address].part("plain")
        assert "Tempat berikut perlu perhatian Anda" in received[address].part("plain")


def test_no_guest_personal_data_in_any_email(db, scene, smtp, mail_app):
    handler, _ = smtp
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    assert len(handler.received) == 6
    for item in handler.received:
        raw = item.message.as_string()
        for secret in ("Müller", "M=C3=BCller", "Hans Peter", "X0000001", "1980-05-17"):
            assert secret not in raw


# ---------------------------------------------------------------- digests


def test_digest_goes_to_the_office_address_with_its_counts(db, scene, smtp, mail_app):
    handler, _ = smtp
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    digest = _by_address(handler)[OFFICE_ADDRESS]
    assert digest.message["Content-Language"] == "id"
    office = _office(db, "kanim-ngurah-rai").name
    assert digest.message["Subject"] == f"Ringkasan harian APOA: {office}, 2 Maret 2026"
    html = digest.part("html")
    assert _count(html, "never_reported") == 1  # the RT
    assert _count(html, "silent") == 4  # ani, fajar, dodi, eko
    assert _count(html, "late") == 2  # ben's two villas
    assert _count(html, "compliant") == 2  # Hotel Ani Dua, Hotel Cici
    assert re.findall(r"<li data-newly-silent>([^<]*)</li>", html) == ["Hotel Fajar"]
    assert 'data-count-overdue="1"' in html
    assert _count(html, "alert:overdue_check_out") == 2  # open and acknowledged
    assert _count(html, "alert:permit_expired") == 1
    assert _count(html, "alert:location_mismatch") == 0  # resolved
    assert 'data-count-yesterday="7/2"' in html
    text = digest.part("plain")
    assert "Tingkat kepatuhan: 22%" in text  # 2 of 9
    assert "Kemarin, 1 Maret 2026:" in text
    assert f"{BASE}/compliance/" in text
    assert f"{BASE}/alerts/" in text
    assert "Hotel Fajar" in text


def test_office_without_address_sends_the_digest_to_its_officers(db, scene, smtp, mail_app):
    handler, _ = smtp
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    digest = _by_address(handler)["dps.en@imigrasi.example.id"]
    assert digest.message["Content-Language"] == "en"
    office = _office(db, "kanim-denpasar").name
    assert digest.message["Subject"] == f"APOA daily digest: {office}, March 2, 2026"
    text = digest.part("plain")
    assert "Reporting places by status (0 in all):" in text
    assert "Compliance rate" not in text  # no places, no rate
    assert "Newly silent since yesterday: 0" in text
    assert "gone@imigrasi.example.id" not in {a for r in handler.received for a in r.rcpt_tos}


# ---------------------------------------------------------------- runs


def test_a_second_run_on_the_same_day_sends_nothing(db, scene, smtp, mail_app):
    handler, _ = smtp
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    assert len(handler.received) == 6
    again = _run(db, mail_app, "--now", "2026-03-02T09:00:00+00:00")  # same local day
    assert again.exit_code == 0, again.output
    assert "reminders sent: 0, digests sent: 0" in again.output
    assert len(handler.received) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == 6
    next_day = _run(db, mail_app, "--now", "2026-03-03T01:00:00+00:00")
    assert "reminders sent: 4, digests sent: 2" in next_day.output
    assert len(handler.received) == 12


def test_dry_run_sends_and_writes_nothing(db, scene, smtp, mail_app):
    handler, _ = smtp
    audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    result = _run(db, mail_app, "--dry-run", "--now", NOW_ARG)
    assert result.exit_code == 0, result.output
    assert "6 message(s) planned, none sent" in result.output
    assert f"reporter:{scene['users']['ben'].id} <ben@example.com> [en]" in result.output
    assert f"digest:{scene['ngurah_rai']} <{OFFICE_ADDRESS}> [id]" in result.output
    assert handler.received == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == audits


def test_dry_run_needs_no_mail_server(db, scene, make_app):
    app = make_app(MAIL_SERVER=None)
    result = _run(db, app, "--dry-run", "--now", NOW_ARG)
    assert result.exit_code == 0, result.output
    assert "6 message(s) planned" in result.output


def test_a_refused_recipient_does_not_stop_the_others(db, scene, smtp, mail_app):
    handler, _ = smtp
    handler.refuse.add("ben@example.com")
    result = _run(db, mail_app, "--now", NOW_ARG)
    assert result.exit_code == 1
    ben = scene["users"]["ben"].id
    assert f"failed: reporter:{ben}: recipient refused: 550" in result.output
    assert "reminders sent: 3, digests sent: 2, failed: 1" in result.output
    assert set(_by_address(handler)) == (REMINDED - {"ben@example.com"}) | {
        OFFICE_ADDRESS,
        "dps.en@imigrasi.example.id",
    }
    keys = set(db.session.scalars(sa.select(ReminderLog.recipient_key)))
    assert f"reporter:{ben}" not in keys
    assert len(keys) == 5
    # The next run, once the server takes it, sends only the one that failed.
    handler.refuse.clear()
    retry = _run(db, mail_app, "--now", NOW_ARG)
    assert retry.exit_code == 0, retry.output
    assert [r.rcpt_tos for r in handler.received[5:]] == [["ben@example.com"]]


def test_without_a_mail_server_the_command_refuses_clearly(db, scene, make_app):
    app = make_app(MAIL_SERVER=None)
    result = _run(db, app, "--now", NOW_ARG)
    assert result.exit_code != 0
    assert "MAIL_SERVER is not set" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == 0


def test_an_unreachable_mail_server_fails_without_recording(db, scene, make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    result = _run(db, app, "--now", NOW_ARG)
    assert result.exit_code != 0
    assert "cannot use the mail server" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == 0


def test_a_bad_now_is_a_usage_error(db, mail_app):
    result = _run(db, mail_app, "--now", "yesterday")
    assert result.exit_code == 2
    assert "not an ISO 8601 date and time" in result.output


def test_the_run_is_audited_with_counts_only(db, scene, smtp, mail_app):
    handler, _ = smtp
    handler.refuse.add("rt@example.id")
    _run(db, mail_app, "--now", NOW_ARG)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders.send"))
    assert event.actor_name == "cli"
    assert event.outcome == "failure"
    assert json.loads(event.details) == {
        "planned": 6,
        "reminders_sent": 3,
        "digests_sent": 2,
        "skipped": 0,
        "failed": 1,
    }
    assert "@" not in str(event.details)


def _sent_log(recipient_key: str, day: date) -> ReminderLog:
    sent = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=2)
    return ReminderLog(
        recipient_key=recipient_key, day=day, kind="reminder", claimed_at=sent, sent_at=sent
    )


def test_reporters_reminded_within_the_interval_are_skipped(db, scene, smtp, mail_app):
    handler, _ = smtp
    mail_app.config["REMINDER_INTERVAL_DAYS"] = 3
    ani, ben = scene["users"]["ani"].id, scene["users"]["ben"].id
    db.session.add_all(
        [
            _sent_log(f"reporter:{ani}", date(2026, 2, 28)),
            _sent_log(f"reporter:{ben}", date(2026, 2, 27)),
        ]
    )
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    received = _by_address(handler)
    assert "ani@example.id" not in received  # reminded two days ago
    assert "ben@example.com" in received  # three days ago: due again
    assert OFFICE_ADDRESS in received  # digests stay daily


def test_a_message_claimed_by_a_concurrent_run_is_skipped(db, scene, smtp, app):
    from apoa.mail import MailSender, MailSettings
    from apoa.reminders.services import plan_reminders, send_reminders

    handler, port = smtp
    plan = plan_reminders(NOW)
    first = plan[0]
    # Another run claimed (and committed) the first message after this run planned it.
    db.session.add(ReminderLog(recipient_key=first.recipient_key, day=first.day, kind=first.kind))
    db.session.commit()
    settings = MailSettings.from_config({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port})
    with MailSender(settings) as sender:
        summary = send_reminders(NOW, sender, plan=plan)
    assert summary.skipped == 1
    assert summary.as_details()["reminders_sent"] + summary.as_details()["digests_sent"] == 5
    assert first.mail.to not in {a for r in handler.received for a in r.rcpt_tos}


def test_a_name_with_line_breaks_cannot_add_recipients(db, scene, smtp, mail_app):
    handler, _ = smtp
    ani = scene["users"]["ani"]
    ani.full_name = "Ani\r\nBcc: evil@attacker.example"
    db.session.commit()
    assert _run(db, mail_app, "--now", NOW_ARG).exit_code == 0
    message = _by_address(handler)["ani@example.id"]
    assert message.rcpt_tos == ["ani@example.id"]
    assert message.message["Bcc"] is None
    assert "evil@attacker.example" not in {a for r in handler.received for a in r.rcpt_tos}


def test_a_malformed_address_fails_alone(db, scene, smtp, mail_app):
    handler, _ = smtp
    scene["users"]["fajar"].email = "fajar@example.id\nBcc: evil@attacker.example"
    db.session.commit()
    result = _run(db, mail_app, "--now", NOW_ARG)
    assert result.exit_code == 1
    assert "invalid e-mail address" in result.output
    assert len(handler.received) == 5
    assert "evil@attacker.example" not in {a for r in handler.received for a in r.rcpt_tos}


def test_links_follow_the_public_base_url(app):
    from apoa.reminders.mails import public_url

    app.config["PUBLIC_BASE_URL"] = "https://intranet.imigrasi.example/apoa"
    assert public_url("reports.nil_report") == "https://intranet.imigrasi.example/apoa/reports/nil"
    assert public_url("alerts.index") == "https://intranet.imigrasi.example/apoa/alerts/"
    assert public_url("no.such_page") == "https://intranet.imigrasi.example/apoa/"


def _settings(port):
    from apoa.mail import MailSettings

    return MailSettings.from_config({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port})


def test_no_transaction_is_open_while_the_mail_server_answers(db, scene, smtp, app):
    """The claim is committed before sending: on SQLite a held write lock would stop reports."""
    from apoa.mail import MailSender
    from apoa.reminders.services import plan_reminders, send_reminders

    _, port = smtp
    seen = []
    unsent = (
        sa.select(sa.func.count()).select_from(ReminderLog).where(ReminderLog.sent_at.is_(None))
    )

    class WatchingSender(MailSender):
        def send(self, mail):
            open_transaction = db.session().in_transaction()
            seen.append((open_transaction, db.session.scalar(unsent)))  # this message's claim
            db.session.rollback()
            return super().send(mail)

    plan = plan_reminders(NOW)
    with WatchingSender(_settings(port)) as sender:
        summary = send_reminders(NOW, sender, plan=plan)
    assert summary.failed == []
    assert seen == [(False, 1)] * len(plan)
    assert db.session.scalar(unsent) == 0


def test_a_claim_left_by_a_dead_run_is_taken_over_and_a_fresh_one_is_not(db, scene, smtp, app):
    from apoa.reminders.services import CLAIM_EXPIRES, plan_reminders, send_reminders

    handler, port = smtp
    plan = plan_reminders(NOW)
    dead, busy = plan[0], plan[1]
    long_ago = utcnow() - CLAIM_EXPIRES - timedelta(minutes=1)
    db.session.add_all(
        [
            ReminderLog(
                recipient_key=dead.recipient_key, day=dead.day, kind=dead.kind, claimed_at=long_ago
            ),
            ReminderLog(recipient_key=busy.recipient_key, day=busy.day, kind=busy.kind),
        ]
    )
    db.session.commit()
    from apoa.mail import MailSender

    with MailSender(_settings(port)) as sender:
        summary = send_reminders(NOW, sender, plan=plan)
    assert summary.skipped == 1
    delivered = {a for r in handler.received for a in r.rcpt_tos}
    assert dead.mail.to in delivered
    assert busy.mail.to not in delivered
    taken = db.session.scalars(
        sa.select(ReminderLog).where(ReminderLog.recipient_key == dead.recipient_key)
    ).one()
    assert taken.sent_at is not None
    assert taken.claimed_at > long_ago
