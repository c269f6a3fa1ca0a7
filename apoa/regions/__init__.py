"""Regions (Kemendagri codes), immigration offices and their jurisdictions."""

from flask import Blueprint

bp = Blueprint("regions", __name__, url_prefix="/api/regions")
