"""Permutation tests of the mean difference: exact when feasible, else seeded.

Independent arms: the null distribution of ``mean(t) - mean(c)`` over all
ways to split the pooled values into groups of ``n_t`` and ``n_c``. Paired by
seed: the null distribution of ``mean(d)`` over all sign flips of ``d``.
When the number of rearrangements is at most ``max_exact`` every one is
enumerated and ``p = #(stat >= observed) / #rearrangements``; otherwise
``n_resamples`` random rearrangements give ``p = (#(stat >= observed) + 1) /
(n_resamples + 1)`` (Phipson & Smyth 2010), which is never below the true
p-value's resolution and never zero. Two-sided p-values double the smaller
one-sided p-value (capped at 1), as ``scipy.stats.permutation_test`` does.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import numpy as np

from hypolab.records import TestResult
from hypolab.stats.chunks import row_chunks
from hypolab.stats.values import RTOL, as_sample

MAX_EXACT = 200_000
N_RESAMPLES = 9_999


@functools.lru_cache(maxsize=8)
def _splits(n: int, k: int) -> np.ndarray:
    """Every k-subset of range(n) as rows of an index array (cached: the costly part)."""
    count = math.comb(n, k)
    index = np.fromiter(itertools.chain.from_iterable(itertools.combinations(range(n), k)),
                        dtype=np.uint8 if n <= 255 else np.intp, count=count * k)
    index = index.reshape(count, k)
    index.flags.writeable = False
    return index


def _pvalues(null: np.ndarray, observed: float, scale: float, exact: bool) -> dict[str, float]:
    # Sums of the same values taken in a different order can differ in the last
    # bits; without a tolerance a tie with the observed value would not count.
    # The tolerance is relative (values.RTOL of the summed magnitudes), so
    # arms that differ by float rounding only tie, whatever the metric's scale.
    tol = RTOL * scale
    greater = np.count_nonzero(null >= observed - tol)
    less = np.count_nonzero(null <= observed + tol)
    if exact:
        total = null.size
        p_g, p_l = greater / total, less / total
    else:
        total = null.size + 1
        p_g, p_l = (greater + 1) / total, (less + 1) / total
    return {"greater": float(p_g), "less": float(p_l),
            "two-sided": float(min(1.0, 2 * min(p_g, p_l)))}


def permutation_pvalues(
    treatment: Sequence[float],
    control: Sequence[float],
    *,
    paired: bool = False,
    rng: np.random.Generator | int | None = 0,
    max_exact: int = MAX_EXACT,
    n_resamples: int = N_RESAMPLES,
) -> tuple[float, dict[str, float], str]:
    """The observed difference and the p-value of every alternative.

    Args:
        treatment, control: per-seed values (aligned by seed where ``paired``).
        paired: flip the signs of per-seed differences instead of regrouping.
        rng: seed or generator for the random rearrangements.
        max_exact: enumerate every rearrangement up to this many.
        n_resamples: random rearrangements otherwise.

    Returns:
        ``(difference, {"two-sided": p, "greater": p, "less": p}, method)``.
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    rng = np.random.default_rng(rng)
    if paired:
        if t.size != c.size:
            raise ValueError(f"paired values need equal lengths. Got {t.size} and {c.size}.")
        d = t - c
        n = d.size
        observed = float(d.sum())
        exact = 2**n <= max_exact
        if exact:
            signs = 1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n)) & 1)
            method = f"exact over all {2**n} sign flips"
            null = signs @ d
        else:
            null = np.concatenate([(1 - 2 * rng.integers(0, 2, size=(rows, n))) @ d
                                   for rows in row_chunks(n_resamples, n)])  # fmt: skip
            method = f"{n_resamples} random sign flips"
        scale = float(np.abs(t).sum() + np.abs(c).sum())  # the values', not the differences'
        return observed / n, _pvalues(null, observed, scale, exact), method
    pooled = np.concatenate([t, c])
    n, n_t = pooled.size, t.size
    total = pooled.sum()
    observed = float(t.sum())
    # mean(t) - mean(c) increases with sum(t) for fixed totals, so sum(t) is
    # an equivalent statistic that is cheaper to compute for every split.
    n_splits = math.comb(n, n_t)
    exact = n_splits <= max_exact
    if exact:
        null = pooled[_splits(n, n_t)].sum(axis=1)
        method = f"exact over all {n_splits} splits"
    else:
        # The n_t smallest of n iid uniform keys are a uniformly random split;
        # argpartition finds them in linear time (4x faster than shuffling).
        null = np.concatenate([pooled[rng.random((rows, n)).argpartition(n_t - 1, axis=1)[:, :n_t]].sum(axis=1)
                               for rows in row_chunks(n_resamples, n)])  # fmt: skip
        method = f"{n_resamples} random splits"
    difference = observed / n_t - (total - observed) / (n - n_t)
    return float(difference), _pvalues(null, observed, float(np.abs(pooled).sum()), exact), method


def permutation_test(
    treatment: Sequence[float],
    control: Sequence[float],
    *,
    alternative: str = "two-sided",
    paired: bool = False,
    rng: np.random.Generator | int | None = 0,
    max_exact: int = MAX_EXACT,
    n_resamples: int = N_RESAMPLES,
) -> TestResult:
    """Permutation test of the mean difference (treatment minus control).

    Args:
        treatment, control: per-seed values (aligned by seed where ``paired``).
        alternative: ``two-sided``, ``greater`` or ``less``.
        paired: sign-flip per-seed differences instead of regrouping values.
        rng: seed or generator for random rearrangements (exact needs none).
        max_exact: enumerate every rearrangement up to this many.
        n_resamples: random rearrangements otherwise.

    Returns:
        A ``TestResult`` whose statistic is the mean difference.

    Example:
        >>> permutation_test([3, 4, 5], [1, 2, 3], alternative="greater").pvalue
        0.1
    """
    difference, pvalues, method = permutation_pvalues(
        treatment, control, paired=paired, rng=rng, max_exact=max_exact,
        n_resamples=n_resamples)
    return TestResult(test="permutation", alternative=alternative, statistic=difference,
                      df=None, pvalue=pvalues[alternative], method=method,
                      estimate=difference)
