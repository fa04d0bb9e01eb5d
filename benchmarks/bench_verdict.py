"""The table of issue 12, sections 1-3 (and 6): hypolab's verdict rates against plain tests.

Every cell is a seeded simulation through ``hypolab.stats.analyze`` (2,000
replicates by default), printed as hypolab's rate with its 95% Clopper-Pearson
interval, the plain test's rate and the target ("ok" compares the rate itself).
An error-rate cell whose rate at the first pass is above its target is not
judged on that pass: at 2,000 replicates one standard error is 0.5 point, so a
procedure whose true rate is 5.5% lands above 6% in about one cell in six by
chance alone. Such a cell is simulated again, independently (fresh seeds), with
``--confirm`` replicates (10,000 by default: one standard error 0.23 point),
and judged on that second estimate; both lines are printed:

1. **Error budget**: identical arms, ``direction: greater``; the share of
   replicates with any significant verdict (``supported`` or
   ``contradicted``, any treatment). Plain Welch: Welch's (paired: the paired
   t) one-sided test either way at alpha, uncorrected (the rule before issue
   12 without its panel). Target: at most alpha + 1 point.
2. **Power**: normal data, the treatment 0.5, 1 and 2 SD higher; the share
   ``supported``. Plain: the one-sided test at alpha. Target: at least the
   plain test's minus 1 point (the split must not cost power), and the
   robustness panel at most 2 points (it costs none: it never vetoes).
3. **Several treatments**: the audit's Dunnett cell (control 20 seeds SD 1,
   four treatments 5 seeds SD 3, equal means); family-wise rate of any
   significant verdict. Plain: Welch per treatment, uncorrected; and
   Dunnett's pooled test. Target: at most alpha + 1 point.
4. **seeds_needed**: running the seeds hypolab says give 80% power, with the
   true difference at the margin; the share ``supported``. Plain: the seeds
   of R's ``power.t.test`` (Student). Target: at least 80%. Then a 5-seed
   pilot: the share supported when the seeds are planned from the pilot's SD
   (plain) and from its 80% upper bound (hypolab plan's advice).
5. **Dose series**: four identical arms, ``ordered: true``; the share of a
   significant series verdict. Target: at most alpha + 1 point.

Run: ``python benchmarks/bench_verdict.py [--reps 2000]`` (about 20 minutes
on one core at 2,000 replicates).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from verdict_cases import (  # noqa: E402
    ALPHA,
    KINDS,
    RESAMPLES,
    SEEDS,
    draw_many,
    lower_limit,
    one_sided_pvalues,
    simulate,
    upper_limit,
)

from hypolab.stats import analyze  # noqa: E402
from hypolab.stats.manytoone import many_to_one  # noqa: E402
from hypolab.stats.power import sd_upper_bound, seeds_needed  # noqa: E402
from hypolab.stats.trend import jonckheere, page  # noqa: E402

TARGET = ALPHA + 0.01


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def row(label: str, ours: float, plain: float, target: str, ok: bool, reps: int) -> None:
    """One cell: the rates, hypolab's 95% Clopper-Pearson interval, the target, met or not."""
    low, high = lower_limit(ours, reps, 0.975), upper_limit(ours, reps, 0.975)
    print(f"  {label:<34} hypolab {pct(ours)} [{pct(low)}, {pct(high)}]   plain {pct(plain)}   "
          f"target {target:<10} {'ok' if ok else 'MISSED'}")


#: Independent replicates of a second pass, for error-rate cells above target at the first.
CONFIRM = 10_000
#: Seed offset of a second pass, so that it shares no draw with the first.
CONFIRM_SEED = 7_000_000


def error_cell(label: str, rate_of, seed: int, reps: int, confirm: int) -> None:
    """An error-rate cell: ``rate_of(reps, seed) -> (hypolab's rate, plain rate or None)``.

    Above the target at ``reps`` replicates, the cell is simulated again with
    ``confirm`` fresh replicates and judged on that estimate.
    """
    ours, plain = rate_of(reps, seed)
    if ours <= TARGET or confirm <= 0:
        error_row(label, ours, plain, reps, "ok" if ours <= TARGET else "MISSED")
        return
    error_row(label, ours, plain, reps, "above: simulated again")
    again, plain_again = rate_of(confirm, seed + CONFIRM_SEED)
    error_row(f"  again, {confirm} fresh replicates", again, plain_again, confirm,
              "ok" if again <= TARGET else "MISSED")


def error_row(label: str, ours: float, plain: float | None, reps: int, judged: str) -> None:
    low, high = lower_limit(ours, reps, 0.975), upper_limit(ours, reps, 0.975)
    plain_text = f"   plain {pct(plain)}" if plain is not None else ""
    print(f"  {label:<34} hypolab {pct(ours)} [{pct(low)}, {pct(high)}]{plain_text}   "
          f"target <= {pct(TARGET)}  {judged}", flush=True)


def section_errors(reps: int, confirm: int) -> None:
    print(f"1. Any significant verdict under identical arms ({reps} replicates per cell)")
    for design, treatments, paired in (("two arms", 1, False), ("paired", 1, True),
                                       ("three treatments", 3, False)):
        print(f" {design}:")
        for kind in KINDS:
            for n in SEEDS:
                def rate_of(count, seed, kind=kind, n=n, treatments=treatments, paired=paired):
                    r = simulate(kind, n, count, seed=seed, treatments=treatments, paired=paired)
                    return r.significant, r.plain_either

                error_cell(f"{kind}, {n} seeds", rate_of, 20_000 + 100 * KINDS.index(kind) + n,
                           reps, confirm)


def section_power(reps: int, confirm: int) -> None:
    print(f"2. Power of supported, normal data ({reps} replicates per cell)")
    for paired in (False, True):
        print(f" {'paired by seed' if paired else 'independent'}:")
        for shift in (0.5, 1.0, 2.0):
            for n in SEEDS:
                r = simulate("normal", n, reps, seed=int(100 * shift) + n, paired=paired,
                             shift=shift)
                row(f"{shift:g} SD, {n} seeds", r.supported, r.plain_supported,
                    f">= {pct(r.plain_supported - 0.01)}",
                    r.supported >= r.plain_supported - 0.01, reps)


def section_dunnett(reps: int, confirm: int) -> None:
    print(f"3. Several treatments: control 20 seeds SD 1, four treatments 5 seeds SD 3 ({reps})")
    def rate_of(count, seed):
        r = simulate("normal", 5, count, seed=seed, treatments=4, correction="dunnett",
                     sizes=(20, 5, 5, 5, 5), spreads=(1.0, 3.0, 3.0, 3.0, 3.0))
        return r.significant, r.plain_either

    error_cell("Welch-type many-to-one", rate_of, 9, reps, confirm)
    rng = np.random.default_rng(9)
    pooled = 0
    for _ in range(reps):
        control, treatments = rng.normal(0, 1, 20), [rng.normal(0, 3, 5) for _ in range(4)]
        pooled += any(m.pvalue("greater") < ALPHA or m.pvalue("less") < 0.005
                      for m in many_to_one(treatments, control, pooled=True))
    print(f"  {'(Dunnett pooled, same budget)':<34} {pct(pooled / reps)}")
    # What not assuming equal variances costs where they are equal: 5 seeds, 1.5 SD.
    rng = np.random.default_rng(10)
    welch_power = pooled_power = 0
    for _ in range(reps):
        control = rng.normal(0, 1, 5)
        treatments = [rng.normal(0, 1, 5) for _ in range(3)] + [rng.normal(1.5, 1, 5)]
        welch_power += many_to_one(treatments, control)[-1].pvalue("greater") < ALPHA
        pooled_power += many_to_one(treatments, control, pooled=True)[-1].pvalue("greater") < ALPHA
    print(f"  {'power, equal variances, 1.5 SD, n 5':<34} Welch-type {pct(welch_power / reps)}   "
          f"Dunnett pooled {pct(pooled_power / reps)} (test: student)")


def _supported_rate(n: int, sd: float, margin: float, reps: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for r in range(reps):
        values = {"c": rng.normal(0.0, sd, n), "t": rng.normal(margin, sd, n)}
        a = analyze(values, control="c", direction="greater", margin=margin, rng=r,
                    n_resamples=RESAMPLES)
        hits += a.comparisons[0].verdict.value == "supported"
    return hits / reps


def section_seeds(reps: int, confirm: int) -> None:
    print(f"4. Running seeds_needed seeds at the margin ({reps} replicates per cell)")
    for sd, margin in ((1.0, 1.0), (1.0, 1.5), (0.004, 0.005), (1.0, 2.0)):
        ours_n = seeds_needed(sd, margin, ALPHA, 0.8, "greater", welch=True)
        plain_n = seeds_needed(sd, margin, ALPHA, 0.8, "greater")
        ours = _supported_rate(ours_n, sd, margin, reps, seed=ours_n)
        plain = ours if plain_n == ours_n else _supported_rate(plain_n, sd, margin, reps,
                                                              seed=plain_n)
        row(f"margin {margin / sd:g} SD: {ours_n} seeds ({plain_n})", ours, plain, ">= 80.0%",
            ours >= 0.8, reps)
    rng = np.random.default_rng(11)
    pilots, hits_plain, hits_upper = 400, 0.0, 0.0
    for _ in range(pilots):
        pilot = rng.normal(0, 1, (2, 5))
        sd_hat = float(np.sqrt(pilot.var(axis=1, ddof=1).mean()))
        for kind, n in (("plain", seeds_needed(sd_hat, 1.0, ALPHA, 0.8, "greater", welch=True)),
                        ("upper", seeds_needed(sd_upper_bound(sd_hat, 8), 1.0, ALPHA, 0.8,
                                               "greater", welch=True))):
            t, c = rng.normal(1.0, 1, (2000, n)), rng.normal(0, 1, (2000, n))
            rate = float((one_sided_pvalues(t, c, False)[0] < ALPHA).mean())
            if kind == "plain":
                hits_plain += rate / pilots
            else:
                hits_upper += rate / pilots
    print(f"  {'5-seed pilot, SD as estimated':<34} mean power {pct(hits_plain)}")
    print(f"  {'5-seed pilot, SD at its 80% bound':<34} mean power {pct(hits_upper)}"
          f"   (what 'hypolab plan --store' advises)")


def section_series(reps: int, confirm: int) -> None:
    print(f"5. Flat dose series, four arms ({reps} replicates per cell)")
    for paired in (False, True):
        for kind in KINDS:
            for n in SEEDS:
                def rate_of(count, seed, kind=kind, n=n, paired=paired):
                    values = draw_many(kind, np.random.default_rng(seed), count, 4, n, paired=paired)
                    hits = 0
                    for v in values:
                        test = (page if paired else jonckheere)("abcd", list(v))
                        hits += (test.pvalue is not None and test.pvalue < ALPHA) or (
                            test.pvalue_opposite is not None and test.pvalue_opposite < 0.005)
                    return hits / count, None

                label = f"{'Page' if paired else 'Jonckheere'}, {kind}, {n} seeds"
                error_cell(label, rate_of, 300 + 100 * KINDS.index(kind) + n, reps, confirm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--confirm", type=int, default=CONFIRM,
                        help="fresh replicates for an error-rate cell above its target (0: none)")
    parser.add_argument("--only", choices=("errors", "power", "dunnett", "seeds", "series"),
                        action="append", help="run only these sections (repeatable)")
    args = parser.parse_args()
    start = time.perf_counter()
    sections = {"errors": section_errors, "power": section_power, "dunnett": section_dunnett,
                "seeds": section_seeds, "series": section_series}
    for name, section in sections.items():
        if args.only and name not in args.only:
            continue
        section(args.reps, args.confirm)
        print(f"   ({time.perf_counter() - start:.0f} s so far)", flush=True)


if __name__ == "__main__":
    main()
