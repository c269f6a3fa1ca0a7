"""Each role's home page: what a reporter has to do, the officers' and admins' starting points."""

from flask import Blueprint

bp = Blueprint("home", __name__)
