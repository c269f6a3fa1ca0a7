"""Prometheus metrics at /metrics (apoa/operations/metrics.py, docs/operations.md)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from apoa.extensions import db
from apoa.reports.models import Stay
from tests.factories import TEST_PASSWORD, guest_form, stay_form

TOKEN = "metrics-token-for-the-tests"
REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
def app(make_app):
    from apoa.regions.loading import load_offices

    app = make_app(METRICS_TOKEN=TOKEN)
    with app.app_context():
        load_offices()
        db.session.commit()
        yield app


def _scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_answer_only_the_bearer_of_the_token(client, make_app):
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    unset = make_app(METRICS_TOKEN=None).test_client()
    assert unset.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_requests_are_counted_by_endpoint_never_by_path(client):
    before = _scrape(client)
    for _ in range(3):
        client.get("/health/live")
    client.get("/verify/APOA-SECRET-NUMBER")
    client.get("/no/such/page")
    after = _scrape(client)
    health = {"endpoint": "accounts.health", "method": "GET", "status": "200"}
    assert (
        _value(after, "apoa_http_requests_total", **health)
        - _value(before, "apoa_http_requests_total", **health)
        == 3
    )
    latency = {"endpoint": "accounts.health", "method": "GET"}
    assert _value(after, "apoa_http_request_duration_seconds_count", **latency) >= 3
    unmatched = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert _value(after, "apoa_http_requests_total", **unmatched) >= 1
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(True)
    assert "SECRET-NUMBER" not in text
    assert "/no/such" not in text


def test_failed_sign_ins_are_counted_by_reason(client, create_user):
    create_user("reporter", username="hotel.op")
    before = _scrape(client)
    client.post("/login", data={"username": "hotel.op", "password": "wrong"})
    client.post("/login", data={"username": "nobody", "password": "wrong"})
    client.post("/login", data={"username": "hotel.op", "password": TEST_PASSWORD})
    after = _scrape(client)
    name = "apoa_failed_sign_ins_total"
    assert _value(after, name, reason="password") - _value(before, name, reason="password") == 2
    assert "hotel.op" not in repr(after)


def test_reports_are_counted_once_committed(app, client, verified_lodging):
    operator, lodging = verified_lodging
    client.post("/login", data={"username": operator.username, "password": TEST_PASSWORD})
    before = _scrape(client)
    form = {
        "lodging_id": str(lodging.id),
        "head": "0",
        "submit": "1",
        **stay_form(submission_key="7f1c1b40-8d5e-4c62-9d1a-2b0c3e4f5a61"),
        **guest_form(0),
        **guest_form(1, passport_number="C01X00T99"),
    }
    assert client.post("/reports/check-in", data=form).status_code == 302
    refused = {**form, "submission_key": "0b4d1a6e-1f2a-4b3c-8d9e-0f1a2b3c4d5e"}
    refused["guests-0-birth_date"] = "2999-01-01"
    assert client.post("/reports/check-in", data=refused).status_code == 200  # errors shown
    after = _scrape(client)
    name = "apoa_reports_total"
    assert _value(after, name, kind="check_in") - _value(before, name, kind="check_in") == 1
    assert db.session.query(Stay).count() == 2


def test_a_report_rolled_back_is_not_counted(app, client, verified_lodging, create_stay):
    operator, lodging = verified_lodging
    before = _scrape(client)
    create_stay(operator, lodging, 1)  # flushed, announced ...
    db.session.rollback()  # ... and never committed
    after = _scrape(client)
    name = "apoa_reports_total"
    assert _value(after, name, kind="check_in") == _value(before, name, kind="check_in")
    create_stay(operator, lodging, 1)
    db.session.commit()
    assert (
        _value(_scrape(client), name, kind="check_in") - _value(before, name, kind="check_in") == 1
    )


def test_the_queue_depth_is_read_from_redis(make_app):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue

    from apoa.geocoding.queue import JOB, QUEUE_NAME

    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except RedisDown:
        pytest.skip("no Redis on 127.0.0.1:6379")
    try:
        queue = Queue(QUEUE_NAME, connection=redis)
        for location_id in (1, 2, 3):
            queue.enqueue(JOB, location_id)
        client = make_app(METRICS_TOKEN=TOKEN, REDIS_URL=REDIS_URL).test_client()
        assert _value(_scrape(client), "apoa_queue_jobs", queue=QUEUE_NAME) == 3
        down = make_app(METRICS_TOKEN=TOKEN, REDIS_URL="redis://127.0.0.1:1/0").test_client()
        assert ("apoa_queue_jobs", (("queue", QUEUE_NAME),)) not in _scrape(down)
    finally:
        redis.flushdb()
        redis.close()
