"""One JSON line per request, with its id and no personal data (apoa/operations/request_log.py)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from tests.factories import TEST_PASSWORD


@pytest.fixture
def json_lines(make_app):
    """An app logging JSON, its log lines captured; the handler removed afterwards."""
    app = make_app(REQUEST_LOG_JSON=True)
    handler = next(h for h in app.logger.handlers if isinstance(h.formatter, JsonFormatter))
    stream = io.StringIO()
    handler.setStream(stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield app, lines
    app.logger.removeHandler(handler)


def test_each_request_is_one_json_line(json_lines, create_user):
    app, lines = json_lines
    client = app.test_client()
    create_user("reporter", username="hans.mueller")
    client.post("/login", data={"username": "hans.mueller", "password": TEST_PASSWORD})
    client.get("/reports/stays/7?q=C01X00T47")
    entries = [e for e in lines() if e["message"] == "request"]
    assert [e["endpoint"] for e in entries] == ["accounts.login", "reports.stay"]
    stay = entries[1]
    assert stay["route"] == "/reports/stays/<int:stay_id>"
    assert stay["status"] == 404
    assert stay["role"] == "reporter"
    assert stay["duration_ms"] > 0
    assert stay["levelname"] == "INFO"
    assert stay["timestamp"].endswith("+00:00")
    assert len(stay["request_id"]) == 32
    text = "\n".join(json.dumps(e) for e in lines())
    for personal in ("hans.mueller", "C01X00T47", TEST_PASSWORD, "127.0.0.1"):
        assert personal not in text


def test_the_proxys_request_id_is_kept_and_sent_back(client):
    response = client.get("/health/live", headers={"X-Request-ID": "nginx-5f2b9c0d1e"})
    assert response.headers["X-Request-ID"] == "nginx-5f2b9c0d1e"
    forged = client.get("/health/live", headers={"X-Request-ID": 'x" "forged'})
    assert forged.headers["X-Request-ID"] != 'x" "forged'
    assert len(forged.headers["X-Request-ID"]) == 32


def test_refused_and_failed_requests_are_logged_too(client, caplog):
    caplog.set_level(logging.INFO, logger="apoa.requests")
    client.get("/login?next=%00")  # refused by the control-character screen
    (entry,) = [r for r in caplog.records if r.name == "apoa.requests"]
    assert entry.status == 400
    assert entry.endpoint == "accounts.login"


def test_errors_logged_during_a_request_carry_its_id(json_lines):
    app, lines = json_lines
    with app.test_request_context("/", headers={"X-Request-ID": "nginx-0a1b2c3d4e"}):
        app.preprocess_request()
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app.logger.exception("Exception on / [GET]")  # as Flask logs a server error
    (error,) = [e for e in lines() if e["levelname"] == "ERROR"]
    assert error["request_id"] == "nginx-0a1b2c3d4e"
    assert "RuntimeError: boom" in error["exc_info"]
