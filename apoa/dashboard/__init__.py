"""The dashboard: an office's figures, or the country's, from the summary tables (no names)."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
