"""The short load and fault run (bench/bench_faults.py --short) on the engine under test.

gunicorn with three workers, phones reporting (retrying with the same key, tapping
twice), an officer reading, and the faults: PostgreSQL restarted in a throwaway cluster
of the run's own, or SQLite held by BEGIN EXCLUSIVE past the busy timeout; a worker
killed with `kill -9`. The full run is `make bench` (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import ENGINE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("faults") / "faults.json"
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "bench/bench_faults.py", "--engine", ENGINE, "--short",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    (result,) = json.loads(out.read_text())["results"]
    return result


@pytest.mark.timeout(300)
def test_every_acknowledged_report_is_stored_once(run):
    assert run["acknowledged"] > 50, "the phones reported too little to tell anything"
    assert run["lost"] == 0
    assert run["stored"] == run["acknowledged"]
    assert run["stored_unacknowledged"] == 0
    assert run["stays"] == run["acknowledged"]
    assert run["duplicated"] == 0
    assert run["double_taps_with_another_receipt"] == 0


def test_the_faults_happened_and_only_503s_answered_them(run):
    faults = [f["fault"] for f in run["faults"]]
    first = "restart postgresql" if ENGINE == "postgresql" else "hold sqlite exclusive"
    assert faults == [first, "kill a worker"]
    assert run["server_errors_other_than_503"] == [], run.get("server_log", "")[:3000]
    assert run["errors_outside_faults"] == []


def test_reports_are_acknowledged_again_within_five_seconds_of_each_fault(run):
    assert all(r is not None and r <= 5 for r in run["recovery_s"]), run["recovery_s"]
    assert run["passed"]
