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

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import format_date as babel_format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from apoa.accounts.models import Role, User
from apoa.compliance import rules
from apoa.compliance.models import (
    AlertKind,
    ComplianceStatus,
    Ledger,
    OfficeDay,
    ReminderLog,
)
from apoa.compliance.queries import (
    STATUS_ORDER,
    LedgerColumns,
    compliance_rate,
    ledgers_of_office,
    status_counts,
    status_of_ledger,
)
from apoa.compliance.summaries import deadline_hours, grace_hours
from apoa.db import utcnow
from apoa.extensions import db
from apoa.lodgings.models import Lodging
from apoa.mail import Mail, MailSender, MailSendError
from apoa.regions.models import Office, OfficeJurisdiction, Region
from apoa.regions.timezones import timezone_for_region
from apoa.reports.periods import Period

KIND_REMINDER = "reminder"
KIND_DIGEST = "digest"
REMIND_STATUSES = (
    ComplianceStatus.NEVER_REPORTED,
    ComplianceStatus.SILENT,
    ComplianceStatus.LATE,
)
DIGEST_MAX_NAMES = 20  # newly silent places named in a digest; the rest are counted
REPORTER_CHUNK = 500  # reporters whose places are read and rendered together
# A claim not marked sent after this long belongs to a run that died: longer than any
# one message can take (MAIL_TIMEOUT is 30 s by default).
CLAIM_EXPIRES = timedelta(minutes=30)

STATUS_LABELS = {
    ComplianceStatus.NEVER_REPORTED.value: _l("Never reported"),
    ComplianceStatus.SILENT.value: _l("Silent"),
    ComplianceStatus.LATE.value: _l("Late"),
    ComplianceStatus.COMPLIANT.value: _l("Compliant"),
}
ALERT_KIND_LABELS = {
    AlertKind.OVERDUE_CHECK_OUT.value: _l("Overdue check-out"),
    AlertKind.PERMIT_EXPIRED.value: _l("Permit expired during the stay"),
    AlertKind.OPEN_ELSEWHERE.value: _l("Staying at two places"),
    AlertKind.LOCATION_MISMATCH.value: _l("Location mismatch"),
}


# ---------------------------------------------------------------- one place's status


@dataclass(frozen=True)
class PlaceStatus:
    """One reporting place as its reporter sees it: status, what is due, last reports."""

    ledger_id: int
    name: str
    status: str
    region_code: str | None
    ended_period: Period  # the last ended period: the one a nil report may be due for
    current_period: Period
    late_lately: bool  # a late report in the current or the last ended period (rule C1)
    overdue_check_outs: int  # open stays past their expected check-out plus grace (rule C4)
    registered_at: datetime
    last_report_at: datetime | None
    last_nil_period_end: date | None

    @property
    def nil_due(self) -> bool:
        """Neither a report nor a nil report covers the last ended period (rule C3)."""
        return self.status in (ComplianceStatus.SILENT, ComplianceStatus.NEVER_REPORTED)

    @property
    def registered_on(self) -> date:
        return self.registered_at.astimezone(timezone_for_region(self.region_code)).date()


def place_status(
    ledger: Ledger, *, now: datetime, status: str, overdue: int, name: str, cadence: str
) -> PlaceStatus:
    """Describe one ledger row at `now` with the pure rules (its status computed by the caller)."""
    limits = rules.thresholds(
        now, timezone_for_region(ledger.village_code), cadence, grace_hours=grace_hours()
    )
    return PlaceStatus(
        ledger_id=ledger.id,
        name=name,
        status=str(status),
        region_code=ledger.village_code,
        ended_period=limits.previous,
        current_period=limits.current,
        late_lately=ledger.last_late_at is not None
        and ledger.last_late_at >= limits.previous_start,
        overdue_check_outs=int(overdue or 0),
        registered_at=ledger.registered_at,
        last_report_at=ledger.last_report_at,
        last_nil_period_end=ledger.last_nil_period_end,
    )


def _area_name(region_name: str | None, user: User) -> str:
    parts = [region_name or str(_("Your area"))]
    if user.rw:
        parts.append(f"RW {user.rw:02d}")
    if user.rt:
        parts.append(f"RT {user.rt:02d}")
    return " · ".join(parts)


def _place_name(lodging_name: str | None, region_name: str | None, user: User) -> str:
    return lodging_name if lodging_name is not None else _area_name(region_name, user)


def reporter_places(user: User, now: datetime) -> list[PlaceStatus]:
    """Return the status of each active place of one reporter (their home page), worst first."""
    from apoa.reports.services import cadence_for

    columns = LedgerColumns(now)
    rows = db.session.execute(
        sa.select(Ledger, columns.overdue_check_outs(), Lodging.name, Region.name)
        .outerjoin(Lodging, Lodging.id == Ledger.lodging_id)
        .outerjoin(Region, Region.code == Ledger.village_code)
        .where(Ledger.reporter_id == user.id, Ledger.is_active.is_(True))
        .order_by(Ledger.id)
    ).all()
    places = [
        place_status(
            ledger,
            now=now,
            status=status_of_ledger(ledger, now),
            overdue=overdue,
            name=_place_name(lodging_name, region_name, user),
            cadence=columns.cadences.get(ledger.kind) or cadence_for(ledger.kind),
        )
        for ledger, overdue, lodging_name, region_name in rows
    ]
    rank = {status.value: index for index, status in enumerate(STATUS_ORDER)}
    return sorted(places, key=lambda p: (rank.get(p.status, 9), p.name))


# ---------------------------------------------------------------- planning


@dataclass(frozen=True)
class PlannedMail:
    """One message the run would send, with the ReminderLog row that records it."""

    recipient_key: str  # "reporter:<user id>", "digest:<office id>" or "digest:<office>:<user>"
    kind: str
    day: date  # the recipient's local day
    mail: Mail
    summary: str  # for --dry-run and the run's output: statuses or counts, never guest data


# A due place as the reminder query returns it: ledger, status, overdue check-outs, names.
_PlaceRow = tuple[Ledger, str, int, str | None, str | None]


def _locale(value: str | None) -> str:
    languages = current_app.config.get("LANGUAGES", ("id", "en"))
    default = str(current_app.config.get("BABEL_DEFAULT_LOCALE", "id"))
    return value if value in languages else default


def public_url(*endpoints: str, **values: Any) -> str:
    """Return an absolute link under PUBLIC_BASE_URL to the first endpoint that exists.

    Falls back to the home page, so an e-mail never fails over a renamed page.
    """
    base = urlsplit(str(current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    for endpoint in endpoints:
        try:
            return adapter.build(endpoint, values, force_external=True)
        except BuildError:
            continue
    return adapter.build("accounts.home", {}, force_external=True)


def _render(template: str, /, **context: Any) -> str:
    """Render an e-mail template with the app's Jinja environment and no request.

    Not render_template: its context processors build forms with CSRF tokens,
    which need a request and a session that a command does not have.
    """
    env = current_app.jinja_env
    return env.get_template(template).render(
        format_date=lambda value, fmt="long": babel_format_date(value, fmt),
        status_labels=STATUS_LABELS,
        alert_kind_labels=ALERT_KIND_LABELS,
        lang=str(get_locale() or "id"),
        **context,
    )


def _render_pair(template: str, /, **context: Any) -> tuple[str, str]:
    return (
        _render(f"compliance/email/{template}.txt", **context),
        _render(f"compliance/email/{template}.html", **context),
    )


def _recent_logs(kind: str, since: date) -> dict[str, date]:
    """Return the last day each recipient got a message of this kind, from `since` on."""
    rows = db.session.execute(
        sa.select(ReminderLog.recipient_key, sa.func.max(ReminderLog.day))
        .where(ReminderLog.kind == kind, ReminderLog.day >= since, _sent_or_being_sent())
        .group_by(ReminderLog.recipient_key)
    )
    return {key: day for key, day in rows}


def _sent_or_being_sent() -> sa.ColumnElement[bool]:
    return sa.or_(
        ReminderLog.sent_at.is_not(None), ReminderLog.claimed_at >= utcnow() - CLAIM_EXPIRES
    )


def _interval_days() -> int:
    return max(1, int(current_app.config.get("REMINDER_INTERVAL_DAYS", 1)))


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
    interval = _interval_days()
    recent = _recent_logs(KIND_REMINDER, (now - timedelta(days=interval + 1)).date())
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
    locale = _locale(user.locale)
    with force_locale(locale):
        places = [
            place_status(
                ledger,
                now=now,
                status=place_state,
                overdue=overdue,
                name=_place_name(lodging_name, region_name, user),
                cadence=columns.cadences[ledger.kind],
            )
            for ledger, place_state, overdue, lodging_name, region_name in rows
        ]
        context = {
            "name": user.full_name,
            "today": day,
            "places": places,
            "deadline_hours": deadline_hours(),
            "home_url": public_url("accounts.home"),
            "nil_url": public_url("reports.nil_report"),
            "guests_url": public_url("reports.index"),
        }
        subject = _("APOA reminder: your reports of foreign guests need attention")
        text, html = _render_pair("reminder", **context)
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


# ---------------------------------------------------------------- digests


@dataclass(frozen=True)
class Digest:
    """What an office's daily digest says: counts only, and the names of newly silent places."""

    office_name: str
    day: date
    counts: dict[str, int]
    rate: float | None
    newly_silent: list[str]
    newly_silent_total: int
    overdue_check_outs: int
    alerts: dict[str, int]
    yesterday: date
    yesterday_counts: dict[str, int] = field(default_factory=dict)

    @property
    def places(self) -> int:
        return sum(self.counts.values())

    @property
    def open_alerts(self) -> int:
        return sum(self.alerts.values())


def _office_zones(office_ids: Iterable[int]) -> dict[int, Any]:
    """Each office's time zone, from the first region it covers (offices lie in one zone)."""
    ids = list(office_ids)
    zones: dict[int, Any] = {}
    if not ids:
        return zones
    rows = db.session.execute(
        sa.select(OfficeJurisdiction.office_id, sa.func.min(OfficeJurisdiction.region_code))
        .where(OfficeJurisdiction.office_id.in_(ids))
        .group_by(OfficeJurisdiction.office_id)
    )
    for office_id, code in rows:
        zones[office_id] = timezone_for_region(code)
    return zones


def _place_label(lodging_name: str | None, region_name: str | None, kind: str) -> str:
    from apoa.templating import KIND_LABELS

    if lodging_name is not None:
        return lodging_name
    return f"{KIND_LABELS.get(kind, kind)}, {region_name or '?'}"


def office_digest(office: Office, *, now: datetime, zone: Any) -> Digest:
    """Compute one office's digest at `now` (in the office's time zone); reads only."""
    from apoa.compliance.alerts import open_alert_counts

    today = now.astimezone(zone).date()
    yesterday = today - timedelta(days=1)
    counts = status_counts(office.id, now)
    # Newly silent: silent now and not 24 hours ago (a period ended since the last digest).
    columns = LedgerColumns(now)
    status_now = columns.status()
    status_before = LedgerColumns(now - timedelta(days=1)).status()
    newly = (
        ledgers_of_office(office.id)
        .where(
            status_now == ComplianceStatus.SILENT.value,
            sa.or_(status_before.is_(None), status_before != ComplianceStatus.SILENT.value),
        )
        .outerjoin(Lodging, Lodging.id == Ledger.lodging_id)
        .outerjoin(Region, Region.code == Ledger.village_code)
    )
    total_newly = db.session.scalar(
        newly.with_only_columns(sa.func.count(Ledger.id)).order_by(None)
    )
    names = [
        _place_label(lodging_name, region_name, kind)
        for lodging_name, region_name, kind in db.session.execute(
            newly.with_only_columns(Lodging.name, Region.name, Ledger.kind)
            .order_by(Ledger.id)
            .limit(DIGEST_MAX_NAMES)
        )
    ]
    overdue = (
        ledgers_of_office(office.id)
        .where(Ledger.open_stays > 0)
        .with_only_columns(columns.overdue_check_outs().label("n"))
        .subquery()
    )
    overdue_total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(overdue.c.n), 0)))
    day_row = db.session.get(OfficeDay, (office.id, yesterday))
    yesterday_counts = {
        name: int(getattr(day_row, name) or 0) if day_row is not None else 0
        for name in ("reports", "late_reports", "nil_reports", "arrivals", "departures")
    }
    return Digest(
        office_name=office.name,
        day=today,
        counts=counts,
        rate=compliance_rate(counts),
        newly_silent=names,
        newly_silent_total=int(total_newly or 0),
        overdue_check_outs=int(overdue_total or 0),
        alerts={kind.value: n for kind, n in open_alert_counts(office.id).items()},
        yesterday=yesterday,
        yesterday_counts=yesterday_counts,
    )


def _digest_recipients(offices: list[Office]) -> dict[int, list[tuple[str, str, str | None, str]]]:
    """Per office: (recipient key, address, name, locale) — the office's address, else officers."""
    officers: dict[int, list[User]] = {}
    without_address = [o.id for o in offices if not (o.email or "").strip()]
    if without_address:
        for user in db.session.scalars(
            sa.select(User)
            .where(
                User.role == Role.OFFICER,
                User.office_id.in_(without_address),
                User.is_active_account.is_(True),
                User.email.is_not(None),
                User.email != "",
            )
            .order_by(User.id)
        ):
            officers.setdefault(user.office_id or 0, []).append(user)
    recipients: dict[int, list[tuple[str, str, str | None, str]]] = {}
    for office in offices:
        if (office.email or "").strip():
            recipients[office.id] = [
                (f"digest:{office.id}", office.email or "", office.name, _locale(None))
            ]
        else:
            recipients[office.id] = [
                (f"digest:{office.id}:{u.id}", u.email or "", u.full_name, _locale(u.locale))
                for u in officers.get(office.id, [])
            ]
    return recipients


def plan_digests(now: datetime) -> list[PlannedMail]:
    """Plan today's digest for every active office that has somewhere to send it."""
    offices = list(
        db.session.scalars(sa.select(Office).where(Office.is_active.is_(True)).order_by(Office.id))
    )
    recipients = _digest_recipients(offices)
    zones = _office_zones(o.id for o in offices)
    sent_today = _recent_logs(KIND_DIGEST, (now - timedelta(days=2)).date())
    planned = []
    for office in offices:
        zone = zones.get(office.id, timezone_for_region(None))
        day = now.astimezone(zone).date()
        targets = [r for r in recipients[office.id] if sent_today.get(r[0]) != day]
        if not targets:
            continue
        digest = office_digest(office, now=now, zone=zone)
        for key, address, name, locale in targets:
            with force_locale(locale):
                context = {
                    "digest": digest,
                    "list_url": public_url("compliance.index"),
                    "alerts_url": public_url("alerts.index"),
                    "dashboard_url": public_url("dashboard.index"),
                }
                subject = _(
                    "APOA daily digest: %(office)s, %(date)s",
                    office=office.name,
                    date=babel_format_date(day, "long"),
                )
                text, html = _render_pair("digest", **context)
            planned.append(
                PlannedMail(
                    recipient_key=key,
                    kind=KIND_DIGEST,
                    day=day,
                    mail=Mail(
                        to=address,
                        to_name=name,
                        subject=subject,
                        text=text,
                        html=html,
                        locale=locale,
                    ),
                    summary=(
                        f"{digest.places} place(s), "
                        + ", ".join(f"{s} {n}" for s, n in digest.counts.items())
                        + f", newly silent {digest.newly_silent_total},"
                        f" open alerts {digest.open_alerts}"
                    ),
                )
            )
    return planned


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


def _claim(item: PlannedMail) -> int | None:
    """Claim one message for this run and commit the claim; None when another run has it.

    A claim left unsent for CLAIM_EXPIRES (its run died) is taken over.
    """
    moment = utcnow()
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
    now: datetime, sender: MailSender, *, plan: Iterable[PlannedMail] | None = None
) -> SendSummary:
    """Send today's reminders and digests through an open sender, one short transaction each.

    Each message is claimed (committed: a concurrent run that claimed it already
    makes this one skip it), sent with no transaction open, then marked sent, or
    released when the server refused it so that the next run tries again. A batch
    job, like the geocoding batches, it commits itself; the run is audited with
    counts only.
    """
    from apoa.audit.services import record_event

    summary = SendSummary()
    for item in iter_reminders(now) if plan is None else plan:
        summary.planned += 1
        db.session.rollback()  # end the planning reads; each message gets its own transactions
        claimed = _claim(item)
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
        db.session.execute(sa.update(ReminderLog).where(this_claim).values(sent_at=utcnow()))
        db.session.commit()
        summary.sent[item.kind] += 1
    record_event(
        "reminders.send",
        actor=None,
        actor_name="cli",
        object_type="reminders",
        outcome="success" if not summary.failed else "failure",
        details=summary.as_details(),
    )
    db.session.commit()
    return summary
