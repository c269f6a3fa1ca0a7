"""Receipt PDF: content, QR code, fonts for non-Latin-1 names, determinism."""

from __future__ import annotations

import dataclasses
import io
import unicodedata

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from apoa.reports.receipt_pdf import (
    DISCLAIMER_LABEL,
    MAX_GUESTS_SHOWN,
    MORE_GUESTS_LABEL,
    RECEIPT_LABELS,
    ReceiptDocument,
    _covered_by_cp1252,
    _Fonts,
    _load_fonts,
    _render,
    qr_drawing,
    render_receipt_pdf,
)

NUMBER = "STTPOA-2025-70QZ-1A0M-X"
VERIFY_URL = "https://apoa.example.go.id/verifikasi/STTPOA-2025-70QZ-1A0M-X"
VIETNAMESE = "NGUYỄN VĂN ĐẶNG · VNM · B12****45"
HAS_DEJAVU = _load_fonts().regular == "ApoaDejaVuSans"
INDONESIAN_LABELS = {
    "Receipt number": "Nomor tanda terima",
    "Issued": "Diterbitkan",
    "Place": "Tempat",
    "Reporter": "Pelapor",
    "Immigration office": "Kantor imigrasi",
    "Guests": "Tamu",
    "No guests reported": "Tidak ada tamu yang dilaporkan",
    "and {count} more": "dan {count} lainnya",
    "Verify this receipt at": "Periksa tanda terima ini di",
    DISCLAIMER_LABEL: "Tanda terima ini menegaskan bahwa laporan telah diterima.",
}


def _document(**changes: object) -> ReceiptDocument:
    """Return a typical check-in receipt, with ``changes`` applied."""
    doc = ReceiptDocument(
        number=NUMBER,
        kind_label="Check-in",
        title="Surat Tanda Terima Pelaporan Orang Asing",
        issued_at_text="12 March 2025, 14:05 WITA",
        place_name="Hotel Sanur Indah",
        place_address="Jl. Danau Tamblingan No. 12, Sanur, Kota Denpasar, Bali",
        reporter_name="I Made Müller",
        office_name="Kantor Imigrasi Kelas I TPI Denpasar",
        guest_lines=["ERIKSSON, ANNA MARIA · UTO · L89****C3", "MÜLLER, JÖRG · DEU · C01****X9"],
        verify_url=VERIFY_URL,
    )
    return dataclasses.replace(doc, **changes)  # type: ignore[arg-type]


def _read(pdf: bytes) -> PdfReader:
    """Return a reader for ``pdf``."""
    return PdfReader(io.BytesIO(pdf))


def _text(pdf: bytes) -> str:
    """Return the text of every page, in NFC so that comparisons ignore composition."""
    text = "\n".join(page.extract_text() for page in _read(pdf).pages)
    return unicodedata.normalize("NFC", text)


def _compact(text: str) -> str:
    """Return ``text`` without whitespace, for strings the PDF may wrap over lines."""
    return "".join(text.split())


def test_pdf_is_a_small_single_a4_page() -> None:
    pdf = render_receipt_pdf(_document())
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) < 100_000
    reader = _read(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (round(A4[0]), round(A4[1]))


def test_pdf_shows_the_number_the_facts_and_every_guest() -> None:
    doc = _document()
    text = _text(render_receipt_pdf(doc))
    for expected in [
        doc.number,
        doc.title,
        doc.kind_label,
        doc.issued_at_text,
        doc.place_name,
        doc.reporter_name,
        doc.office_name,
        *doc.guest_lines,
    ]:
        assert expected in text
    assert _compact(doc.place_address) in _compact(text)
    for label in ["Receipt number", "Issued", "Place", "Reporter", "Immigration office"]:
        assert label in text
    assert "Guests (2)" in text


def test_verify_url_is_printed_under_the_qr_code() -> None:
    text = _text(render_receipt_pdf(_document()))
    assert "Verify this receipt at" in text
    # The URL is broken over lines to fit under the code, never altered.
    assert VERIFY_URL in _compact(text)


def test_pdf_metadata_names_the_receipt() -> None:
    metadata = _read(render_receipt_pdf(_document())).metadata
    assert metadata is not None
    assert metadata.title == NUMBER
    assert metadata.author == "apoa"


def test_same_document_gives_the_same_bytes() -> None:
    assert render_receipt_pdf(_document()) == render_receipt_pdf(_document())
    assert render_receipt_pdf(_document()) != render_receipt_pdf(_document(place_name="Other"))


def test_qr_drawing_encodes_the_url_with_error_correction_m() -> None:
    drawing = qr_drawing(VERIFY_URL)
    widget = drawing.contents[0]
    assert widget.value == VERIFY_URL
    assert widget.barLevel == "M"
    assert drawing.width == drawing.height == widget.barWidth == widget.barHeight


@pytest.mark.parametrize("url", ["https://a.id/v/1", VERIFY_URL, VERIFY_URL + "?x=" + "y" * 150])
def test_qr_symbol_is_at_least_35_mm_wide_whatever_the_url_length(url: str) -> None:
    drawing = qr_drawing(url)
    widget = drawing.contents[0]
    modules = widget.qr.getModuleCount()
    symbol_width = drawing.width * modules / (modules + 2 * widget.barBorder)
    assert symbol_width >= 35 * mm
    assert drawing.width < 60 * mm


def test_labels_come_from_the_caller() -> None:
    doc = _document(labels=INDONESIAN_LABELS, guest_lines=[f"G{i:03d}" for i in range(45)])
    text = _text(render_receipt_pdf(doc))
    for key in ["Receipt number", "Issued", "Place", "Reporter", "Verify this receipt at"]:
        assert INDONESIAN_LABELS[key] in text
    assert _compact(INDONESIAN_LABELS[DISCLAIMER_LABEL]) in _compact(text)
    assert "Tamu (45)" in text
    assert "dan 5 lainnya" in text
    assert "Receipt number" not in text
    assert "Guests" not in text


def test_label_keys_are_listed_for_translation() -> None:
    assert set(INDONESIAN_LABELS) == set(RECEIPT_LABELS)
    assert "{count}" in MORE_GUESTS_LABEL


def test_at_most_forty_guests_are_listed_then_the_rest_is_counted() -> None:
    guests = [f"GUEST{i:03d} · UTO · L89****{i:02d}" for i in range(1, 91)]
    pdf = render_receipt_pdf(_document(guest_lines=guests))
    text = _text(pdf)
    assert len(_read(pdf).pages) == 1
    assert f"GUEST{MAX_GUESTS_SHOWN:03d}" in text
    assert f"GUEST{MAX_GUESTS_SHOWN + 1:03d}" not in text
    assert "and 50 more" in text
    assert "Guests (90)" in text


def test_forty_guests_fit_without_a_more_line() -> None:
    guests = [f"GUEST{i:03d}, SOMEONE WITH A LONG NAME · UTO · L89****{i:02d}" for i in range(40)]
    text = _text(render_receipt_pdf(_document(guest_lines=guests)))
    assert all(f"GUEST{i:03d}" in text for i in range(40))
    assert "more" not in text


def test_long_guest_lines_wrap_and_stay_on_one_page() -> None:
    long_line = "WOLFESCHLEGELSTEINHAUSENBERGERDORFF" * 6 + ", HUBERT · DEU · C01****X9"
    pdf = render_receipt_pdf(_document(guest_lines=[long_line] * 30))
    assert len(_read(pdf).pages) == 1
    text = _compact(_text(pdf))
    assert _compact(long_line) in text
    assert "more" in text


def test_overlong_facts_are_cut_so_forty_guests_still_fit() -> None:
    # Long names as a passport allows (39 characters) wrap in two columns: the worst case.
    guests = [
        f"VANDERBILT-SCHWARZENEGGER{i:03d}, MARIA KATHARINA · DEU · C01****X9" for i in range(40)
    ]
    doc = _document(
        title="Surat Tanda Terima " * 20,
        place_name="Penginapan " * 40,
        place_address="Jalan " * 60,
        reporter_name="R" * 400,
        office_name="Kantor " * 50,
        guest_lines=guests,
    )
    pdf = render_receipt_pdf(doc)
    text = _text(pdf)
    assert len(_read(pdf).pages) == 1
    assert "…" in text
    assert all(f"SCHWARZENEGGER{i:03d}" in text for i in range(40))
    assert "more" not in text


def test_nil_report_without_guests() -> None:
    doc = _document(kind_label="Nil report", guest_lines=[], office_name="", place_address="")
    text = _text(render_receipt_pdf(doc))
    assert "Guests (0)" in text
    assert "No guests reported" in text
    assert "Immigration office" not in text


@pytest.mark.skipif(not HAS_DEJAVU, reason="DejaVu Sans is not installed (fonts-dejavu-core)")
def test_vietnamese_names_render_and_extract_with_dejavu() -> None:
    decomposed = unicodedata.normalize("NFD", "Đà Lạt")
    doc = _document(guest_lines=[VIETNAMESE], place_name=decomposed)
    text = _text(render_receipt_pdf(doc))
    assert VIETNAMESE in text
    assert "Đà Lạt" in text


def test_vietnamese_names_render_whatever_font_is_installed() -> None:
    pdf = render_receipt_pdf(_document(guest_lines=[VIETNAMESE], reporter_name="Trần Thị Ngọc"))
    assert pdf.startswith(b"%PDF-")
    assert "B12****45" in _text(pdf)


def test_fallback_to_bundled_vera_when_no_system_font() -> None:
    fonts = _load_fonts(("/nonexistent/fonts",))
    assert fonts.regular == "ApoaVera"
    # Vera has Latin-1 and a little more, but no Vietnamese letters with two accents.
    assert fonts.fit("Müller Nguyễn") == "Müller Nguyen"
    text = _text(_render(_document(guest_lines=[VIETNAMESE]), fonts))
    assert "Müller" in text
    assert "NGUYEN" in text


def test_fallback_to_helvetica_folds_to_ascii() -> None:
    fonts = _Fonts("Helvetica", "Helvetica-Bold", _covered_by_cp1252)
    assert fonts.fit("Nguyễn Văn Đặng, Łukasz Müller") == "Nguyen Van Dang, Lukasz Müller"
    assert fonts.fit("東京") == "??"
    text = _text(_render(_document(guest_lines=[VIETNAMESE]), fonts))
    assert "NGUYEN VAN DANG · VNM · B12****45" in text
    assert NUMBER in text


def test_text_is_kept_on_one_line() -> None:
    fonts = _load_fonts()
    assert fonts.fit("  Jl. Legian\nNo. 10\t\u2028Kuta ") == "Jl. Legian No. 10 Kuta"
