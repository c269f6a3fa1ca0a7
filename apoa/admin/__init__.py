"""The admin console: accounts, offices and jurisdictions, the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
