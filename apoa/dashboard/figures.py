"""The dashboard's figures for one office, or for the whole country, from the summary tables.

Issue 6, point 5: foreigners present now and the change against 30 days ago;
by nationality (top 15), permit type and district; a 24-month trend; reports
today and this week; the compliance rate; open alerts. Point 7 asks for the
page in 500 ms or less at 10,000,000 stays, so nothing here reads the stays:

- presence by nationality, permit and district: `PresenceCount` (open stays now);
- everything over time: `OfficeDay` (arrivals, departures, reports per local
  day). Guests present at the end of a day are the running sum of arrivals
  minus departures up to it: one sum over the days before the 24-month
  window, then a few hundred day rows folded into months in Python;
- compliance statuses: `queries.status_counts` over the ledger;
- alerts: a count by kind on the indexed alert queue.

`office_id` None means the whole country (admins): every office and the
places no office covers (NO_OFFICE); a number, one office (NO_OFFICE too).
Days are the office's local days (the zone of its first jurisdiction code);
national figures count in WIB. Nothing here names a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from apoa.alerts.models import ACTIVE_STATUSES, Alert
from apoa.alerts.queries import open_alert_counts
from apoa.compliance import queries
from apoa.compliance.models import OfficeDay, PresenceCount
from apoa.extensions import db
from apoa.regions.models import Office
from apoa.regions.queries import office_zone, office_zones
from apoa.reports.codes import canonical_nationality
from apoa.scoping import of_office

TOP_N = 15  # bars per chart; the rest are summed as "others" (issue 6, point 5)
OTHERS = "_others"
TREND_MONTHS = 24
CHANGE_DAYS = 30


@dataclass(frozen=True)
class Month:
    """One month of the trend: arrivals in it and guests present at its end (or today)."""

    start: date
    arrivals: int
    present: int


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard shows, as plain numbers and codes (labels come later)."""

    office_id: int | None
    zone: ZoneInfo
    today: date
    present_now: int
    present_before: int  # at the end of the local day CHANGE_DAYS ago
    day_before: date
    week_start: date
    reports_today: int
    reports_week: int
    late_week: int
    nil_week: int
    status_counts: dict[str, int]
    alerts: dict[str, int]
    by_nationality: list[tuple[str, int]]
    by_permit: list[tuple[str, int]]
    by_district: list[tuple[str, int]]
    trend: list[Month]

    @property
    def change(self) -> int:
        return self.present_now - self.present_before

    @property
    def change_share(self) -> float | None:
        """The change as a share of the earlier number (None when nobody was there)."""
        return self.change / self.present_before if self.present_before else None

    @property
    def compliance_rate(self) -> float | None:
        return queries.compliance_rate(self.status_counts)

    @property
    def places(self) -> int:
        return sum(self.status_counts.values())

    @property
    def open_alerts(self) -> int:
        return sum(self.alerts.values())


# ---------------------------------------------------------------- time


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month `back` months before the one `day` lies in."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


# ---------------------------------------------------------------- presence now


def presence(office_id: int | None, dimension: str) -> dict[str, int]:
    """Open stays now by the keys of one dimension (nationality, permit or district)."""
    total = sa.func.sum(PresenceCount.n)
    rows = db.session.execute(
        sa.select(PresenceCount.key, total)
        .where(PresenceCount.dimension == dimension, of_office(PresenceCount.office_id, office_id))
        .group_by(PresenceCount.key)
        .having(total > 0)
    )
    counts: dict[str, int] = defaultdict(int)
    for key, n in rows:
        # "D" and "DEU" are both Germany (apoa.reports.codes.canonical_nationality).
        counts[canonical_nationality(key) if dimension == "nationality" else key] += int(n)
    return dict(counts)


def top(counts: dict[str, int], n: int = TOP_N) -> list[tuple[str, int]]:
    """The n largest counts, largest first (ties by key), then the rest summed as OTHERS."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    head = ranked[:n]
    rest = sum(count for _, count in ranked[n:])
    return [*head, (OTHERS, rest)] if rest else head


# ---------------------------------------------------------------- days and months


def _local_today(office_id: int | None, now: datetime) -> Any:
    """The last day that has begun at each office, in its own time zone (as SQL).

    An office's day rows are dated in its own zone, so the country's figures cut
    each office at its own today: a guest who arrived in Bali just after midnight
    WITA counts at once, while Jakarta's date is still the day before.
    """
    if office_id is not None:
        return now.astimezone(office_zone(office_id)).date()
    by_office = {o: now.astimezone(zone).date() for o, zone in office_zones().items()}
    wib_today = now.astimezone(office_zone(None)).date()
    if not by_office:
        return wib_today
    return sa.case(by_office, value=OfficeDay.office_id, else_=wib_today)


def _days(office_id: int | None, first: date, now: datetime) -> tuple[int, Sequence[Any]]:
    """Guests present before `first`, and the day rows from `first` on (summed over offices).

    Days that have not begun at their office yet (check-ins reported ahead) are left out.
    """
    scope = sa.and_(
        of_office(OfficeDay.office_id, office_id), OfficeDay.day <= _local_today(office_id, now)
    )
    before = db.session.scalar(
        sa.select(
            sa.func.coalesce(sa.func.sum(OfficeDay.arrivals - OfficeDay.departures), 0)
        ).where(scope, OfficeDay.day < first)
    )
    rows = db.session.execute(
        sa.select(
            OfficeDay.day,
            sa.func.sum(OfficeDay.arrivals),
            sa.func.sum(OfficeDay.departures),
            sa.func.sum(OfficeDay.reports),
            sa.func.sum(OfficeDay.late_reports),
            sa.func.sum(OfficeDay.nil_reports),
        )
        .where(scope, OfficeDay.day >= first)
        .group_by(OfficeDay.day)
        .order_by(OfficeDay.day)
    ).all()
    return int(before or 0), rows


def _trend(
    before: int, rows: Iterable[Any], months: list[date], today: date, day_before: date
) -> tuple[list[Month], int]:
    """Fold day rows into months; also return the guests present at the end of `day_before`."""
    running = at_day_before = before
    arrivals: dict[date, int] = defaultdict(int)
    at_month_end: dict[date, int] = {}
    for row_day, arrived, departed, *_ in rows:
        # A day that has begun at its office but not yet in the country's zone is today.
        day = min(row_day, today)
        running += int(arrived) - int(departed)
        month = month_start(day)
        arrivals[month] += int(arrived)
        at_month_end[month] = running
        if day <= day_before:
            at_day_before = running
    trend = []
    carried = before
    for month in months:
        carried = at_month_end.get(month, carried)
        trend.append(Month(month, arrivals.get(month, 0), carried))
    return trend, at_day_before


# ---------------------------------------------------------------- alerts


def open_alerts(office_id: int | None) -> dict[str, int]:
    """Alerts not yet resolved (open or acknowledged), by kind (kinds without any left out).

    One office: the alert queue's own count (apoa.alerts.queries). The country
    and the places no office covers (office NULL on alerts, a foreign key) are
    counted here. Resolved alerts are kept for good, so the table only grows:
    each query names its office and groups by (office, status, kind), which both
    engines answer from ix_alerts_office_status instead of reading every alert
    ever raised (SQLite otherwise walks the (kind, subject) index: 0.2 s at
    200,000 alerts).
    """
    if office_id:
        return {str(kind): n for kind, n in open_alert_counts(office_id).items() if n}
    scopes: list[sa.ColumnElement[bool]]
    if office_id is None:
        # The country in two indexed halves: every office's alerts, then those of no office.
        scopes = [Alert.office_id.in_(sa.select(Office.id)), Alert.office_id.is_(None)]
    else:
        scopes = [of_office(Alert.office_id, office_id, no_office_is_null=True)]
    counts: dict[str, int] = defaultdict(int)
    for scope in scopes:
        rows = db.session.execute(
            sa.select(Alert.kind, sa.func.count())
            .where(scope, Alert.status.in_(ACTIVE_STATUSES))
            .group_by(Alert.office_id, Alert.status, Alert.kind)
        )
        for kind, n in rows:
            counts[kind] += int(n)
    return dict(counts)


# ---------------------------------------------------------------- all together


def figures(office_id: int | None, *, now: datetime) -> Figures:
    """Compute the dashboard of one office (None: the whole country) at `now`."""
    zone = office_zone(office_id)
    today = now.astimezone(zone).date()
    week_start = today - timedelta(days=today.weekday())  # Monday
    day_before = today - timedelta(days=CHANGE_DAYS)
    months = [month_start(today, back) for back in range(TREND_MONTHS - 1, -1, -1)]
    before, rows = _days(office_id, months[0], now)
    trend, present_before = _trend(before, rows, months, today, day_before)
    # Each office's own today counts as today (rows after it were left out by _days).
    week = [(min(row[0], today), *row[1:]) for row in rows if row[0] >= week_start]
    nationality = presence(office_id, "nationality")
    return Figures(
        office_id=office_id,
        zone=zone,
        today=today,
        # Guests reported ahead of an arrival after today are open stays (they count in
        # the breakdowns) but not there yet: the headline, like the trend and the figure
        # of 30 days ago, counts who has arrived.
        present_now=trend[-1].present,
        present_before=present_before,
        day_before=day_before,
        week_start=week_start,
        reports_today=sum(int(row[3]) for row in week if row[0] == today),
        reports_week=sum(int(row[3]) for row in week),
        late_week=sum(int(row[4]) for row in week),
        nil_week=sum(int(row[5]) for row in week),
        status_counts=queries.status_counts(office_id, now),
        alerts=open_alerts(office_id),
        by_nationality=top(nationality),
        by_permit=top(presence(office_id, "permit")),
        by_district=top(presence(office_id, "district")),
        trend=trend,
    )
