"""One JSON line per request, with a request id, and the request metrics (docs/operations.md).

A line holds what an operator needs and no personal data: the request id, method,
endpoint and route pattern (`/reports/receipts/<number>`, never the path itself),
status, duration, size and the signed-in role. No user name, address, query string
or form: who did what to whose data is the audit trail's job (apoa/audit), which
keeps it under the access rules of UU PDP.

The id comes from the proxy's `X-Request-ID` when it looks like one (nginx's
$request_id, deploy/nginx/apoa.conf), else a new one; it is sent back in the
response and put on every log record of the request, so a complaint, the nginx log
and the app's log meet on it.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from flask.wrappers import Response
from pythonjsonlogger.json import JsonFormatter

from apoa.operations.metrics import LATENCY, REQUESTS
from apoa.security import signed_in_role

log = logging.getLogger("apoa.requests")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class _RequestIdFilter(logging.Filter):
    """Put the request id on every record logged while a request is answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:  # a request that failed before _start ran
        return response
    seconds = time.perf_counter() - started
    rule = request.url_rule
    endpoint = rule.endpoint if rule else "unmatched"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint, request.method).observe(seconds)
    response.headers["X-Request-ID"] = g.request_id
    if not log.isEnabledFor(logging.INFO):  # development and tests: no line to build
        return response
    log.info(
        "request",
        extra={
            "method": request.method,
            "endpoint": endpoint,
            "route": rule.rule if rule else None,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "bytes": response.calculate_content_length(),
            "role": signed_in_role(),
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Time and log every request; JSON lines on stderr when REQUEST_LOG_JSON is on."""
    app.before_request(_start)
    app.after_request(_finish)
    if app.config.get("REQUEST_LOG_JSON"):
        _log_json(app.logger)


def _log_json(logger: logging.Logger) -> None:
    """The app's logger (`apoa`, errors included) and its children write JSON lines."""
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return  # a second app in the same process
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(_FIELDS, timestamp=True))
    handler.addFilter(_RequestIdFilter())
    for old in list(logger.handlers):
        logger.removeHandler(old)  # Flask's default text handler
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
