"""How long the statistics take: 10 arms x 50 seeds, target under 1 s.

Times ``hypolab.stats.analyze`` on 10 arms of 50 seeds each (9 comparisons
with the control), everything on: Welch's t, the robustness panel (Student,
Mann-Whitney, a 9,999-split permutation test), a 9,999-replicate BCa
bootstrap, Hedges' g and probability-of-superiority intervals, TOST, power,
Holm's correction, the omnibus and trend tests. The baseline, measured in the
same run on the same data, is the straightforward SciPy route for the same
per-comparison work: ``scipy.stats.ttest_ind``, ``mannwhitneyu``,
``permutation_test`` and ``bootstrap(method="BCa")`` (9,999 resamples each).

Prints the median wall and CPU time of 5 runs of each and their ratios (on a
shared machine the CPU time shows what the wall time would be unloaded).

Run: ``python benchmarks/bench_stats.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypolab.stats import analyze

ARMS, SEEDS, REPEATS, TARGET_S = 10, 50, 5, 1.0


def make_values() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {f"arm {i}": rng.binomial(2000, 0.9 + 0.002 * i, size=SEEDS) / 2000
            for i in range(ARMS)}


def run_hypolab(values: dict[str, np.ndarray]) -> None:
    analyze(values, control="arm 0", direction="greater", margin=0.005, ordered=True,
            metric="test_accuracy")


def run_scipy(values: dict[str, np.ndarray]) -> None:
    control = values["arm 0"]

    def difference(x, y, axis=-1):
        return np.mean(x, axis=axis) - np.mean(y, axis=axis)

    for name, treatment in values.items():
        if name == "arm 0":
            continue
        stats.ttest_ind(treatment, control, equal_var=False, alternative="greater")
        stats.ttest_ind(treatment, control, alternative="greater")
        stats.mannwhitneyu(treatment, control, alternative="greater")
        stats.permutation_test((treatment, control), difference, vectorized=True,
                               n_resamples=9999, alternative="greater", rng=0)
        stats.bootstrap((treatment, control), difference, vectorized=True,
                        n_resamples=9999, method="BCa", rng=0)


def median_seconds(fn, values) -> tuple[float, float]:
    """Median wall and CPU seconds of ``REPEATS`` runs (CPU shows contention)."""
    fn(values)  # warm-up: imports, caches
    wall, cpu = [], []
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(values)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    values = make_values()
    ours, ours_cpu = median_seconds(run_hypolab, values)
    baseline, baseline_cpu = median_seconds(run_scipy, values)
    print(f"hypolab.stats.analyze, {ARMS} arms x {SEEDS} seeds: {ours:.3f} s wall, "
          f"{ours_cpu:.3f} s CPU (target < {TARGET_S:.0f} s: "
          f"{'met' if ours < TARGET_S else 'NOT met'})")
    print(f"baseline (plain SciPy, same tests and resamples): {baseline:.3f} s wall, "
          f"{baseline_cpu:.3f} s CPU")
    print(f"ratio hypolab / baseline: {ours / baseline:.2f} wall, "
          f"{ours_cpu / baseline_cpu:.2f} CPU")


if __name__ == "__main__":
    main()
