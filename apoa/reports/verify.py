"""The public receipt check: is this receipt genuine? No personal data, ever."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for

from apoa.extensions import db
from apoa.reports.forms import VerifyForm
from apoa.reports.models import Receipt, Stay, StayEvent, StayStatus
from apoa.reports.receipt_numbers import normalise_receipt_number

bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.get("/")
def index() -> Any:
    form = VerifyForm(request.args)
    if request.args.get("number"):
        number = normalise_receipt_number(request.args["number"])
        if number is not None:
            return redirect(url_for("verify.receipt", number=number))
        return render_template("reports/verify.html", form=form, receipt=None, invalid=True), 404
    return render_template("reports/verify.html", form=form, receipt=None, invalid=False)


@bp.get("/<number>")
def receipt(number: str) -> Any:
    canonical = normalise_receipt_number(number)
    if canonical is not None and canonical != number:
        return redirect(url_for("verify.receipt", number=canonical))
    receipt = (
        db.session.scalar(sa.select(Receipt).where(Receipt.number == canonical))
        if canonical
        else None
    )
    form = VerifyForm(formdata=None, number=number)
    if receipt is None:
        return render_template("reports/verify.html", form=form, receipt=None, invalid=True), 404
    return render_template(
        "reports/verify.html",
        form=form,
        receipt=receipt,
        status=receipt_status(receipt),
        invalid=False,
    )


def receipt_status(receipt: Receipt) -> str:
    """Say whether what the receipt proves still stands: valid, or cancelled since."""
    cancelled = db.session.scalar(
        sa.select(sa.func.count(Stay.id))
        .join(StayEvent, StayEvent.stay_id == Stay.id)
        .where(StayEvent.receipt_id == receipt.id, Stay.status == StayStatus.CANCELLED)
    )
    return "cancelled" if cancelled and receipt.kind != "cancel" else "valid"
