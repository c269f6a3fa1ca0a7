"""Summary tables kept current with every report: the ledgers, office days, presence counts.

The summaries exist for scale (issue 6, point 7): with 100,000 reporters and
10,000,000 stays, the compliance list and the dashboard read these small
tables instead of grouping the stays. Each is changed in the same
transaction as the report that changes it (`apoa.compliance.summaries`) and
can be recomputed from the stays with `flask apoa rebuild-summaries`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.accounts.models import User
from apoa.db import UTCDateTime
from apoa.extensions import Model
from apoa.lodgings.models import Lodging
from apoa.scoping import NO_OFFICE  # the key of places no office covers


class ComplianceStatus(enum.StrEnum):
    """Worst first: the order officers want to read the list in."""

    NEVER_REPORTED = "never_reported"
    SILENT = "silent"
    LATE = "late"
    COMPLIANT = "compliant"


class Ledger(Model):
    """One reporting place: a verified lodging, or an RT/RW official's or lurah's area.

    Holds the facts the compliance rules need (last report, last nil report,
    last late report, counters, open stays), so a status is a pure function of
    one row and `now` (apoa.compliance.rules.status_of).
    """

    __tablename__ = "compliance_ledgers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # NULL for an area reporter's area; one row per lodging.
    lodging_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lodgings.id"), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))  # the reporter kind
    office_id: so.Mapped[int] = so.mapped_column(default=NO_OFFICE)
    district_code: so.Mapped[str | None] = so.mapped_column(sa.String(6))
    village_code: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    registered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    # Reports are check-in and check-out reports (one per receipt); corrections are not.
    last_report_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_late_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_nil_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_nil_period_end: so.Mapped[date | None]
    reports_total: so.Mapped[int] = so.mapped_column(default=0)
    late_total: so.Mapped[int] = so.mapped_column(default=0)
    # Reports in the cadence period that starts on period_start (local date);
    # a row whose period_start is older has made no report in the current one.
    period_start: so.Mapped[date | None]
    period_reports: so.Mapped[int] = so.mapped_column(default=0)
    open_stays: so.Mapped[int] = so.mapped_column(default=0)
    # The earliest expected check-out among the open stays: overdue check-outs exist
    # when it lies before the rules' cut-off.
    next_check_out: so.Mapped[date | None]

    reporter: so.Mapped[User] = so.relationship()
    lodging: so.Mapped[Lodging | None] = so.relationship()

    __table_args__ = (
        sa.UniqueConstraint("reporter_id", "lodging_id"),
        sa.Index("ix_compliance_ledgers_office", "office_id", "is_active", "kind"),
        sa.Index("ix_compliance_ledgers_office_district", "office_id", "district_code"),
        sa.Index("ix_compliance_ledgers_office_village", "office_id", "village_code"),
    )


class OfficeDay(Model):
    """Per office and local day: guests who arrived and left, reports and late reports.

    Guests present on a day = the sum of arrivals minus departures up to it,
    which gives the dashboard's 30-day change and 24-month trend from a few
    thousand rows.
    """

    __tablename__ = "office_days"

    office_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    arrivals: so.Mapped[int] = so.mapped_column(default=0)
    departures: so.Mapped[int] = so.mapped_column(default=0)
    reports: so.Mapped[int] = so.mapped_column(default=0)
    late_reports: so.Mapped[int] = so.mapped_column(default=0)
    nil_reports: so.Mapped[int] = so.mapped_column(default=0)


class PresenceCount(Model):
    """Open stays per office by nationality, permit type or district (the dashboard's bars)."""

    __tablename__ = "presence_counts"

    office_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    dimension: so.Mapped[str] = so.mapped_column(sa.String(12), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(12), primary_key=True)
    n: so.Mapped[int] = so.mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint("dimension IN ('nationality', 'permit', 'district')", name="dimension"),
    )
