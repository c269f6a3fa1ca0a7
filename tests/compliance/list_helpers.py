"""Shared data for the compliance list, export, coverage and history tests.

Places are made through the real services (lodging verification, admin account
creation, check-in, check-out, nil report); only `registered_at` is moved back
in time, so that a place registered "60 days ago" can be silent or never have
reported at the test's `now`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import sqlalchemy as sa

from apoa.accounts.passwords import hash_password
from apoa.accounts.services import create_account
from apoa.compliance.models import Ledger
from apoa.regions.timezones import WITA
from apoa.reports import places, services
from apoa.reports.models import Stay
from apoa.reports.periods import period_containing, previous_period
from tests.factories import TEST_PASSWORD, check_in_guests, guest_form, place_at

LEGIAN, SEMINYAK, TUBAN = "5103011004", "5103011005", "5103011001"  # Kuta (510301)
JIMBARAN = "5103051006"  # Kuta Selatan (510305)
CANGGU = "5103062005"  # Kuta Utara (510306)
DENPASAR_VILLAGE = "5171011001"  # Kanim Denpasar
KUTA, KUTA_SELATAN, KUTA_UTARA = "510301", "510305", "510306"

_passports = {"n": 0}


def guest(**changes: Any) -> dict[str, Any]:
    """Return one valid guest as the services take it (dates as dates, a fresh passport)."""
    _passports["n"] += 1
    data = {k.split("-", 2)[2]: v for k, v in guest_form(0, **changes).items()}
    data["passport_number"] = f"L{_passports['n']:07d}"
    for key in ("birth_date", "passport_expiry", "permit_expiry"):
        data[key] = date.fromisoformat(data[key])
    return data


def check_in(db, operator, lodging, n=1, *, arrived, now, leaves=None):
    """Report `n` guests arriving at a lodging (reported at `now`) and commit."""
    made = check_in_guests(
        operator, lodging, [guest() for _ in range(n)], arrived=arrived, leaves=leaves, now=now
    )
    db.session.commit()
    return made.receipt


def area_check_in(db, official, village, *, arrived, now, rw=None):
    """Report one guest arriving at an address in an area reporter's village and commit."""
    place = place_at(village, "Gang Melati 3", rw=rw, now=now)
    made = check_in_guests(
        official, place, [guest()], arrived=arrived, leaves=timedelta(days=2), now=now
    )
    db.session.commit()
    return made.receipt


def check_out_all(db, actor, *, at, now, lodging_id=None):
    query = sa.select(Stay).where(Stay.reporter_id == actor.id, Stay.status == "open")
    if lodging_id is not None:
        query = query.where(Stay.lodging_id == lodging_id)
    stays = list(db.session.scalars(query))
    receipt = services.record_check_out(actor, stays, at=at, now=now)
    db.session.commit()
    return receipt


def nil_report_last_period(db, operator, lodging, *, now):
    cadence = services.cadence_for(operator.reporter_kind)
    today = now.astimezone(WITA).date()
    period = previous_period(period_containing(today, cadence), cadence)
    receipt = services.file_nil_report(
        operator, places.place_for_lodging(operator, lodging), period, now=now
    )
    db.session.commit()
    return receipt, period


def ledger_of(db, *, reporter=None, lodging=None) -> Ledger:
    if lodging is not None:
        return db.session.scalar(sa.select(Ledger).where(Ledger.lodging_id == lodging.id))
    return db.session.scalar(
        sa.select(Ledger).where(Ledger.reporter_id == reporter.id, Ledger.lodging_id.is_(None))
    )


def registered_long_ago(db, ledger: Ledger, now: datetime, days: int = 60) -> None:
    ledger.registered_at = now - timedelta(days=days)
    db.session.commit()


def area_reporter(db, admin, *, username, full_name, kind, village, rw=None, now, **extra):
    """Create an RT/RW official or lurah through the admin service (it opens the ledger row)."""
    data = {
        "username": username,
        "full_name": full_name,
        "role": "reporter",
        "reporter_kind": kind,
        "area_code": village,
        "rw": rw,
        "rt": None,
        "email": extra.get("email"),
        "phone": extra.get("phone"),
        "office_id": None,
        "locale": None,
    }
    user, _password = create_account(admin, data, now=now)
    user.password_hash = hash_password(TEST_PASSWORD)
    user.must_change_password = False
    db.session.commit()
    return user


@dataclass
class Places:
    """The standard set: five places of Kanim Ngurah Rai, one of Kanim Denpasar."""

    now: datetime
    officer: Any = None
    other_officer: Any = None
    users: dict[str, Any] = field(default_factory=dict)
    lodgings: dict[str, Any] = field(default_factory=dict)
    ledgers: dict[str, Ledger] = field(default_factory=dict)


def build_places(db, create_user, create_lodging, *, now: datetime) -> Places:
    """Build one place per status, in three districts, and one place of another office.

    - "compliant": Bravo Inn (Legian, Kuta), two guests reported on time, staying;
    - "late": Alpha Villa (Jimbaran, Kuta Selatan), one guest reported two days late,
      one guest past the expected check-out (an overdue check-out);
    - "silent": RT/RW official of Canggu RW 2 (Kuta Utara), last report 73 days ago;
    - "never": lurah of Seminyak (Kuta), registered 60 days ago, nothing since;
    - "nil": Charlie Hotel (Tuban, Kuta), a nil report for the last period, compliant;
    - "other": Foxtrot Hotel (Denpasar), another office.
    """
    p = Places(now=now)
    admin = create_user("admin", username="admin.list")
    p.officer = create_user("officer", username="officer.ngr", office_code="kanim-ngurah-rai")
    p.other_officer = create_user("officer", username="officer.dps", office_code="kanim-denpasar")

    op = create_user(
        "reporter", username="op.alpha", full_name="Alpha Operator",
        email="alpha@example.com", phone="+62811000001",
    )  # fmt: skip
    inn = create_lodging(op, name="Bravo Inn", region_code=LEGIAN)
    registered_long_ago(db, ledger_of(db, lodging=inn), now)
    check_in(db, op, inn, 2, arrived=now - timedelta(hours=2), now=now)
    p.users["compliant"], p.lodgings["compliant"] = op, inn

    op = create_user("reporter", username="op.bravo", full_name="Bravo Operator")
    villa = create_lodging(
        op, name="Alpha Villa", street="Jl. Raya Uluwatu 1", region_code=JIMBARAN
    )
    registered_long_ago(db, ledger_of(db, lodging=villa), now)
    # On time, but the guest should have left four days ago: an overdue check-out.
    check_in(
        db, op, villa, 1, arrived=now - timedelta(days=6), now=now - timedelta(days=6),
        leaves=(now - timedelta(days=4)).date(),
    )  # fmt: skip
    # Reported two days after the arrival: late.
    check_in(db, op, villa, 1, arrived=now - timedelta(days=2), now=now)
    p.users["late"], p.lodgings["late"] = op, villa

    official = area_reporter(
        db, admin, username="rt.charlie", full_name="Charlie Official", kind="rt_rw",
        village=CANGGU, rw=2, now=now - timedelta(days=100),
    )  # fmt: skip
    # Monthly cadence: a report 73 days ago lies before the last ended month began.
    area_check_in(
        db, official, CANGGU, arrived=now - timedelta(days=75), now=now - timedelta(days=75), rw=2
    )
    check_out_all(db, official, at=now - timedelta(days=73), now=now - timedelta(days=73))
    p.users["silent"] = official

    lurah = area_reporter(
        db, admin, username="lurah.delta", full_name="Delta Lurah", kind="lurah",
        village=SEMINYAK, now=now - timedelta(days=60),
    )  # fmt: skip
    p.users["never"] = lurah

    op = create_user("reporter", username="op.echo", full_name="Echo Operator")
    hotel = create_lodging(op, name="Charlie Hotel", street="Jl. Tuban 5", region_code=TUBAN)
    registered_long_ago(db, ledger_of(db, lodging=hotel), now)
    nil_report_last_period(db, op, hotel, now=now)
    p.users["nil"], p.lodgings["nil"] = op, hotel

    op = create_user("reporter", username="op.foxtrot", full_name="Foxtrot Operator")
    far = create_lodging(
        op, name="Foxtrot Hotel", street="Jl. Gajah Mada 1", region_code=DENPASAR_VILLAGE
    )
    check_in(db, op, far, 1, arrived=now - timedelta(hours=1), now=now)
    p.users["other"], p.lodgings["other"] = op, far

    for key in ("compliant", "late", "nil", "other"):
        p.ledgers[key] = ledger_of(db, lodging=p.lodgings[key])
    for key in ("silent", "never"):
        p.ledgers[key] = ledger_of(db, reporter=p.users[key])
    return p


def login(client, user) -> None:
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


# ---------------------------------------------------------------- reading the HTML table


_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


class TableParser(HTMLParser):
    """Collect one table's header texts, its rows' cell texts and each row's attributes."""

    def __init__(self, table_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.table_id = table_id
        self.depth = 0  # >0 while inside the wanted table
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.row_attrs: list[dict[str, str]] = []
        self.header_attrs: list[dict[str, str]] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "table" and (self.depth or values.get("id") == self.table_id):
            self.depth += 1
        if not self.depth:
            return
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
            self.row_attrs.append(values)
        elif tag in ("td", "th"):
            self._cell = []
            if tag == "th":
                self.header_attrs.append(values)

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            # HTML collapses only ASCII white space: a no-break space in a time stays.
            text = _HTML_SPACE.sub(" ", "".join(self._cell)).strip(" ")
            (self.headers if self._in_head else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self.depth and self._cell is not None:
            self._cell.append(data)


def parse_table(html: str, table_id: str = "compliance-table") -> TableParser:
    parser = TableParser(table_id)
    parser.feed(html)
    parser.close()
    return parser


def data_rows(table: TableParser) -> list[list[str]]:
    """The table's rows without the "no places" placeholder row."""
    return [
        row
        for row, attrs in zip(table.rows, table.row_attrs, strict=True)
        if "data-ledger" in attrs
    ]


def ledger_ids(table: TableParser) -> list[int]:
    return [int(attrs["data-ledger"]) for attrs in table.row_attrs if "data-ledger" in attrs]


def read_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows
