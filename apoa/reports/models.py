"""Persons, their stays and the append-only events on them, nil reports and receipts."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.accounts.models import User
from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model
from apoa.geocoding.models import Location
from apoa.lodgings.models import Lodging


class StayStatus(enum.StrEnum):
    OPEN = "open"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"


class EventKind(enum.StrEnum):
    CHECK_IN = "check_in"
    AMEND = "amend"
    CHECK_OUT = "check_out"
    CANCEL = "cancel"


class ReceiptKind(enum.StrEnum):
    CHECK_IN = "check_in"
    AMEND = "amend"
    CHECK_OUT = "check_out"
    CANCEL = "cancel"
    NIL = "nil"


class Person(Model):
    """A foreign national, matched across reports by passport number and nationality."""

    __tablename__ = "persons"
    NAME_MAX = 50

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    surname: so.Mapped[str] = so.mapped_column(sa.String(NAME_MAX))
    given_names: so.Mapped[str | None] = so.mapped_column(sa.String(NAME_MAX))
    sex: so.Mapped[str] = so.mapped_column(sa.String(1))
    birth_date: so.Mapped[date]
    birth_place: so.Mapped[str] = so.mapped_column(sa.String(80))
    nationality: so.Mapped[str] = so.mapped_column(sa.String(3))
    passport_number: so.Mapped[str] = so.mapped_column(sa.String(9))
    passport_expiry: so.Mapped[date | None]
    issuing_country: so.Mapped[str | None] = so.mapped_column(sa.String(3))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.Index("ix_persons_passport", "passport_number", "nationality"),
        sa.CheckConstraint("sex IN ('M', 'F', 'X')", name="sex"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.surname}, {self.given_names}" if self.given_names else self.surname


class StayGroup(Model):
    """One check-in report: a family or a group arriving together (or one guest)."""

    __tablename__ = "stay_groups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    lodging_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lodgings.id"), index=True)
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("locations.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    stays: so.Mapped[list[Stay]] = so.relationship(back_populates="group", order_by="Stay.id")
    lodging: so.Mapped[Lodging | None] = so.relationship()
    location: so.Mapped[Location] = so.relationship()


class Stay(Model):
    """One guest's stay at one place: its current version; every change is a StayEvent."""

    __tablename__ = "stays"
    ROOM_MAX = 20

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stay_groups.id"), index=True)
    person_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("persons.id"), index=True)
    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    lodging_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lodgings.id"))
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("locations.id"), index=True)
    # Copied from the location so officers' queries filter on one indexed column.
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"))
    room: so.Mapped[str | None] = so.mapped_column(sa.String(ROOM_MAX))
    # The name as this reporter gave it: a shared Person row is never rewritten by
    # another reporter's report; the stay's details live in its event snapshots.
    guest_name: so.Mapped[str] = so.mapped_column(sa.String(110))
    check_in_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    expected_check_out: so.Mapped[date]
    checked_out_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # When the departure was reported: a check-out reported over the deadline is late (rule C1).
    check_out_reported_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=StayStatus.OPEN)
    is_head: so.Mapped[bool] = so.mapped_column(default=False)
    is_minor: so.Mapped[bool] = so.mapped_column(default=False)
    permit_type: so.Mapped[str] = so.mapped_column(sa.String(12))
    permit_number: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    permit_expiry: so.Mapped[date | None]
    purpose: so.Mapped[str] = so.mapped_column(sa.String(12))
    # Flags for the officer (rules C5, C6 and R13); a warning to the reporter, never a refusal.
    flag_passport_expired: so.Mapped[bool] = so.mapped_column(default=False)
    flag_permit_ends_early: so.Mapped[bool] = so.mapped_column(default=False)
    flag_open_elsewhere: so.Mapped[bool] = so.mapped_column(default=False)
    flag_duplicate: so.Mapped[bool] = so.mapped_column(default=False)
    version: so.Mapped[int] = so.mapped_column(default=1)
    reported_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    group: so.Mapped[StayGroup] = so.relationship(back_populates="stays")
    person: so.Mapped[Person] = so.relationship()
    lodging: so.Mapped[Lodging | None] = so.relationship()
    location: so.Mapped[Location] = so.relationship()
    reporter: so.Mapped[User] = so.relationship()
    events: so.Mapped[list[StayEvent]] = so.relationship(
        back_populates="stay", order_by="StayEvent.id"
    )

    __table_args__ = (
        sa.Index("ix_stays_office_status", "office_id", "status"),
        # The expected check-out makes the overdue counts of the compliance list index-only.
        sa.Index("ix_stays_reporter_status", "reporter_id", "status", "expected_check_out"),
        sa.Index("ix_stays_location_status", "location_id", "status"),
        sa.Index("ix_stays_lodging_status", "lodging_id", "status", "expected_check_out"),
        sa.CheckConstraint("status IN ('open', 'checked_out', 'cancelled')", name="status"),
    )


class StayEvent(Model):
    """An append-only record of a check-in, amendment, check-out or cancellation."""

    __tablename__ = "stay_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stay_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stays.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    version: so.Mapped[int]
    # The stay and person as they were after this event, as JSON: earlier versions stay readable.
    snapshot: so.Mapped[str] = so.mapped_column(sa.Text)
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    receipt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("receipts.id"), index=True)

    stay: so.Mapped[Stay] = so.relationship(back_populates="events")
    receipt: so.Mapped[Receipt] = so.relationship()

    __table_args__ = (
        sa.UniqueConstraint("stay_id", "version"),
        sa.CheckConstraint("kind IN ('check_in', 'amend', 'check_out', 'cancel')", name="kind"),
    )


class NilReport(Model):
    """A declaration that no foreigner stayed during a period (laporan nihil)."""

    __tablename__ = "nil_reports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    lodging_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lodgings.id"), index=True)
    # "lodging:<id>" or "area:<reporter id>": one nil report per place and period.
    scope_key: so.Mapped[str] = so.mapped_column(sa.String(40))
    period_start: so.Mapped[date]
    period_end: so.Mapped[date]
    submitted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    receipt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("receipts.id"))

    lodging: so.Mapped[Lodging | None] = so.relationship()
    receipt: so.Mapped[Receipt] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("scope_key", "period_start"),)


class Receipt(Model):
    """A Surat Tanda Terima Pelaporan Orang Asing: proof that a report was received."""

    __tablename__ = "receipts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(30), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    lodging_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lodgings.id"))
    location_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("locations.id"))
    # What the public verify page may show: a place name, never a person.
    place_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    guest_count: so.Mapped[int] = so.mapped_column(default=0)
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    group_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stay_groups.id"))

    reporter: so.Mapped[User] = so.relationship()
    lodging: so.Mapped[Lodging | None] = so.relationship()
    location: so.Mapped[Location | None] = so.relationship()
    group: so.Mapped[StayGroup | None] = so.relationship()

    @property
    def region_code(self) -> str | None:
        """The place's region: its times are shown in the place's own zone (WIB/WITA/WIT)."""
        return self.location.region_code if self.location else None

    __table_args__ = (
        # A reporter's history pages and a place's reports this period, newest first.
        sa.Index("ix_receipts_reporter_issued", "reporter_id", "issued_at"),
        sa.Index("ix_receipts_lodging_issued", "lodging_id", "issued_at"),
        sa.CheckConstraint(
            "kind IN ('check_in', 'amend', 'check_out', 'cancel', 'nil')", name="kind"
        ),
    )


class SubmissionKey(Model):
    """A form's one-time key and what it created, so a repeat returns the first result."""

    __tablename__ = "submission_keys"

    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(36), primary_key=True)
    # What was sent with the key: the same key with another body is refused (R14).
    body_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    receipt_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("receipts.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ReportCadence(Model):
    """How often each kind of reporter must report, or declare that nobody stayed."""

    __tablename__ = "report_cadences"

    reporter_kind: so.Mapped[str] = so.mapped_column(sa.String(10), primary_key=True)
    cadence: so.Mapped[str] = so.mapped_column(sa.String(10))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("cadence IN ('weekly', 'monthly')", name="cadence"),)
