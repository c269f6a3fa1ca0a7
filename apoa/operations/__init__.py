"""What a government IT team watches: JSON request logs, Prometheus metrics (docs/operations.md)."""

from flask import Blueprint

bp = Blueprint("operations", __name__)
