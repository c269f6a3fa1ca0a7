"""Accounts: users, roles, sign-in, passwords and language."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
