"""Placeholder: filled in by issue 6 work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("compliance", __name__, url_prefix="/compliance")
