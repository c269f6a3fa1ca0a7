"""Maps: the officers' map of open stays; the only package importing folium (issue 5)."""

from flask import Blueprint

bp = Blueprint("maps", __name__)
