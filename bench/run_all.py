"""Run every benchmark in bench/ and write JSON results to bench/results/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parent
RESULTS = BENCH / "results"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    scripts = sorted(p for p in BENCH.glob("bench_*.py"))
    scripts.append(BENCH / "phone_report.py")  # the report on a slow phone, in Chromium (issue 12)
    for script in scripts:
        out = RESULTS / f"{script.stem.removeprefix('bench_')}.json"
        print(f"== {script.name}", flush=True)
        code = subprocess.call([sys.executable, str(script), "--json", str(out)])  # noqa: S603
        if code:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
