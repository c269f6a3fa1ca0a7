"""Placeholder: filled in by issue 6 work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
