"""How much memory ``hypolab analyze`` takes on a 200,000-row CSV, against a 100-row one.

Issue 10: a 200k-row CSV grew ``hypolab analyze`` to 24 GB before it was
killed (the bootstrap and permutation draws were one ``(9999, n)`` array
each, and Cliff's delta one ``(n_t, n_c)`` matrix). The resampling now draws
in chunks of ``hypolab.stats.chunks.CHUNK_ELEMENTS`` and the dominance counts
sort instead, so memory no longer grows with the rows.

In one process: first the baseline, the command on a 100-row CSV (two arms,
50 seeds each: imports, SciPy, the whole analysis), and its peak resident
set size; then the same command on ``--rows`` rows (default 200,000: two arms
of 100,000 seeds), its peak, wall time and the growth over the baseline. The
peak is the process's high-water mark (``getrusage``), so the second number
includes the first; their difference is what the big file costs.

Run: ``python benchmarks/bench_analyze.py [--rows 200000]``. Measured on the
2-core CI machine: 100 rows 122 MB; 200,000 rows 258 MB (+136 MB) in 57 s (the
time grows with the rows, the memory does not; before the chunks: 24 GB, killed).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypolab.cli import main  # noqa: E402


def write_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    per_arm = rows // 2
    lines = ["arm,seed,test_accuracy"]
    for arm, mean in (("control", 0.80), ("treatment", 0.81)):
        values = rng.normal(mean, 0.05, size=per_arm)
        lines += [f"{arm},{seed},{value!r}" for seed, value in enumerate(values.tolist())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def analyze(path: Path) -> float:
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["analyze", str(path), "--metric", "test_accuracy",
                                       "--control", "control", "--direction", "greater"])  # fmt: skip
    if result.exit_code != 0:
        raise SystemExit(f"hypolab analyze failed:\n{result.output}")
    return time.perf_counter() - start


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as folder:
        small, big = Path(folder) / "small.csv", Path(folder) / "big.csv"
        write_csv(small, 100)
        write_csv(big, rows)
        small_s = analyze(small)
        baseline = peak_mb()
        big_s = analyze(big)
        peak = peak_mb()
    print(f"{'CSV':>16}  {'peak RSS':>10}  {'wall':>8}")
    print(f"{'100 rows':>16}  {baseline:>7.0f} MB  {small_s:>6.1f} s   (baseline)")
    print(f"{f'{rows:,} rows':>16}  {peak:>7.0f} MB  {big_s:>6.1f} s   (+{peak - baseline:.0f} MB over the baseline)")


if __name__ == "__main__":
    main_()
