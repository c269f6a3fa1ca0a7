"""What any request may carry: bounded ids, page numbers and days; no control characters.

One place for the limits every view relies on, so that no hostile or mistyped value
reaches the database as something it cannot hold (docs/security.md R22):

- ids in URLs are PostgreSQL integers: a larger one is a 404, never a database error;
- page numbers stay between 1 and MAX_PAGE;
- days in filters stay between EARLIEST_DAY and LATEST_DAY (Python's date arithmetic
  overflows at year 9999, and no stay is reported for year 1);
- NUL and the other C0/C1 control characters (tab and line breaks excepted) in the
  path, the query or a form field are refused with a 400 page in the user's language:
  PostgreSQL cannot store NUL in text, and nobody types the others.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of every id column
MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET inside a database integer
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in every route: at most MAX_ID, so a longer number matches no route (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class ControlCharacters(BadRequest):
    description = "control characters in the request"
    message = _l(
        "The text contains characters that cannot be used (invisible control characters). "
        "Please type it again."
    )


def page_number(text: str | None) -> int:
    """Return the page asked for: 1 when missing or not a number, at most MAX_PAGE."""
    try:
        return min(max(1, int(text or 1)), MAX_PAGE)
    except ValueError:
        return 1


def database_int(text: str) -> int:
    """`type=` for request.args.get: a whole number 0..MAX_ID, ValueError otherwise."""
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise ValueError(f"not an integer in 0..{MAX_ID}: {text[:20]!r}")
    return int(text)


def row_ids(values: list[str]) -> set[int]:
    """Read ids sent in a form (ticked boxes): ASCII digits only, 404 past MAX_ID.

    An id too large for its column names no row, as it would in a URL.
    """
    ids = {int(v) for v in values if v.isascii() and v.isdigit()}
    if any(i > MAX_ID for i in ids):
        raise NotFound()
    return ids


def parse_day(text: str) -> date:
    """Read a YYYY-MM-DD day inside [EARLIEST_DAY, LATEST_DAY]; ValueError otherwise."""
    day = date.fromisoformat(text.strip())
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"{day} is outside {EARLIEST_DAY}…{LATEST_DAY}")
    return day


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _texts(fields: Any) -> list[str]:
    """Every name and every value of a MultiDict (repeated fields included)."""
    return [text for name, values in fields.lists() for text in (name, *values)]


def _refuse_control_characters() -> None:
    values = [request.path, *_texts(request.args)]
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in _FORMS:
        values += _texts(request.form)
    if any(has_control_characters(value) for value in values):
        raise ControlCharacters()


def register_input_limits(app: Flask) -> None:
    """Bound `<int:…>` (before any blueprint adds its routes) and screen every request."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(_refuse_control_characters)
