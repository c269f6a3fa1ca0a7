"""Answers a phone's outbox can read (issue 12): the same report views, in JSON.

A report made offline waits on the phone (apoa/static/js/outbox.js) and is sent later
by a script, with the `X-Apoa-Outbox` header. The views stay what they are, one path
for every phone; this module only turns their answers into ones a script can act on:

- a redirect to a receipt: 201 with the receipt number and its page;
- the form shown again with its errors: 422 with every error and the field it is on;
- no session (expired, or another user signed in): 401, the report stays on the phone;
- an expired CSRF token: 400 with `"error": "csrf"`, the phone fetches a new one.

Every rule still runs on the server; nothing here trusts the phone.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request, session, template_rendered
from flask_login import current_user

from apoa.forms import error_list
from apoa.reports import bp
from apoa.security import OUTBOX_HEADER

# Sent by the outbox with the id of the user who made the report: a report never goes
# out under another user's session on a shared phone.
USER_HEADER = "X-Apoa-User"
# Sent when the reporter is on the form and will open the receipt page next: the
# page's messages stay for it; otherwise they come back in the JSON answer.
FOREGROUND_HEADER = "X-Apoa-Foreground"
RECEIPT_PREFIX = "/reports/receipts/"


def _from_outbox() -> bool:
    return bool(request.headers.get(OUTBOX_HEADER))


@bp.before_request
def same_user_only() -> Any:
    if not _from_outbox() or not current_user.is_authenticated:
        return None
    if request.headers.get(USER_HEADER) != str(current_user.id):
        return _json(401, error="signin")
    return None


def _remember_form(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
    if _from_outbox() and "form" in context:
        g.outbox_form = context["form"]


template_rendered.connect(_remember_form)


@bp.after_request
def answer_the_outbox(response: Response) -> Response:
    if not _from_outbox():
        return response
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and RECEIPT_PREFIX in location:
        number = location.split(RECEIPT_PREFIX, 1)[1].split("?")[0].strip("/")
        return _json(201, receipt=number, url=location, messages=_messages())
    if response.status_code == 401 or (response.status_code in (302, 303) and "/login" in location):
        return _json(401, error="signin")
    if response.status_code == 400 and g.get("csrf_failed"):
        return _json(400, error="csrf")
    form = g.get("outbox_form")
    if response.status_code == 200 and form is not None and request.method == "POST":
        return _json(422, error="invalid", **_errors_of(form))
    if 400 <= response.status_code < 500 and response.status_code not in (408, 409, 429):
        return _json(response.status_code, error="refused")
    return response  # 5xx, 408, 409, 429: the phone waits and tries again


def _json(status: int, **body: Any) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _messages() -> list[dict[str, str]]:
    """The page's messages ("Report received", warnings) for a report sent in the background."""
    if request.headers.get(FOREGROUND_HEADER):
        return []
    flashes = session.pop("_flashes", [])
    return [{"category": category, "text": str(text)} for category, text in flashes]


def _errors_of(form: Any) -> dict[str, Any]:
    return {
        "errors": error_list(form),
        "form_errors": [str(e) for e in getattr(form, "form_errors", [])],
    }
