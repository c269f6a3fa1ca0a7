"""Prometheus metrics, by prometheus_client (the project's own client library).

What is counted carries no personal data: endpoints by name (never the path, which
may hold a receipt number), statuses, kinds of report, reasons of refusal.

- apoa_http_requests_total{endpoint,method,status} and
  apoa_http_request_duration_seconds{endpoint,method}: every request (request_log.py);
- apoa_reports_total{kind}: reports committed (check-in, check-out, amendment,
  cancellation, nil report), from the reports' signals, counted after COMMIT so a
  report rolled back is not counted;
- apoa_failed_sign_ins_total{reason}: refused sign-ins (wrong name or password,
  throttled), from accounts' signal, after COMMIT too;
- apoa_queue_jobs{queue}: jobs waiting in the RQ queue, read from Redis at each scrape.

Under gunicorn every worker counts for itself; with PROMETHEUS_MULTIPROC_DIR set
(deploy/gunicorn.conf.py) prometheus_client keeps each worker's counts in files there
and the scrape adds them up, whichever worker answers it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from flask import current_app, has_app_context
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from apoa import signals
from apoa.db import after_commit
from apoa.geocoding.queue import QUEUE_NAME

disable_created_metrics()  # the `_created` series double the scrape and nobody reads them

REQUESTS = Counter(
    "apoa_http_requests_total", "Requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)  # fmt: skip
LATENCY = Histogram(
    "apoa_http_request_duration_seconds", "Time to answer a request, by endpoint and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)  # fmt: skip
REPORTS = Counter("apoa_reports_total", "Reports committed, by kind.", ["kind"])
FAILED_SIGN_INS = Counter("apoa_failed_sign_ins_total", "Sign-ins refused, by reason.", ["reason"])

_REPORT_KINDS = {
    signals.stays_checked_in: "check_in",
    signals.stays_checked_out: "check_out",
    signals.stay_amended: "amendment",
    signals.stay_cancelled: "cancellation",
    signals.nil_report_filed: "nil_report",
}


class QueueDepth(Collector):
    """Jobs waiting in the geocoding queue, read at scrape time (absent without Redis)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        url = current_app.config.get("REDIS_URL") if has_app_context() else None
        if not url:
            return
        gauge = GaugeMetricFamily("apoa_queue_jobs", "Jobs waiting in the queue.", labels=["queue"])
        try:
            with Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as redis:
                gauge.add_metric([QUEUE_NAME], Queue(QUEUE_NAME, connection=redis).count)
        except RedisError:
            return  # the scrape goes on; /health/ready says Redis is down
        yield gauge


_QUEUE_REGISTRY = CollectorRegistry()
_QUEUE_REGISTRY.register(QueueDepth())


def scrape() -> bytes:
    """The text exposition: this process's metrics, or every worker's in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_QUEUE_REGISTRY)


# ---------------------------------------------------------------- counted after COMMIT (apoa.db)


def _report_receiver(kind: str) -> Any:
    def receive(sender: Any, **_: Any) -> None:
        after_commit(REPORTS.labels(kind).inc)

    receive.__name__ = f"count_{kind}"
    return receive


_RECEIVERS = {signal: _report_receiver(kind) for signal, kind in _REPORT_KINDS.items()}


def _sign_in_failed(sender: Any, *, reason: str, **_: Any) -> None:
    after_commit(FAILED_SIGN_INS.labels(reason).inc)


def subscribe() -> None:
    """Count reports and refused sign-ins from their signals, once committed."""
    for signal, receiver in _RECEIVERS.items():
        signal.connect(receiver)
    signals.sign_in_failed.connect(_sign_in_failed)
