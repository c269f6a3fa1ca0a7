"""One reporter's history for an officer: account, places, receipts (late ones marked), nil reports.

Scope (security.md R10): an officer may open a reporter only when at least one
of the reporter's places (ledger rows) belongs to the officer's office, and
then sees only those places and the receipts and nil reports filed there
(the receipts' and nil reports' own scopes in apoa.scoping).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from apoa.accounts.models import User
from apoa.compliance import rules
from apoa.compliance.listing import Columns, ListRow, rows_for
from apoa.compliance.models import Ledger
from apoa.compliance.settings import deadline_hours
from apoa.extensions import db
from apoa.reports.models import EventKind, NilReport, Receipt, ReceiptKind, Stay, StayEvent
from apoa.reports.scopes import stays_visible_to
from apoa.scoping import visible

RECEIPTS_PER_PAGE = 20
NIL_REPORTS_SHOWN = 24


@dataclass(frozen=True)
class ReporterInOffice:
    """A reporter an officer may look at, with the places that bring them into the office."""

    user: User
    ledger_ids: list[int]


def reporter_for_officer(user_id: int, officer: User) -> ReporterInOffice | None:
    """Return the reporter if one of their places lies in the officer's office, else None."""
    ids = list(
        db.session.scalars(
            visible(Ledger, officer)
            .with_only_columns(Ledger.id)
            .where(Ledger.reporter_id == user_id)
            .order_by(Ledger.is_active.desc(), Ledger.id)
        )
    )
    if not ids or officer.office_id is None:
        return None
    user = db.session.get(User, user_id)
    return ReporterInOffice(user=user, ledger_ids=ids) if user is not None else None


def places(reporter: ReporterInOffice, *, now: datetime) -> list[tuple[ListRow, bool]]:
    """Return the reporter's places in the office as list rows, with whether each is active."""
    active = dict(
        db.session.execute(
            sa.select(Ledger.id, Ledger.is_active).where(Ledger.id.in_(reporter.ledger_ids))
        ).all()
    )
    return [
        (row, bool(active[row.ledger_id])) for row in rows_for(reporter.ledger_ids, Columns(now))
    ]


@dataclass(frozen=True)
class ReceiptLine:
    receipt: Receipt
    happened_at: datetime | None  # the arrival or departure the receipt reports
    late: bool


def _at_place(column: Any, place: ListRow | None) -> sa.ColumnElement[bool]:
    """Limit to one place: its lodging, or the area (reports without a lodging)."""
    if place is None:
        return sa.true()
    if place.lodging_id is not None:
        return column == place.lodging_id
    return column.is_(None)


def receipts_query(officer: User, reporter_id: int, place: ListRow | None) -> sa.Select[Any]:
    """The reporter's receipts the officer may see (at one place if one is given), newest first."""
    return (
        visible(Receipt, officer)
        .where(Receipt.reporter_id == reporter_id, _at_place(Receipt.lodging_id, place))
        .order_by(Receipt.issued_at.desc(), Receipt.id.desc())
    )


def receipts_page(officer: User, reporter_id: int, place: ListRow | None, page: int) -> Pagination:
    """Return one page of the receipts the officer may see; a page past the end shows the last."""
    query = receipts_query(officer, reporter_id, place)
    found = db.paginate(query, page=page, per_page=RECEIPTS_PER_PAGE, error_out=False)
    if found.page > found.pages > 0:
        found = db.paginate(query, page=found.pages, per_page=RECEIPTS_PER_PAGE, error_out=False)
    return found


def receipt_lines(officer: User, receipts: list[Receipt]) -> list[ReceiptLine]:
    """Mark the late check-in and check-out reports among a page of receipts (rule C1).

    Two queries for the whole page: the arrival of each check-in receipt's group,
    and the departure of each check-out receipt's stays.
    """
    groups = {r.group_id for r in receipts if r.kind == ReceiptKind.CHECK_IN and r.group_id}
    outs = [r.id for r in receipts if r.kind == ReceiptKind.CHECK_OUT]
    arrivals: dict[int, datetime] = {}
    departures: dict[int, datetime | None] = {}
    if groups:
        arrivals = dict(
            db.session.execute(
                stays_visible_to(officer)
                .with_only_columns(Stay.group_id, sa.func.min(Stay.check_in_at))
                .where(Stay.group_id.in_(groups))
                .group_by(Stay.group_id)
            ).all()
        )
    if outs:
        departures = dict(
            db.session.execute(
                stays_visible_to(officer)
                .join(StayEvent, StayEvent.stay_id == Stay.id)
                .with_only_columns(StayEvent.receipt_id, sa.func.min(Stay.checked_out_at))
                .where(StayEvent.receipt_id.in_(outs), StayEvent.kind == EventKind.CHECK_OUT)
                .group_by(StayEvent.receipt_id)
            ).all()
        )
    hours = deadline_hours()
    lines = []
    for receipt in receipts:
        happened = (
            arrivals.get(receipt.group_id or 0)
            if receipt.kind == ReceiptKind.CHECK_IN
            else departures.get(receipt.id)
            if receipt.kind == ReceiptKind.CHECK_OUT
            else None
        )
        late = happened is not None and rules.is_late_report(
            happened, receipt.issued_at, deadline_hours=hours
        )
        lines.append(ReceiptLine(receipt=receipt, happened_at=happened, late=late))
    return lines


def nil_reports(officer: User, reporter_id: int, place: ListRow | None) -> list[NilReport]:
    """Return the reporter's latest nil reports the officer may see, newest period first."""
    query = visible(NilReport, officer).where(
        NilReport.reporter_id == reporter_id, _at_place(NilReport.lodging_id, place)
    )
    return list(
        db.session.scalars(
            query.options(so.joinedload(NilReport.receipt))
            .order_by(NilReport.period_start.desc(), NilReport.id.desc())
            .limit(NIL_REPORTS_SHOWN)
        )
    )
