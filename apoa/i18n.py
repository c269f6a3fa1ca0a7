"""Language choice: the user's saved choice, else the session's, else Indonesian."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_login import current_user

from apoa.extensions import babel


def select_locale() -> str:
    """Return the language for this request."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands, jobs and services outside a request
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    # Indonesian unless someone asks for English: the browser's language is not
    # a choice (shared office PCs and phones are often set to English).
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def init_babel(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
