"""Lodgings: hotels, guesthouses, villas, kos … registered by their operators."""

from flask import Blueprint

bp = Blueprint("lodgings", __name__, url_prefix="/lodgings")
