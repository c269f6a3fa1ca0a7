"""Render the STTPOA receipt as a one-page A4 PDF: data in, bytes out (ReportLab only).

The caller passes text that is already translated, formatted and masked; this module only
lays it out. Static texts come in ``ReceiptDocument.labels`` keyed by their English
wording (gettext style, see ``RECEIPT_LABELS``), so a missing key prints in English.

Fonts: names and Indonesian place names are not all Latin-1 ("Đặng", "Nguyễn"), so the
text face is a TrueType font embedded as a subset, tried in this order:

1. DejaVu Sans from the system (Debian package ``fonts-dejavu-core``): covers Latin
   Extended A/B and Vietnamese, among much else;
2. Bitstream Vera, bundled with ReportLab: Latin-1 and a few more letters;
3. Helvetica, built into every PDF reader: cp1252 only.

Whatever the font cannot show is folded to its closest ASCII (NFKD without accents, plus a
few letters NFKD leaves alone, such as "Đ") rather than printed as an empty box, and
"?" as a last resort. The receipt number is ASCII by construction and uses built-in
Courier Bold. The canvas runs in ReportLab's invariant mode, so the same document always
gives the same bytes.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import reportlab
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

RECEIPT_NUMBER_LABEL = "Receipt number"
ISSUED_LABEL = "Issued"
PLACE_LABEL = "Place"
REPORTER_LABEL = "Reporter"
OFFICE_LABEL = "Immigration office"
GUESTS_LABEL = "Guests"
NO_GUESTS_LABEL = "No guests reported"
MORE_GUESTS_LABEL = "and {count} more"
VERIFY_LABEL = "Verify this receipt at"
DISCLAIMER_LABEL = (
    "This receipt confirms that the report was received. It shows no passport data in full."
)
# Keys of ReceiptDocument.labels; the app translates each (MORE_GUESTS_LABEL keeps {count}).
RECEIPT_LABELS: tuple[str, ...] = (
    RECEIPT_NUMBER_LABEL,
    ISSUED_LABEL,
    PLACE_LABEL,
    REPORTER_LABEL,
    OFFICE_LABEL,
    GUESTS_LABEL,
    NO_GUESTS_LABEL,
    MORE_GUESTS_LABEL,
    VERIFY_LABEL,
    DISCLAIMER_LABEL,
)

MAX_GUESTS_SHOWN = 40
# Width of the QR symbol itself; the 4-module quiet zone around it comes on top.
QR_CODE_WIDTH = 36 * mm

_PAGE_WIDTH, _PAGE_HEIGHT = A4
_MARGIN = 18 * mm
_CONTENT_WIDTH = _PAGE_WIDTH - 2 * _MARGIN
_COLUMN_GAP = 8 * mm
_QR_COLUMN_WIDTH = 50 * mm
# Font size, leading and columns for the guest list, tried in turn until the first
# MAX_GUESTS_SHOWN guests fit; long names wrap, so 40 of them may need the smallest.
_GUEST_STYLES = ((9.5, 12.5, 1), (9.5, 12.5, 2), (8.5, 11.0, 2), (7.5, 9.5, 2))
_NUMBER_FONT = "Courier-Bold"
_URL_FONT = "Courier"
_INK = colors.black
_MUTED = colors.HexColor("#555555")
_RULE = colors.HexColor("#999999")

_SYSTEM_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",  # Arch
)
_REPORTLAB_FONT_DIR = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
# Letters that NFKD does not decompose but that have an obvious ASCII reading.
_ASCII_LETTERS = str.maketrans(
    {"Đ": "D", "đ": "d", "Ł": "L", "ł": "l", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T", "ŧ": "t"}
)


@dataclass(frozen=True, kw_only=True)
class ReceiptDocument:
    """Everything printed on one receipt, already translated, formatted and masked."""

    number: str
    kind_label: str
    title: str
    issued_at_text: str
    place_name: str
    place_address: str = ""
    reporter_name: str
    office_name: str = ""
    guest_lines: Sequence[str] = ()
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    verify_url: str

    def label(self, key: str) -> str:
        """Return the translated static text for ``key``, or the English key itself."""
        return self.labels.get(key) or key


@dataclass(frozen=True)
class _Fonts:
    """The text faces in use and which characters they can draw."""

    regular: str
    bold: str
    covers: Callable[[str], bool]

    def fit(self, text: str) -> str:
        """Return ``text`` on one line, with characters the font lacks folded to ASCII."""
        # NFC first: the fonts have glyphs for precomposed "ễ", not for "e" + two accents.
        text = " ".join(unicodedata.normalize("NFC", text).split())
        return "".join(self._fit_char(char) for char in text)

    def _fit_char(self, char: str) -> str:
        """Return ``char`` or its closest replacement the font can draw."""
        if self.covers(char):
            return char
        folded = unicodedata.normalize("NFKD", char.translate(_ASCII_LETTERS))
        kept = "".join(c for c in folded if not unicodedata.combining(c) and self.covers(c))
        return kept or "?"


def _ttf_fonts(name: str, regular_path: str, bold_path: str) -> _Fonts | None:
    """Register a regular and bold TrueType pair, or return None when they cannot be read."""
    try:
        regular = TTFont(name, regular_path)
        bold = TTFont(f"{name}-Bold", bold_path)
    except (OSError, TTFError):
        return None
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    # Only check the regular face: the bold one of the same family has the same coverage.
    glyphs = frozenset(regular.face.charToGlyph)
    return _Fonts(regular.fontName, bold.fontName, lambda char: ord(char) in glyphs)


def _covered_by_cp1252(char: str) -> bool:
    """Return whether a built-in PDF font (WinAnsi encoding) can show ``char``."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return char.isprintable()


@lru_cache(maxsize=4)
def _load_fonts(system_dirs: tuple[str, ...] = _SYSTEM_FONT_DIRS) -> _Fonts:
    """Return the best available fonts: system DejaVu, bundled Vera, then Helvetica."""
    for directory in system_dirs:
        regular = Path(directory, "DejaVuSans.ttf")
        bold = Path(directory, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            fonts = _ttf_fonts("ApoaDejaVuSans", str(regular), str(bold))
            if fonts is not None:
                return fonts
    vera = _ttf_fonts(
        "ApoaVera",
        os.path.join(_REPORTLAB_FONT_DIR, "Vera.ttf"),
        os.path.join(_REPORTLAB_FONT_DIR, "VeraBd.ttf"),
    )
    if vera is not None:
        return vera
    return _Fonts("Helvetica", "Helvetica-Bold", _covered_by_cp1252)


def qr_drawing(url: str, *, code_width: float = QR_CODE_WIDTH) -> Drawing:
    """Return a drawing of a QR code (error correction M) that encodes ``url``."""
    widget = QrCodeWidget(url, barLevel="M")
    # The widget spreads its width over the modules plus the quiet zone, so size it from
    # the module count to keep the symbol itself at code_width, whatever the URL length.
    qr = widget.qr  # type: ignore[attr-defined]  # set by QrCodeWidget, not declared on it
    qr.make()
    modules = qr.getModuleCount()
    side = code_width * (modules + 2 * widget.barBorder) / modules
    widget.barWidth = widget.barHeight = side
    drawing = Drawing(side, side)
    drawing.add(widget)
    return drawing


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Split ``text`` into lines no wider than ``width``, breaking long words anywhere."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        # A URL or a very long name has no spaces to break at.
        for char in word:
            if current and pdfmetrics.stringWidth(current + char, font, size) > width:
                lines.append(current)
                current = ""
            current += char
    if current or not lines:
        lines.append(current)
    return lines


class _Writer:
    """Draw wrapped text downwards from a cursor, in one column of the page."""

    def __init__(self, canvas: Canvas, fonts: _Fonts, x: float, y: float, width: float) -> None:
        self.canvas = canvas
        self.fonts = fonts
        self.x = x
        self.y = y
        self.width = width

    def text(
        self,
        text: str,
        *,
        size: float,
        bold: bool = False,
        color: colors.Color = _INK,
        font: str | None = None,
        leading: float = 1.25,
        max_lines: int = 3,
    ) -> None:
        """Draw ``text`` wrapped to the column width and move the cursor below it."""
        font = font or (self.fonts.bold if bold else self.fonts.regular)
        self.canvas.setFillColor(color)
        self.canvas.setFont(font, size)
        lines = _wrap(self.fonts.fit(text), font, size, self.width)
        if len(lines) > max_lines:
            # Cut overlong values so that the guest list always keeps its room on the page.
            lines = lines[:max_lines]
            ellipsis = self.fonts.fit("…")
            last = lines[-1]
            while last and pdfmetrics.stringWidth(last + ellipsis, font, size) > self.width:
                last = last[:-1]
            lines[-1] = last.rstrip() + ellipsis
        for line in lines:
            self.y -= size * leading
            self.canvas.drawString(self.x, self.y, line)

    def fact(self, label: str, *values: str) -> None:
        """Draw a small label with its value lines below it."""
        self.text(label, size=8.5, color=_MUTED)
        for value in values:
            if value.strip():
                self.text(value, size=11, max_lines=2)
        self.y -= 2.5 * mm


@dataclass(frozen=True)
class _GuestRow:
    """One printed line of the guest list; ``number`` is empty on continuation lines."""

    column: int
    row: int
    number: str
    text: str


def _columns_needed(blocks: Sequence[Sequence[str]], rows_per_column: int) -> int:
    """Return how many columns the blocks take when none is split across columns."""
    columns, row = 1, 0
    for block in blocks:
        height = min(len(block), rows_per_column)
        if row + height > rows_per_column:
            columns, row = columns + 1, 0
        row += height
    return columns


def _guest_rows(
    lines: Sequence[str], fonts: _Fonts, size: float, width: float, columns: int, rows: int
) -> tuple[list[_GuestRow], int]:
    """Place guest lines in ``columns`` of ``rows``; return the rows and how many are left."""
    blocks = [
        _wrap(fonts.fit(line), fonts.regular, size, width)[:rows]
        for line in lines[:MAX_GUESTS_SHOWN]
    ]
    capacity = columns * rows
    if len(lines) > len(blocks) or _columns_needed(blocks, rows) > columns:
        # Not everything fits: keep the last row of the last column for "and N more".
        capacity -= 1
    placed: list[_GuestRow] = []
    column = row = 0
    for index, block in enumerate(blocks):
        if row + len(block) > rows:
            column, row = column + 1, 0
        if column * rows + row + len(block) > capacity:
            return placed, len(lines) - index
        for offset, text in enumerate(block):
            placed.append(_GuestRow(column, row, "" if offset else f"{index + 1}.", text))
            row += 1
    return placed, len(lines) - len(blocks)


def _draw_guests(
    canvas: Canvas, doc: ReceiptDocument, fonts: _Fonts, top: float, bottom: float
) -> None:
    """Draw the numbered guest list between ``top`` and ``bottom``, as large as it fits."""
    writer = _Writer(canvas, fonts, _MARGIN, top, _CONTENT_WIDTH)
    writer.text(f"{doc.label(GUESTS_LABEL)} ({len(doc.guest_lines)})", size=11, bold=True)
    writer.y -= 1 * mm
    if not doc.guest_lines:
        writer.text(doc.label(NO_GUESTS_LABEL), size=9.5, color=_MUTED)
        return
    shown = min(len(doc.guest_lines), MAX_GUESTS_SHOWN)
    for size, leading, columns in _GUEST_STYLES:
        rows = max(1, int((writer.y - bottom) // leading))
        column_width = (_CONTENT_WIDTH - (columns - 1) * _COLUMN_GAP) / columns
        # The numbers sit right-aligned in a gutter so that wrapped lines align with the text.
        gutter = pdfmetrics.stringWidth(f"{MAX_GUESTS_SHOWN}. ", fonts.regular, size)
        width = column_width - gutter
        placed, hidden = _guest_rows(doc.guest_lines, fonts, size, width, columns, rows)
        if len(doc.guest_lines) - hidden == shown:
            break

    def origin(column: int, row: int) -> tuple[float, float]:
        x = _MARGIN + column * (column_width + _COLUMN_GAP) + gutter
        return x, writer.y - (row + 1) * leading

    canvas.setFillColor(_INK)
    canvas.setFont(fonts.regular, size)
    for guest in placed:
        x, y = origin(guest.column, guest.row)
        if guest.number:
            canvas.drawRightString(x - 0.25 * size, y, guest.number)
        canvas.drawString(x, y, guest.text)
    if hidden:
        # Right after the last guest: _guest_rows kept that slot free.
        column, row = (placed[-1].column, placed[-1].row + 1) if placed else (0, 0)
        if row >= rows:
            column, row = column + 1, 0
        more = doc.label(MORE_GUESTS_LABEL).replace("{count}", str(hidden))
        canvas.setFillColor(_MUTED)
        canvas.drawString(*origin(column, row), fonts.fit(more))


def _draw_qr(canvas: Canvas, doc: ReceiptDocument, fonts: _Fonts, top: float) -> float:
    """Draw the QR code with the verify URL under it at the top right; return its bottom."""
    left = _PAGE_WIDTH - _MARGIN - _QR_COLUMN_WIDTH
    drawing = qr_drawing(doc.verify_url)
    # Align the symbol, not its quiet zone, with the right margin and the column top.
    quiet = (drawing.width - QR_CODE_WIDTH) / 2
    x = _PAGE_WIDTH - _MARGIN - QR_CODE_WIDTH - quiet
    renderPDF.draw(drawing, canvas, x, top - drawing.height + quiet)
    writer = _Writer(canvas, fonts, left, top - QR_CODE_WIDTH - 2 * mm, _QR_COLUMN_WIDTH)
    writer.text(doc.label(VERIFY_LABEL), size=8, color=_MUTED)
    # The URL comes verbatim in built-in Courier: it must stay copyable character for character.
    url = "".join(char if _covered_by_cp1252(char) else "?" for char in doc.verify_url)
    canvas.setFillColor(_INK)
    canvas.setFont(_URL_FONT, 7.5)
    for line in _wrap(url, _URL_FONT, 7.5, _QR_COLUMN_WIDTH):
        writer.y -= 9
        canvas.drawString(left, writer.y, line)
    return writer.y


def _number_size(number: str, width: float) -> float:
    """Return the largest font size up to 20 pt at which the number fits in ``width``."""
    return min(20.0, 20.0 * width / max(1.0, pdfmetrics.stringWidth(number, _NUMBER_FONT, 20)))


def _draw_footer(canvas: Canvas, doc: ReceiptDocument, fonts: _Fonts) -> float:
    """Draw the disclaimer and the number at the page foot; return the top of the footer."""
    size = 8.5
    disclaimer = fonts.fit(doc.label(DISCLAIMER_LABEL))
    lines = _wrap(disclaimer, fonts.regular, size, _CONTENT_WIDTH)[:4]
    y = _MARGIN
    canvas.setFillColor(_MUTED)
    canvas.setFont(_NUMBER_FONT, size)
    canvas.drawString(_MARGIN, y, fonts.fit(doc.number))
    canvas.setFont(fonts.regular, size)
    for line in reversed(lines):
        y += size * 1.3
        canvas.drawString(_MARGIN, y, line)
    y += size * 1.3
    canvas.setStrokeColor(_RULE)
    canvas.setLineWidth(0.5)
    canvas.line(_MARGIN, y, _PAGE_WIDTH - _MARGIN, y)
    return y + 3 * mm


def _render(doc: ReceiptDocument, fonts: _Fonts) -> bytes:
    """Render ``doc`` with the given fonts."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(doc.number)
    canvas.setAuthor("apoa")
    canvas.setSubject(doc.title)
    canvas.setCreator("apoa")

    header = _Writer(canvas, fonts, _MARGIN, _PAGE_HEIGHT - _MARGIN + 4 * mm, _CONTENT_WIDTH)
    header.text(doc.title, size=16, bold=True, leading=1.2, max_lines=2)
    header.text(doc.kind_label, size=12, bold=True, color=_MUTED, max_lines=1)
    header.y -= 3 * mm
    canvas.setStrokeColor(_RULE)
    canvas.setLineWidth(0.5)
    canvas.line(_MARGIN, header.y, _PAGE_WIDTH - _MARGIN, header.y)
    header.y -= 4 * mm

    qr_bottom = _draw_qr(canvas, doc, fonts, header.y)
    facts_width = _CONTENT_WIDTH - _QR_COLUMN_WIDTH - _COLUMN_GAP
    facts = _Writer(canvas, fonts, _MARGIN, header.y + 2 * mm, facts_width)
    facts.text(doc.label(RECEIPT_NUMBER_LABEL), size=8.5, color=_MUTED)
    size = _number_size(doc.number, facts_width)
    facts.text(doc.number, size=size, font=_NUMBER_FONT, leading=1.15, max_lines=1)
    facts.y -= 3 * mm
    facts.fact(doc.label(ISSUED_LABEL), doc.issued_at_text)
    facts.fact(doc.label(PLACE_LABEL), doc.place_name, doc.place_address)
    facts.fact(doc.label(REPORTER_LABEL), doc.reporter_name)
    if doc.office_name.strip():
        facts.fact(doc.label(OFFICE_LABEL), doc.office_name)

    footer_top = _draw_footer(canvas, doc, fonts)
    _draw_guests(canvas, doc, fonts, min(facts.y, qr_bottom) - 4 * mm, footer_top)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_receipt_pdf(doc: ReceiptDocument) -> bytes:
    """Return the receipt as a one-page A4 PDF."""
    return _render(doc, _load_fonts())
