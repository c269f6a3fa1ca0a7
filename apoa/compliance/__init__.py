"""Compliance: who reports on time, who is late or silent; the officers' list, exports,
area coverage and reporter history."""

from flask import Blueprint

bp = Blueprint("compliance", __name__, url_prefix="/compliance")
