"""CSV and XLSX files of the compliance list: the screen's headers, cells and order.

Cells that a spreadsheet would run as a formula (starting with = + - @, a tab,
a carriage return or NUL) get a leading apostrophe (security.md R25; OWASP
"CSV injection"), in both formats.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int


def neutralise(value: Cell) -> Cell:
    """Return a cell that no spreadsheet evaluates: text starting like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Return a CSV file (UTF-8 with a byte-order mark, so spreadsheets read the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str) -> bytes:
    """Return an XLSX workbook with one sheet: a bold header row, then the rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    def clean(value: Cell) -> Cell:
        if not isinstance(value, str):
            return value
        # openpyxl refuses control characters (a stray one must not break the file), and XML
        # reads a bare carriage return as a line feed anyway: write the line feed. Strip before
        # neutralising: "\x01=HYPERLINK(…)" must not become a formula once stripped.
        text = str(neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def text_cell(value: Cell) -> Any:  # openpyxl types WriteOnlyCell as a function
        cell = WriteOnlyCell(sheet, value=clean(value))
        if isinstance(value, str):
            cell.data_type = "s"  # text, never a formula, whatever it starts with
        return cell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = text_cell(text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([text_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def export_filename(office_code: str, day: date, extension: str) -> str:
    """Return a file name safe in any header and file system: compliance-<office>-<date>.<ext>."""
    office = _UNSAFE.sub("-", office_code).strip("-.") or "office"
    return f"compliance-{office}-{day.isoformat()}.{extension}"
