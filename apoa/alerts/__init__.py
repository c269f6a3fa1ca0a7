"""The officers' alert queue: overdue check-outs, expired permits, one guest at two places,
location mismatches (issue 6, point 4)."""

from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
