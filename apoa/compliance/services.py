"""The compliance use case that writes: an audited export of the officers' list.

Exports show names and contacts, so each is recorded (security.md R16, R25)
once the file is built; like every service it flushes and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from apoa.accounts.models import User
from apoa.audit.services import record_event
from apoa.compliance import exports, listing
from apoa.compliance.listing import ListQuery, rows_cells
from apoa.regions.queries import office_zone


@dataclass(frozen=True)
class ExportFile:
    """A built export: the file, and how many rows it holds of how many that match."""

    body: bytes
    content_type: str
    filename: str
    rows: int
    matching: int


def export_list(
    officer: User, query: ListQuery, *, kind: str, everything: bool, now: datetime
) -> ExportFile:
    """Build the list as CSV or XLSX (this page, or every page up to EXPORT_MAX_ROWS); audit it."""
    if everything:
        rows, total = listing.all_rows(query, now=now, limit=listing.EXPORT_MAX_ROWS)
        page_number = None
    else:
        page = listing.list_page(query, now=now)
        rows, total, page_number = page.rows, page.total, page.page
    headers, cells = listing.headers(), rows_cells(rows)
    today = now.astimezone(office_zone(query.office_id)).date()
    office_code = officer.office.code if officer.office else str(query.office_id)
    if kind == "csv":
        body, content_type = exports.csv_bytes(headers, cells), exports.CSV_MIMETYPE
    else:
        body = exports.xlsx_bytes(headers, cells, title=_("Compliance"))
        content_type = exports.XLSX_MIMETYPE
    # Audited once the file is built: the event records an export that happened.
    record_event(
        "compliance.export",
        actor=officer,
        object_type="office",
        object_id=query.office_id,
        details={
            "format": kind,
            "filters": query.filter_args(),
            "sort": query.sort,
            "dir": query.direction,
            "page": page_number,
            "all": everything,
            "rows": len(rows),
            "matching": total,
            "truncated": everything and total > len(rows),
        },
        now=now,
    )
    return ExportFile(
        body=body,
        content_type=content_type,
        filename=exports.export_filename(office_code, today, kind),
        rows=len(rows),
        matching=total,
    )
