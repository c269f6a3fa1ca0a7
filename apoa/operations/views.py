"""/metrics for Prometheus: a bearer of METRICS_TOKEN only; without a token set, a 404."""

from __future__ import annotations

import hmac

from flask import abort, current_app, request
from flask.wrappers import Response
from prometheus_client import CONTENT_TYPE_LATEST

from apoa.operations import bp, metrics


@bp.get("/metrics")
def scrape() -> Response:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        abort(404)  # nothing here for anyone else, not even that it exists
    return Response(metrics.scrape(), content_type=CONTENT_TYPE_LATEST)
