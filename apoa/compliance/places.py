"""A reporter's places as the reporter sees them: status, what is due, the last reports.

For the reporter's home page and the reminder e-mails; the status comes from
the ledger and the pure rules at `now` (rules C1 to C4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from apoa.accounts.models import User
from apoa.compliance import rules
from apoa.compliance.models import ComplianceStatus, Ledger
from apoa.compliance.queries import STATUS_ORDER, LedgerColumns, status_of_ledger
from apoa.compliance.settings import grace_hours
from apoa.extensions import db
from apoa.lodgings.models import Lodging
from apoa.regions.models import Region
from apoa.regions.timezones import timezone_for_region
from apoa.reports.cadences import cadence_for
from apoa.reports.periods import Period


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
    def nil_state(self) -> str:
        """What the nil-report tile says for the last ended period, by the same rule C3.

        "due": nothing covers it; "sent": a nil report does; "new": the place began
        reporting after it (nothing is asked for a period before that); "reported":
        guests were reported or are present, so it is not nil.
        """
        if self.nil_due:
            return "due"
        if (
            self.last_nil_period_end is not None
            and self.last_nil_period_end >= self.ended_period.end
        ):
            return "sent"
        if self.registered_on > self.ended_period.end:
            return "new"
        return "reported"

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


def place_name(lodging_name: str | None, region_name: str | None, user: User) -> str:
    """The lodging's name, or the reporter's area: village, RW and RT."""
    return lodging_name if lodging_name is not None else _area_name(region_name, user)


def reporter_places(user: User, now: datetime) -> list[PlaceStatus]:
    """Return the status of each active place of one reporter (their home page), worst first."""
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
            name=place_name(lodging_name, region_name, user),
            cadence=columns.cadences.get(ledger.kind) or cadence_for(ledger.kind),
        )
        for ledger, overdue, lodging_name, region_name in rows
    ]
    rank = {status.value: index for index, status in enumerate(STATUS_ORDER)}
    return sorted(places, key=lambda p: (rank.get(p.status, 9), p.name))
