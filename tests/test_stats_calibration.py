"""Calibration by simulation: identical arms, 5 / 10 / 20 seeds, three kinds of data.

Each check compares a rate over seeded repetitions with the binomial 99%
interval around what the method promises: the test's size for rejections
(alpha for t-tests; the exact attainable size for discrete exact tests on
untied data, which sits just below alpha), the nominal level for coverage.
On accuracy-like data with many ties, rank and permutation tests are
conservative by construction, and t-tests are conservative on skewed data, so
only the upper limit (never anticonservative) is checked there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hypolab.stats import analyze
from hypolab.stats.describe import describe
from hypolab.stats.effsize import hedges_g, prob_superiority_ci
from hypolab.stats.permutation import permutation_pvalues
from hypolab.stats.ranks import mann_whitney, wilcoxon_signed_rank
from hypolab.stats.ttests import paired_t, student, welch

ALPHA = 0.05
REPS = 2000
RESAMPLES = 199  # p = (k + 1) / 200 keeps the random permutation test's size exactly 0.05
MAX_EXACT = 300  # exact enumeration at n = 5 (252 splits, 32 sign flips), random above


def draw(kind: str, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Accuracy-like values: normal, left-skewed (occasional bad runs), or tied."""
    if kind == "normal":
        return rng.normal(0.9, 0.01, size=shape)
    if kind == "skewed":
        return 0.95 - 0.01 * rng.lognormal(0.0, 1.0, size=shape)
    # test accuracy on 200 examples: multiples of 0.005, many ties
    return rng.binomial(200, 0.9, size=shape) / 200


TRUE_MEAN = {"normal": 0.9, "skewed": 0.95 - 0.01 * math.exp(0.5), "ties": 0.9}


def interval(rate: float, reps: int = REPS) -> tuple[float, float]:
    low, high = stats.binom.interval(0.99, reps, rate)
    return low / reps, high / reps


def rank_sum_size(n: int) -> float:
    """Exact size of the one-sided exact Mann-Whitney test, n vs n, at ALPHA."""
    counts = np.zeros((n + 1, n * n + 1))
    counts[0, 0] = 1
    for r in range(1, 2 * n + 1):
        for j in range(min(n, r), 0, -1):
            shift = r - j
            if shift <= n:
                counts[j, shift:] += counts[j - 1, : n * n + 1 - shift]
    pmf = counts[n] / counts[n].sum()
    upper = np.cumsum(pmf[::-1])[::-1]  # P(U >= u)
    return float(pmf[upper <= ALPHA].sum())


def signed_rank_size(n: int) -> float:
    """Exact size of the one-sided exact signed-rank test with n pairs at ALPHA."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    pmf = counts / counts.sum()
    upper = np.cumsum(pmf[::-1])[::-1]
    return float(pmf[upper <= ALPHA].sum())


def permutation_size(count: int) -> float:
    """Size of the exact (count rearrangements) or random (RESAMPLES) test."""
    if count > MAX_EXACT:
        return math.floor(ALPHA * (RESAMPLES + 1)) / (RESAMPLES + 1)
    return math.floor(ALPHA * count) / count


GRID = [(kind, n) for kind in ("normal", "skewed", "ties") for n in (5, 10, 20)]
IDS = [f"{kind}-n{n}" for kind, n in GRID]


@pytest.mark.parametrize(("kind", "n"), GRID, ids=IDS)
def test_identical_arms_are_rejected_at_the_tests_size(kind, n):
    rng = np.random.default_rng(1000 + n)
    data = draw(kind, rng, (REPS, 2, n))
    rejections = dict.fromkeys(
        ("welch", "student", "paired_t", "mannwhitney", "wilcoxon", "permutation",
         "sign_flip"), 0)
    for t, c in data:
        rejections["welch"] += welch(t, c, alternative="greater").pvalue < ALPHA
        rejections["student"] += student(t, c, alternative="greater").pvalue < ALPHA
        rejections["paired_t"] += paired_t(t, c, alternative="greater").pvalue < ALPHA
        rejections["mannwhitney"] += (mann_whitney(t, c, alternative="greater").pvalue
                                      <= ALPHA)
        p = wilcoxon_signed_rank(t, c, alternative="greater").pvalue
        rejections["wilcoxon"] += p is not None and p <= ALPHA
        rejections["permutation"] += permutation_pvalues(
            t, c, rng=rng, max_exact=MAX_EXACT, n_resamples=RESAMPLES)[1]["greater"] <= ALPHA
        rejections["sign_flip"] += permutation_pvalues(
            t, c, paired=True, rng=rng, max_exact=MAX_EXACT,
            n_resamples=RESAMPLES)[1]["greater"] <= ALPHA
    size = {"welch": ALPHA, "student": ALPHA, "paired_t": ALPHA,
            "mannwhitney": rank_sum_size(n), "wilcoxon": signed_rank_size(n),
            "permutation": permutation_size(math.comb(2 * n, n)),
            "sign_flip": permutation_size(2**n)}
    discrete = ("mannwhitney", "wilcoxon", "permutation", "sign_flip")
    for test, count in rejections.items():
        rate = count / REPS
        low, high = interval(size[test])
        if kind == "ties" and test in discrete:
            # Ties make these tests conservative: only the upper limit applies.
            low, high = 0.0, interval(ALPHA)[1]
        if kind == "skewed" and test not in discrete:
            # t-tests are conservative on skewed data (the SD grows with the
            # difference); exact tests stay exact. Only the upper limit applies.
            low = 0.0
        assert low <= rate <= high, f"{test}: rejected {rate:.4f}, expected {low:.4f}-{high:.4f}"


@pytest.mark.parametrize(("kind", "n"), GRID, ids=IDS)
def test_intervals_cover_at_their_nominal_level(kind, n):
    rng = np.random.default_rng(2000 + n)
    data = draw(kind, rng, (REPS, 2, n))
    covered = dict.fromkeys(("mean", "difference", "hedges_g", "prob_superiority"), 0)
    for t, c in data:
        arm = describe("t", t, alpha=ALPHA)
        covered["mean"] += arm.ci_low <= TRUE_MEAN[kind] <= arm.ci_high
        result = welch(t, c, alpha=ALPHA)
        covered["difference"] += result.ci_low <= 0 <= result.ci_high
        g = hedges_g(t, c, alpha=ALPHA)
        covered["hedges_g"] += g is None or g[1][0] <= 0 <= g[1][1]
        low, high = prob_superiority_ci(t, c, alpha=ALPHA)
        covered["prob_superiority"] += low <= 0.5 <= high
    checks = ["difference", "prob_superiority"]
    if kind != "skewed":
        # The t interval of one skewed arm's mean undercovers at small n (a
        # property of the data, not the code); Hedges' g's CI is exact under
        # normality only.
        checks.append("mean")
    if kind == "normal":
        checks.append("hedges_g")
    for name in checks:
        rate = covered[name] / REPS
        low, high = interval(1 - ALPHA)
        if name == "prob_superiority" or (kind == "skewed" and name == "difference"):
            # Newcombe's interval is mildly conservative, and so is the t
            # interval of a difference on skewed data: only the lower limit.
            high = 1.0
        assert low <= rate <= high, f"{name}: covered {rate:.4f}, expected {low:.4f}-{high:.4f}"


VERDICT_REPS = 400


@pytest.mark.parametrize(("kind", "n"), [("normal", 5), ("ties", 5), ("skewed", 20),
                                         ("ties", 20)],
                         ids=["normal-n5", "ties-n5", "skewed-n20", "ties-n20"])
@pytest.mark.parametrize("pairing", ["independent", "seed"])
def test_verdict_calls_identical_arms_supported_no_more_often_than_alpha(kind, n, pairing):
    rng = np.random.default_rng(3000 + n)
    data = draw(kind, rng, (VERDICT_REPS, 2, n))
    verdicts = []
    for i, (t, c) in enumerate(data):
        analysis = analyze({"control": c, "treatment": t}, control="control",
                           direction="greater", margin=0.01, pairing=pairing,
                           rng=i, n_resamples=RESAMPLES)
        verdicts.append(analysis.comparisons[0].verdict.value)
    high = interval(ALPHA, VERDICT_REPS)[1]
    assert verdicts.count("supported") / VERDICT_REPS <= high
    assert verdicts.count("contradicted") / VERDICT_REPS <= high
