"""Build a receipt's PDF from the database row: translated labels, masked passports."""

from __future__ import annotations

from flask_babel import gettext as _

from apoa.accounts.models import User
from apoa.reports.models import Receipt, Stay
from apoa.reports.receipt_pdf import DISCLAIMER_LABEL, ReceiptDocument, render_receipt_pdf
from apoa.reports.services import stays_of_receipt
from apoa.templating import RECEIPT_KIND_LABELS, local_datetime, mask_passport


def receipt_pdf_bytes(receipt: Receipt, *, actor: User, verify_url: str) -> bytes:
    """Render the receipt as a one-page PDF whose QR code opens the public check."""
    stays = stays_of_receipt(receipt, actor)
    location = stays[0].location if stays else None
    doc = ReceiptDocument(
        number=receipt.number,
        kind_label=str(RECEIPT_KIND_LABELS.get(receipt.kind, receipt.kind)),
        title=_("Surat Tanda Terima Pelaporan Orang Asing"),
        issued_at_text=local_datetime(receipt.issued_at, receipt.region_code),
        place_name=receipt.place_name,
        place_address=location.address_text() if location else "",
        reporter_name=receipt.reporter.full_name,
        office_name=location.office.name if location and location.office else "",
        guest_lines=[_guest_line(s) for s in stays],
        labels={
            "Receipt number": _("Receipt number"),
            "Issued": _("Issued"),
            "Place": _("Place"),
            "Reporter": _("Reporter"),
            "Immigration office": _("Immigration office"),
            "Guests": _("Guests"),
            "Verify this receipt at": _("Verify this receipt at"),
            "No guests reported": _("No guests reported"),
            "and {count} more": _("and {count} more"),
            DISCLAIMER_LABEL: _(
                "This receipt confirms that the report was received. "
                "It shows no passport data in full."
            ),
        },
        verify_url=verify_url,
    )
    return render_receipt_pdf(doc)


def _guest_line(stay: Stay) -> str:
    person = stay.person
    return f"{stay.guest_name} · {person.nationality} · {mask_passport(person.passport_number)}"
