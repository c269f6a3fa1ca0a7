"""Each office's daily digest: its places by status, the newly silent ones, alerts, yesterday.

In Indonesian to the office's address (Office.email); an office without one
sends it to each of its active officers who has an address, in the officer's
language. Counts only, and the names of newly silent places: no guest data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import format_date as babel_format_date
from flask_babel import gettext as _

from apoa.accounts.labels import KIND_LABELS
from apoa.accounts.models import Role, User
from apoa.alerts.queries import open_alert_counts
from apoa.compliance.models import ComplianceStatus, Ledger, OfficeDay
from apoa.compliance.queries import (
    LedgerColumns,
    compliance_rate,
    ledgers_of_office,
    status_counts,
)
from apoa.extensions import db
from apoa.lodgings.models import Lodging
from apoa.mail import Mail
from apoa.regions.models import Office, Region
from apoa.regions.queries import office_zone
from apoa.reminders.log import KIND_DIGEST, recent_logs
from apoa.reminders.mails import PlannedMail, mail_locale, public_url, render_pair

DIGEST_MAX_NAMES = 20  # newly silent places named in a digest; the rest are counted


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


def _place_label(lodging_name: str | None, region_name: str | None, kind: str) -> str:
    if lodging_name is not None:
        return lodging_name
    return f"{KIND_LABELS.get(kind, kind)}, {region_name or '?'}"


def office_digest(office: Office, *, now: datetime, zone: Any) -> Digest:
    """Compute one office's digest at `now` (in the office's time zone); reads only."""
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
                (f"digest:{office.id}", office.email or "", office.name, mail_locale(None))
            ]
        else:
            recipients[office.id] = [
                (f"digest:{office.id}:{u.id}", u.email or "", u.full_name, mail_locale(u.locale))
                for u in officers.get(office.id, [])
            ]
    return recipients


def plan_digests(now: datetime) -> list[PlannedMail]:
    """Plan today's digest for every active office that has somewhere to send it."""
    offices = list(
        db.session.scalars(sa.select(Office).where(Office.is_active.is_(True)).order_by(Office.id))
    )
    recipients = _digest_recipients(offices)
    sent_today = recent_logs(KIND_DIGEST, (now - timedelta(days=2)).date(), now=now)
    planned = []
    for office in offices:
        zone = office_zone(office.id)
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
                text, html = render_pair("digest", **context)
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
