"""Reports: check-in, check-out, amendments, cancellations, nil reports and receipts."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
