"""How long rendering a report takes: 2 arms x 10 seeds x 20 epochs, target under 2 s.

Prints two figures against the 2 s target of issue 5, both measured in this run:

- cold: a fresh Python process that imports hypolab.report and renders one
  report, imports of matplotlib and jinja2 included. SciPy is loaded before
  the clock starts, as ``hypolab test`` and ``hypolab report`` have loaded it
  for the analysis by the time they render;
- warm: the median of five renders in this process (what ``hypolab test``
  pays at its end, where the libraries are loaded already).

The analysis comes from ``hypolab.stats.analyze`` and is not timed.

Run: ``python benchmarks/bench_report.py``
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the recorded-run builders of the report tests
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 2.0

COLD = """
import pickle, sys, time
import hypolab.stats  # the analysis ran first in every real use, loading numpy and scipy
start = time.perf_counter()
from hypolab.report import write_report
h, results, analysis, out = pickle.load(open(sys.argv[1], "rb"))
write_report(h, results, analysis, out)
print(time.perf_counter() - start)
"""


def main() -> None:
    import pickle

    from report_cases import make_hypothesis, make_results

    from hypolab.pipeline import analyze_hypothesis
    from hypolab.report import write_report

    h = make_hypothesis(seeds=10)
    results = make_results(h, epochs=20)
    analysis = analyze_hypothesis(h, results)
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case.pickle"
        case.write_bytes(pickle.dumps((h, results, analysis, Path(tmp) / "cold" / h.name)))
        process = subprocess.run([sys.executable, "-c", COLD, str(case)], capture_output=True, text=True,
                                 check=True, cwd=ROOT)  # fmt: skip
        cold = float(process.stdout.strip().splitlines()[-1])
        warm_runs = []
        for i in range(6):
            start = time.perf_counter()
            page = write_report(h, results, analysis, Path(tmp) / "warm" / f"{h.name}{i}")
            warm_runs.append(time.perf_counter() - start)
        warm = statistics.median(warm_runs[1:])  # the first loads the libraries
        size = page.stat().st_size
    figures = {
        "case": "2 arms x 10 seeds x 20 epochs",
        "target_s": TARGET_SECONDS,
        "cold_s": round(cold, 3),
        "cold_ratio_to_target": round(cold / TARGET_SECONDS, 3),
        "warm_median_s": round(warm, 3),
        "warm_ratio_to_target": round(warm / TARGET_SECONDS, 3),
        "index_html_bytes": size,
    }
    print(f"report render, {figures['case']}:")
    target = f"target {TARGET_SECONDS:g} s"
    print(f"  cold (new process, matplotlib and jinja2 imports included): {cold:.3f} s "
          f"= {cold / TARGET_SECONDS:.2f} x {target}")  # fmt: skip
    print(f"  warm (median of 5 in-process renders): {warm:.3f} s = {warm / TARGET_SECONDS:.2f} x {target}")
    print(f"  index.html: {size / 1024:.0f} KiB")
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    print(f"  machine load during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          f"({load:.1f} per core; figures above 1 per core are slowed by other processes)")
    figures["load_per_core"] = round(load, 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
