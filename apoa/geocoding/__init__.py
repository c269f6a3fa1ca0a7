"""Geocoding: the only package importing geopy (offline gazetteer by default)."""

from flask import Blueprint

bp = Blueprint("geocoding", __name__, url_prefix="/review")
