"""The officers' compliance list: one office's reporting places, filtered, sorted and paged in SQL.

Scale (issue 6, point 7): a big office has some 15,000 places and the country
10,000,000 stays, so the list reads only the ledger (`compliance_ledgers`).
A page is built in two steps: first the ids of the page's 50 places, sorted
and filtered on the ledger's own columns (joining users, lodgings or regions
only when the sort needs them); then the details of those 50 rows, with the
correlated count of overdue check-outs, in one query. The screen and the
exports (`apoa.compliance.exports`) format the same `ListRow`s with
`CellFormatter`, so an export holds exactly what the list shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_percent
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from apoa.accounts.labels import KIND_LABELS
from apoa.accounts.models import User
from apoa.compliance.labels import STATUS_LABELS
from apoa.compliance.models import Ledger
from apoa.compliance.queries import STATUS_ORDER, LedgerColumns
from apoa.compliance.settings import KINDS
from apoa.extensions import db
from apoa.lodgings.models import Lodging
from apoa.regions.models import LEVEL_DISTRICT, LEVEL_VILLAGE, Region
from apoa.regions.timezones import timezone_for_region, zone_label
from apoa.scoping import AnySelect, jurisdiction_codes, of_office

PAGE_SIZE = 50
# "All pages" exports stop here (docs/compliance.md): a big office has about 15,000 places.
EXPORT_MAX_ROWS = 50_000
# Ids per details query: keeps the IN list well under SQLite's and PostgreSQL's limits.
_CHUNK = 1_000

# The columns, in screen order: (sort key, header). Every column sorts.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("reporter", _l("Reporter")),
    ("kind", _l("Kind")),
    ("place", _l("Place")),
    ("district", _l("District")),
    ("village", _l("Village")),
    ("last_report", _l("Last report")),
    ("last_nil", _l("Last nil report")),
    ("reports", _l("Reports this period")),
    ("late_share", _l("Late reports")),
    ("open_stays", _l("Open stays")),
    ("overdue", _l("Overdue check-outs")),
    ("status", _l("Status")),
)
SORT_KEYS = tuple(key for key, _ in COLUMNS)
DEFAULT_SORT = "status"  # worst status first, then the oldest last report
DIRECTIONS = ("asc", "desc")

_DISTRICT_CODE = re.compile(r"^\d{6}$")
_VILLAGE_CODE = re.compile(r"^\d{10}$")


# ---------------------------------------------------------------- what the URL asks for


@dataclass(frozen=True)
class ListQuery:
    """One view of an office's list: filters, sort and page, all read from the URL."""

    office_id: int
    status: str | None = None
    kind: str | None = None
    district: str | None = None
    village: str | None = None
    sort: str = DEFAULT_SORT
    direction: str = "asc"
    page: int = 1

    def filter_args(self) -> dict[str, str]:
        """Return the filters as URL arguments (only those set)."""
        values = {
            "status": self.status,
            "kind": self.kind,
            "district": self.district,
            "village": self.village,
        }
        return {k: v for k, v in values.items() if v}

    def args(self) -> dict[str, str]:
        """Return filters and sort as URL arguments (without the page)."""
        args = self.filter_args()
        if self.sort != DEFAULT_SORT or self.direction != "asc":
            args["sort"], args["dir"] = self.sort, self.direction
        return args


def clean_sort(sort: str | None, direction: str | None) -> tuple[str, str]:
    """Return a whitelisted sort key and direction; anything else falls back to the default."""
    if sort not in SORT_KEYS:
        return DEFAULT_SORT, "asc"
    return sort, direction if direction in DIRECTIONS else "asc"


# ---------------------------------------------------------------- jurisdiction


def _districts_within(codes: Iterable[str]) -> sa.ColumnElement[bool]:
    """Districts named by a jurisdiction: themselves (6 digits), or inside a regency or province.

    On the indexed `code` and `parent_code` (a regency's children are its districts), so
    both engines look up a few rows instead of scanning all 7,000 districts.
    """
    codes = set(codes)
    districts = sorted(c for c in codes if len(c) == 6)
    regencies = sorted(c for c in codes if len(c) == 4)
    provinces = sorted(c for c in codes if len(c) == 2)
    conditions: list[sa.ColumnElement[bool]] = []
    if districts:
        conditions.append(Region.code.in_(districts))
    if regencies:
        conditions.append(Region.parent_code.in_(regencies))
    if provinces:
        conditions.append(
            sa.and_(
                Region.level == LEVEL_DISTRICT,
                sa.func.substr(Region.parent_code, 1, 2).in_(provinces),
            )
        )
    return sa.or_(*conditions) if conditions else sa.false()


def jurisdiction_districts(office_id: int) -> list[Region]:
    """Return the districts an office covers: all of a regency's, or single districts, by name."""
    query = (
        sa.select(Region)
        .where(_districts_within(jurisdiction_codes(office_id)))
        .order_by(Region.name, Region.code)
    )
    return list(db.session.scalars(query))


def villages_of(district_code: str) -> list[Region]:
    """Return the villages of one district, by name."""
    query = (
        sa.select(Region)
        .where(Region.level == LEVEL_VILLAGE, Region.parent_code == district_code)
        .order_by(Region.name, Region.code)
    )
    return list(db.session.scalars(query))


def is_district_code(text: str | None) -> bool:
    return bool(text and _DISTRICT_CODE.match(text))


def is_village_code(text: str | None) -> bool:
    return bool(text and _VILLAGE_CODE.match(text))


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class ListRow:
    """One reporting place as the list shows it (raw values; `CellFormatter` formats them)."""

    ledger_id: int
    reporter_id: int
    full_name: str
    username: str
    kind: str
    lodging_id: int | None
    lodging_name: str | None
    rw: int | None
    rt: int | None
    district_code: str | None
    district_name: str | None
    village_code: str | None
    village_name: str | None
    last_report_at: datetime | None
    last_nil_period_end: date | None
    reports: int
    late_share: float | None
    open_stays: int
    overdue: int
    status: str

    @property
    def place(self) -> str:
        """The lodging's name, or the area: village name and RW/RT."""
        if self.lodging_id is not None:
            return self.lodging_name or ""
        parts = [self.village_name or self.village_code or ""]
        if self.rw is not None:
            parts.append(f"RW {self.rw}")
        if self.rt is not None:
            parts.append(f"RT {self.rt}")
        return " ".join(p for p in parts if p)


def _locale() -> Locale:
    return get_locale() or Locale.parse("id")


def local_time(
    value: datetime | None, region_code: str | None, *, locale: Locale | None = None
) -> str:
    """Format a time in the place's own zone, short, with WIB/WITA/WIT (a dash when missing)."""
    if value is None:
        return "–"
    zone = timezone_for_region(region_code)
    text = format_datetime(value, "short", tzinfo=zone, locale=locale or _locale())
    return f"{text} {zone_label(zone)}"


class CellFormatter:
    """Formats rows for the screen and the exports alike, in the reader's language.

    Labels are translated once and the locale looked up once, not per cell:
    an "all pages" export formats up to EXPORT_MAX_ROWS rows.
    """

    def __init__(self) -> None:
        self.locale = _locale()
        self.kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
        self.statuses = {status: str(label) for status, label in STATUS_LABELS.items()}

    def cells(self, row: ListRow) -> list[str | int]:
        """Return a row's cells in COLUMNS order (counts stay numbers)."""
        return [
            f"{row.full_name} ({row.username})",
            self.kinds.get(row.kind, row.kind),
            row.place,
            row.district_name or row.district_code or "–",
            row.village_name or "–",
            local_time(row.last_report_at, row.village_code, locale=self.locale),
            (
                format_date(row.last_nil_period_end, "medium", locale=self.locale)
                if row.last_nil_period_end
                else "–"
            ),
            row.reports,
            (
                format_percent(row.late_share, locale=self.locale)
                if row.late_share is not None
                else "–"
            ),
            row.open_stays,
            row.overdue,
            self.statuses.get(row.status, row.status),
        ]


def row_cells(row: ListRow) -> list[str | int]:
    """Return one row's cells as the screen shows them (see CellFormatter)."""
    return CellFormatter().cells(row)


def rows_cells(rows: Iterable[ListRow]) -> list[list[str | int]]:
    """Return many rows' cells, formatted as the screen shows them."""
    formatter = CellFormatter()
    return [formatter.cells(row) for row in rows]


def headers() -> list[str]:
    return [str(label) for _, label in COLUMNS]


@dataclass
class ListPage:
    """One page of rows and where it lies (the shape the pager macro reads)."""

    rows: list[ListRow]
    total: int
    page: int
    per_page: int = PAGE_SIZE
    status_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0


# ---------------------------------------------------------------- the two queries


class Columns:
    """The ledger's SQL expressions at one moment, each built once and reused.

    `LedgerColumns` builds a CASE per time zone and kind on every call; a page
    uses the status in three statements, so it is built once here.
    """

    def __init__(self, now: datetime) -> None:
        self.ledger = LedgerColumns(now)

    @cached_property
    def status(self) -> sa.ColumnElement[str]:
        return self.ledger.status()

    @cached_property
    def rank(self) -> sa.ColumnElement[int]:
        """0 for never reported … 3 for compliant, the status computed once per row.

        The order of LedgerColumns.rank(), as a simple CASE on the status (the
        searched CASE there repeats the status expression once per status).
        """
        return sa.case(
            {status.value: index for index, status in enumerate(STATUS_ORDER)},
            value=self.status,
            else_=9,
        )

    @cached_property
    def reports(self) -> sa.ColumnElement[int]:
        return self.ledger.reports_this_period()

    @cached_property
    def late_share(self) -> sa.ColumnElement[float]:
        return self.ledger.late_share()

    @cached_property
    def overdue(self) -> sa.ColumnElement[int]:
        return self.ledger.overdue_check_outs()


def _filtered(query: ListQuery, select: AnySelect) -> AnySelect:
    select = select.where(of_office(Ledger.office_id, query.office_id), Ledger.is_active.is_(True))
    if query.kind:
        select = select.where(Ledger.kind == query.kind)
    if query.district:
        select = select.where(Ledger.district_code == query.district)
    if query.village:
        select = select.where(Ledger.village_code == query.village)
    return select


def count_by_status(query: ListQuery, columns: Columns) -> dict[str, int]:
    """Count the places per status under the other filters (one pass over the office's ledger)."""
    status = columns.status.label("status")
    select = _filtered(query, sa.select(status, sa.func.count(Ledger.id))).group_by(status)
    counts = {name.value: 0 for name in STATUS_ORDER}
    for name, count in db.session.execute(select):
        counts[name] = int(count)
    return counts


def _kind_order() -> sa.ColumnElement[int]:
    """Sort kinds by their label in the reader's language."""
    ordered = sorted(KINDS, key=lambda kind: str(KIND_LABELS[kind]).lower())
    return sa.case(*((Ledger.kind == kind, i) for i, kind in enumerate(ordered)), else_=99)


def _sort_keys(
    query: ListQuery, columns: Columns, aliases: dict[str, Any]
) -> tuple[list[sa.ColumnElement[Any]], set[str]]:
    """Return the ORDER BY expressions (nulls count as smallest) and the joins they need."""
    district, village = aliases["district"], aliases["village"]
    keys: dict[str, Callable[[], tuple[list[Any], set[str]]]] = {
        "reporter": lambda: (
            [sa.func.lower(User.full_name), sa.func.lower(User.username)],
            {"user"},
        ),
        "kind": lambda: ([_kind_order()], set()),
        "place": lambda: (
            [
                sa.func.lower(sa.func.coalesce(Lodging.name, village.name, Ledger.village_code)),
                User.rw,
                User.rt,
            ],
            {"lodging", "village", "user"},
        ),
        "district": lambda: ([sa.func.lower(district.name)], {"district"}),
        "village": lambda: ([sa.func.lower(village.name)], {"village"}),
        "last_report": lambda: ([Ledger.last_report_at], set()),
        "last_nil": lambda: ([Ledger.last_nil_period_end], set()),
        "reports": lambda: ([columns.reports], set()),
        "late_share": lambda: ([columns.late_share], set()),
        "open_stays": lambda: ([Ledger.open_stays], set()),
        "overdue": lambda: ([columns.overdue], set()),
        "status": lambda: ([columns.rank], set()),
    }
    primary, joins = keys[query.sort]()
    descending = query.direction == "desc"
    order = [k.desc().nulls_last() if descending else k.asc().nulls_first() for k in primary]
    if query.sort != "status":
        order.append(columns.rank.asc())
    if query.sort != "last_report":
        order.append(Ledger.last_report_at.asc().nulls_first())
    order.append(Ledger.id.asc())
    return order, joins


def _join(select: sa.Select[Any], joins: set[str], aliases: dict[str, Any]) -> sa.Select[Any]:
    if "user" in joins:
        select = select.join(User, User.id == Ledger.reporter_id)
    if "lodging" in joins:
        select = select.outerjoin(Lodging, Lodging.id == Ledger.lodging_id)
    if "district" in joins:
        select = select.outerjoin(
            aliases["district"], aliases["district"].code == Ledger.district_code
        )
    if "village" in joins:
        select = select.outerjoin(
            aliases["village"], aliases["village"].code == Ledger.village_code
        )
    return select


def page_ids(query: ListQuery, columns: Columns, *, limit: int, offset: int = 0) -> list[int]:
    """Return the ledger ids of one page, in list order (step one)."""
    aliases = {
        "district": so.aliased(Region, name="sort_district"),
        "village": so.aliased(Region, name="sort_village"),
    }
    order, joins = _sort_keys(query, columns, aliases)
    select = _filtered(query, sa.select(Ledger.id))
    if query.status:
        select = select.where(columns.status == query.status)
    select = _join(select, joins, aliases)
    select = select.order_by(*order).limit(limit).offset(offset)
    return list(db.session.scalars(select))


def rows_for(ids: Sequence[int], columns: Columns) -> list[ListRow]:
    """Load the details of some ledger rows, in the order of `ids` (step two, no N+1)."""
    district = so.aliased(Region, name="district")
    village = so.aliased(Region, name="village")
    found: dict[int, ListRow] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        select = (
            sa.select(
                Ledger.id,
                Ledger.reporter_id,
                User.full_name,
                User.username,
                Ledger.kind,
                Ledger.lodging_id,
                Lodging.name,
                User.rw,
                User.rt,
                Ledger.district_code,
                district.name,
                Ledger.village_code,
                village.name,
                Ledger.last_report_at,
                Ledger.last_nil_period_end,
                columns.reports,
                columns.late_share,
                Ledger.open_stays,
                columns.overdue,
                columns.status,
            )
            .join(User, User.id == Ledger.reporter_id)
            .outerjoin(Lodging, Lodging.id == Ledger.lodging_id)
            .outerjoin(district, district.code == Ledger.district_code)
            .outerjoin(village, village.code == Ledger.village_code)
            .where(Ledger.id.in_(chunk))
        )
        for values in db.session.execute(select):
            row = ListRow(*values)  # type: ignore[call-arg]  # the columns in field order
            row = replace(
                row,
                reports=int(row.reports or 0),
                late_share=float(row.late_share) if row.late_share is not None else None,
                overdue=int(row.overdue or 0),
            )
            found[row.ledger_id] = row
    return [found[i] for i in ids if i in found]


def list_page(query: ListQuery, *, now: datetime, per_page: int = PAGE_SIZE) -> ListPage:
    """Return the page the query asks for; the page number is clamped to the pages there are."""
    columns = Columns(now)
    counts = count_by_status(query, columns)
    total = counts.get(query.status, 0) if query.status else sum(counts.values())
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, query.page), pages)
    ids = page_ids(query, columns, limit=per_page, offset=(page - 1) * per_page)
    return ListPage(
        rows=rows_for(ids, columns),
        total=total,
        page=page,
        per_page=per_page,
        status_counts=counts,
    )


def all_rows(
    query: ListQuery, *, now: datetime, limit: int = EXPORT_MAX_ROWS
) -> tuple[list[ListRow], int]:
    """Return every row of the list (at most `limit`, in list order) and how many match."""
    columns = Columns(now)
    counts = count_by_status(query, columns)
    total = counts.get(query.status, 0) if query.status else sum(counts.values())
    ids = page_ids(query, columns, limit=limit)
    return rows_for(ids, columns), total
