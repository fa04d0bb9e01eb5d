"""Issue 14's table: each sequential design against the fixed design with the same most seeds.

For looks [3, 5, 10] and [5, 10, 20, 40], each spending function, with and
without futility stops, seeded simulations of the documented rule
(``tests/sequential_cases.rule``, which ``tests/test_stats_sequential.py``
checks replicate by replicate against ``hypolab.stats.sequential``) print:

- **type-I error**: identical arms, the share of replicates with any
  significant verdict (``supported`` or ``contradicted``), worst of the
  normal, lognormal (skewed) and tied kinds of data, with its 95%
  Clopper-Pearson upper limit; target at most alpha + 1 point;
- **power at the margin**: normal data, the treatment better by the margin,
  here the effect the fixed design with the most seeds detects with 80%
  power (Welch, alpha 0.05 one-sided); the fixed design's beside it; target
  a loss of at most 5 points (O'Brien-Fleming; Pocock spends alpha early and
  loses more by design, which ``hypolab plan`` shows);
- **expected seeds per arm** under no effect, at the margin and at twice the
  margin, beside the fixed design's (always the most); target at twice the
  margin, below 60% of the fixed design's seeds on average.

Run: ``python benchmarks/bench_sequential.py [--reps 20000]`` (about 20 seconds
at 20,000 replicates on one core).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sequential_cases import ALPHA, KINDS, LOOKS, fixed, margin_for, simulate  # noqa: E402
from verdict_cases import upper_limit  # noqa: E402

from hypolab.records import Spending  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20_000, help="replicates per cell")
    reps = parser.parse_args().reps
    started = time.time()
    header = (f"{'looks':<16}{'spending':<16}{'futility':<10}{'type-I (worst kind)':<26}{'power':<8}"
              f"{'fixed':<8}{'loss':<8}{'E[seeds] null':<15}{'margin':<9}{'2x margin':<11}{'fixed':<7}{'2x/fixed':<9}")
    print(f"alpha {ALPHA}, {reps:,} seeded replicates per cell; type-I target <= {ALPHA + 0.01:.2f}, "
          "power loss <= 0.05, 2x-margin seeds < 60% of fixed")
    print(header)
    for looks in LOOKS:
        most = looks[-1]
        effect = margin_for(most)
        for spending in Spending:
            for futility in (False, True):
                worst, worst_kind = -1.0, ""
                for kind in KINDS:
                    rate = simulate(kind, looks, spending, reps=reps, seed=1, futility=futility)[0].significant
                    if rate > worst:
                        worst, worst_kind = rate, kind
                null, _ = simulate("normal", looks, spending, reps=reps, seed=2, futility=futility)
                at, values = simulate("normal", looks, spending, reps=reps, seed=3, futility=futility, effect=effect)
                double, _ = simulate("normal", looks, spending, reps=reps, seed=4, futility=futility,
                                     effect=2 * effect)  # fmt: skip
                plain = fixed(values)
                type_one = f"{worst:.4f} ({worst_kind}, <={upper_limit(worst, reps, 0.975):.4f})"
                share = double.seeds.mean() / most
                print(f"{str(list(looks)):<16}{spending.value:<16}{str(futility):<10}{type_one:<26}"
                      f"{at.power:<8.3f}{plain:<8.3f}{plain - at.power:<8.3f}{null.seeds.mean():<15.1f}"
                      f"{at.seeds.mean():<9.1f}{double.seeds.mean():<11.1f}{most:<7}{share:<9.2f}")
        print(f"  (margin = {effect:.3f} SD: the fixed design with {most} seeds per arm has 80% power there)")
    print(f"done in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
