"""The documented alerts (deploy/prometheus/apoa-alerts.yml) name metrics the app exposes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from apoa.operations.metrics import REPORTS

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "apoa-alerts.yml"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
TOKEN = "metrics-token-for-the-tests"


def _rules() -> list[dict]:
    (group,) = yaml.safe_load(RULES.read_text())["groups"]
    return group["rules"]


def test_every_alert_has_an_expression_a_summary_and_an_action():
    rules = _rules()
    assert len(rules) >= 6
    for rule in rules:
        assert rule["alert"].startswith("Apoa")
        assert rule["expr"].strip()
        assert rule["labels"]["severity"] in ("page", "ticket")
        assert rule["annotations"]["summary"]
        assert rule["annotations"]["action"]


def test_alerts_name_only_metrics_the_app_exposes(make_app):
    app = make_app(METRICS_TOKEN=TOKEN, REDIS_URL="redis://127.0.0.1:6379/12")
    client = app.test_client()
    client.post("/login", data={"username": "nobody", "password": "wrong"})
    REPORTS.labels("check_in").inc(0)  # a labelled family appears once it has a sample
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(True)
    exposed = set(re.findall(r"^(apoa_\w+)", text, re.M))
    for rule in _rules():
        for name in re.findall(r"\b(apoa_\w+)", rule["expr"]):
            assert name in exposed, f"{rule['alert']} names {name}, which /metrics does not have"


def test_each_alert_is_documented():
    text = DOCS.read_text()
    for rule in _rules():
        assert f"`{rule['alert']}`" in text, rule["alert"]
