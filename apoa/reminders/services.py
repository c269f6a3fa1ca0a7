"""Reminders to silent and late reporters, and each office's daily digest (issue 6, point 6).

`flask apoa send-reminders` runs this once a day:

- every active reporter account with an e-mail address whose active places
  are never reported, silent or late at `now` gets one e-mail listing each of
  those places, its status and what to do, in the reporter's own language;
- every active office gets a digest in Indonesian: its places by status, the
  newly silent ones, overdue check-outs, open alerts and yesterday's reports.
  It goes to the office's address (Office.email); an office without one sends
  it to each of its active officers who has an address, in the officer's language.

Rules: one reminder per reporter per local day at most, and none when one
was sent in the last REMINDER_INTERVAL_DAYS days (default 1: daily); one
digest per office (or officer) per local day. Each message is first claimed in
`ReminderLog` (committed), then sent, then marked sent: a second run, or a
concurrent one, sends nothing twice, and no database lock is held while the
mail server answers (on SQLite that lock would stop every reporter's report).
A message the server refuses is released and retried on the next run; a claim
left unsent by a run that died is taken over after CLAIM_EXPIRES (only a crash
between the server's "250 OK" and marking it sent can repeat one message).

No guest personal data goes into an e-mail: statuses, periods and counts only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from apoa import clock
from apoa.accounts.models import Role, User
from apoa.audit.services import record_event
from apoa.compliance.models import ComplianceStatus, Ledger
from apoa.compliance.places import place_name, place_status
from apoa.compliance.queries import LedgerColumns, ledgers_of_office
from apoa.compliance.settings import deadline_hours
from apoa.extensions import db
from apoa.lodgings.models import Lodging
from apoa.mail import Mail, MailSender, MailSendError
from apoa.regions.models import Region
from apoa.regions.timezones import timezone_for_region
from apoa.reminders.digests import plan_digests
from apoa.reminders.log import (
    CLAIM_EXPIRES,
    KIND_DIGEST,
    KIND_REMINDER,
    interval_days,
    recent_logs,
)
from apoa.reminders.mails import PlannedMail, mail_locale, public_url, render_pair
from apoa.reminders.models import ReminderLog

REMIND_STATUSES = (
    ComplianceStatus.NEVER_REPORTED,
    ComplianceStatus.SILENT,
    ComplianceStatus.LATE,
)
REPORTER_CHUNK = 500  # reporters whose places are read and rendered together

# A due place as the reminder query returns it: ledger, status, overdue check-outs, names.
_PlaceRow = tuple[Ledger, str, int, str | None, str | None]


# ---------------------------------------------------------------- reporters


def _due_places(columns: LedgerColumns) -> sa.Select[Any]:
    """Active places that are never reported, silent or late, of active reporters with an address.

    The statuses come from SQL over every active place (LedgerColumns), joined
    to the accounts: no Python loop over all places.
    """
    status = columns.status()
    return (
        ledgers_of_office(None)
        .join(User, User.id == Ledger.reporter_id)
        .where(
            User.role == Role.REPORTER,
            User.is_active_account.is_(True),
            User.email.is_not(None),
            User.email != "",
            status.in_([s.value for s in REMIND_STATUSES]),
        )
    )


def iter_reporter_reminders(now: datetime, *, chunk: int = REPORTER_CHUNK) -> Iterator[PlannedMail]:
    """Yield one reminder per reporter whose places need attention, rendered a chunk at a time.

    First the ids of the reporters due (one integer column), then their places and
    accounts a few hundred reporters at a time, so that 100,000 silent reporters never
    sit in memory at once. Each chunk is rendered before its first message is yielded:
    the caller may commit between messages.
    """
    columns = LedgerColumns(now)
    reporter_ids = list(
        db.session.scalars(
            _due_places(columns)
            .with_only_columns(Ledger.reporter_id)
            .distinct()
            .order_by(Ledger.reporter_id)
        )
    )
    interval = interval_days()
    recent = recent_logs(KIND_REMINDER, (now - timedelta(days=interval + 1)).date(), now=now)
    for first in range(0, len(reporter_ids), chunk):
        ids = reporter_ids[first : first + chunk]
        query = (
            _due_places(columns)
            .where(Ledger.reporter_id.in_(ids))
            .outerjoin(Lodging, Lodging.id == Ledger.lodging_id)
            .outerjoin(Region, Region.code == Ledger.village_code)
            .add_columns(
                columns.status().label("status"),
                columns.overdue_check_outs().label("overdue"),
                User,
                Lodging.name,
                Region.name,
            )
            .order_by(Ledger.reporter_id, Ledger.id)
        )
        by_reporter: dict[int, tuple[User, list[_PlaceRow]]] = {}
        for ledger, state, overdue, user, lodging_name, region_name in db.session.execute(query):
            by_reporter.setdefault(user.id, (user, []))[1].append(
                (ledger, state, overdue, lodging_name, region_name)
            )
        planned = []
        for user, rows in by_reporter.values():
            if not user.is_active:  # also the accounts of a closed office
                continue
            day = now.astimezone(timezone_for_region(rows[0][0].village_code)).date()
            key = f"reporter:{user.id}"
            last = recent.get(key)
            if last is not None and last > day - timedelta(days=interval):
                continue
            planned.append(_reporter_mail(user, rows, now=now, day=day, key=key, columns=columns))
        yield from planned


def plan_reporter_reminders(now: datetime) -> list[PlannedMail]:
    """Return the reminders a run at `now` would send."""
    return list(iter_reporter_reminders(now))


def _reporter_mail(
    user: User,
    rows: list[_PlaceRow],
    *,
    now: datetime,
    day: date,
    key: str,
    columns: LedgerColumns,
) -> PlannedMail:
    locale = mail_locale(user.locale)
    with force_locale(locale):
        places = [
            place_status(
                ledger,
                now=now,
                status=place_state,
                overdue=overdue,
                name=place_name(lodging_name, region_name, user),
                cadence=columns.cadences[ledger.kind],
            )
            for ledger, place_state, overdue, lodging_name, region_name in rows
        ]
        context = {
            "name": user.full_name,
            "today": day,
            "places": places,
            "deadline_hours": deadline_hours(),
            "home_url": public_url("home.index"),
            "nil_url": public_url("reports.nil_report"),
            "guests_url": public_url("reports.index"),
        }
        subject = _("APOA reminder: your reports of foreign guests need attention")
        text, html = render_pair("reminder", **context)
    counts: dict[str, int] = {}
    for place in places:
        counts[place.status] = counts.get(place.status, 0) + 1
    summary = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
    return PlannedMail(
        recipient_key=key,
        kind=KIND_REMINDER,
        day=day,
        mail=Mail(
            to=user.email or "",
            to_name=user.full_name,
            subject=subject,
            text=text,
            html=html,
            locale=locale,
        ),
        summary=f"{len(places)} place(s): {summary}",
    )


# ---------------------------------------------------------------- all messages


def iter_reminders(now: datetime) -> Iterator[PlannedMail]:
    """Yield every message a run at `now` would send: reminders, then digests; writes nothing."""
    yield from iter_reporter_reminders(now)
    yield from plan_digests(now)


def plan_reminders(now: datetime) -> list[PlannedMail]:
    """Return every message a run at `now` would send (for --dry-run and tests)."""
    return list(iter_reminders(now))


# ---------------------------------------------------------------- sending


@dataclass
class SendSummary:
    """What a run did; `failed` holds (recipient key, reason) for the operator."""

    planned: int = 0
    sent: dict[str, int] = field(default_factory=lambda: {KIND_REMINDER: 0, KIND_DIGEST: 0})
    skipped: int = 0  # claimed meanwhile by another run
    failed: list[tuple[str, str]] = field(default_factory=list)

    def as_details(self) -> Mapping[str, int]:
        """Counts for the audit trail: no addresses, no names."""
        return {
            "planned": self.planned,
            "reminders_sent": self.sent[KIND_REMINDER],
            "digests_sent": self.sent[KIND_DIGEST],
            "skipped": self.skipped,
            "failed": len(self.failed),
        }


def _claim(item: PlannedMail, moment: datetime) -> int | None:
    """Claim one message for this run at `moment` and commit; None when another run has it.

    A claim left unsent for CLAIM_EXPIRES (its run died) is taken over.
    """
    log = ReminderLog(
        recipient_key=item.recipient_key, day=item.day, kind=item.kind, claimed_at=moment
    )
    db.session.add(log)
    try:
        db.session.flush()  # the transaction holds nothing else: no savepoint needed
    except IntegrityError:
        db.session.rollback()
        claimed = db.session.scalar(
            sa.update(ReminderLog)
            .where(
                ReminderLog.recipient_key == item.recipient_key,
                ReminderLog.day == item.day,
                ReminderLog.kind == item.kind,
                ReminderLog.sent_at.is_(None),
                ReminderLog.claimed_at < moment - CLAIM_EXPIRES,
            )
            .values(claimed_at=moment)
            .returning(ReminderLog.id)
        )
    else:
        claimed = log.id
    db.session.commit()
    return claimed


def send_reminders(
    now: datetime,
    sender: MailSender,
    *,
    plan: Iterable[PlannedMail] | None = None,
    wall_clock: Callable[[], datetime] = clock.wall_clock,
) -> SendSummary:
    """Send today's reminders and digests through an open sender, one short transaction each.

    Each message is claimed (committed: a concurrent run that claimed it already
    makes this one skip it), sent with no transaction open, then marked sent, or
    released when the server refused it so that the next run tries again. A batch
    job, like the geocoding batches, it commits itself; the run is audited with
    counts only.

    `now` decides who is due (it may be pretended, `--now`); claims, sends and the
    audit event are stamped with `wall_clock`, which is what tells a live claim from
    one a dead run left behind.
    """
    summary = SendSummary()
    for item in iter_reminders(now) if plan is None else plan:
        summary.planned += 1
        db.session.rollback()  # end the planning reads; each message gets its own transactions
        claimed = _claim(item, wall_clock())
        if claimed is None:
            summary.skipped += 1
            continue
        this_claim = ReminderLog.id == claimed
        try:
            sender.send(item.mail)
        except MailSendError as error:
            db.session.execute(sa.delete(ReminderLog).where(this_claim))
            db.session.commit()
            summary.failed.append((item.recipient_key, str(error)))
            continue
        db.session.execute(sa.update(ReminderLog).where(this_claim).values(sent_at=wall_clock()))
        db.session.commit()
        summary.sent[item.kind] += 1
    record_event(
        "reminders.send",
        actor=None,
        actor_name="cli",
        object_type="reminders",
        outcome="success" if not summary.failed else "failure",
        details=summary.as_details(),
        now=wall_clock(),
    )
    db.session.commit()
    return summary
