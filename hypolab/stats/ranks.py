"""Rank tests as R's ``wilcox.test`` computes them, oriented treatment vs control.

Mann-Whitney U (``wilcox.test(t, c)``) and the Wilcoxon signed-rank test
(``wilcox.test(t, c, paired = TRUE)``). Following R: the exact null
distribution is used when both samples (or the non-zero differences) number
fewer than 50 and there are no ties (and, for signed ranks, no zero
differences); otherwise the normal approximation with the tie-corrected
variance and a continuity correction of 1/2 towards the null. Values closer
than ``values.tolerance`` (float rounding) count as ties, and differences
smaller than it as zero.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from hypolab.records import TestResult
from hypolab.stats.values import as_sample, tie_keys, tolerance

EXACT_BELOW = 50


def _tie_term(x: np.ndarray) -> float:
    """``sum(t^3 - t)`` over groups of tied values."""
    _, counts = np.unique(x, return_counts=True)
    return float(np.sum(counts.astype(np.float64) ** 3 - counts))


def _normal_p(z_centered: float, sigma: float, alternative: str) -> float:
    """P-value with R's continuity correction (1/2 towards the null)."""
    if alternative == "two-sided":
        correction = math.copysign(0.5, z_centered) if z_centered != 0 else 0.0
    elif alternative == "greater":
        correction = 0.5
    else:
        correction = -0.5
    z = (z_centered - correction) / sigma
    if alternative == "greater":
        return float(stats.norm.sf(z))
    if alternative == "less":
        return float(stats.norm.cdf(z))
    return float(min(1.0, 2 * min(stats.norm.cdf(z), stats.norm.sf(z))))


def mann_whitney(treatment: Sequence[float], control: Sequence[float], *,
                 alternative: str = "two-sided") -> TestResult:
    """Mann-Whitney U test; the statistic is U of the treatment (R's W).

    ``U = sum(ranks of treatment in the pooled sample) - n_t (n_t + 1) / 2``,
    the number of (treatment, control) pairs with the treatment higher, ties
    counting 1/2. Normal approximation: ``mean n_t n_c / 2``, variance
    ``n_t n_c / 12 * (N + 1 - sum(t^3 - t) / (N (N - 1)))``.
    Reference: R ``wilcox.test(t, c, exact = NULL, correct = TRUE)``.

    Args:
        treatment, control: per-seed values, shapes ``(n_t,)``, ``(n_c,)``.
        alternative: ``two-sided``, ``greater`` (treatment tends higher) or ``less``.

    Example:
        >>> mann_whitney([3, 4, 5], [1, 2, 2.5]).statistic
        9.0
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    n_t, n_c = t.size, c.size
    pooled = tie_keys(np.concatenate([t, c]), tolerance(t, c))
    ranks = stats.rankdata(pooled)
    u = float(ranks[:n_t].sum() - n_t * (n_t + 1) / 2)
    ties = _tie_term(pooled)
    if n_t < EXACT_BELOW and n_c < EXACT_BELOW and ties == 0:
        p = _exact_p(rank_sum_counts(min(n_t, n_c), n_t + n_c), round(u), alternative)
        return TestResult(test="mannwhitney", alternative=alternative, statistic=u, df=None,
                          pvalue=p, method="exact")
    n = n_t + n_c
    sigma = math.sqrt(n_t * n_c / 12 * ((n + 1) - ties / (n * (n - 1))))
    method = "normal approximation with continuity correction"
    if sigma == 0:
        return TestResult(test="mannwhitney", alternative=alternative, statistic=u, df=None,
                          pvalue=None, method=method,
                          note="every value is the same, so the test is undefined")
    p = _normal_p(u - n_t * n_c / 2, sigma, alternative)
    return TestResult(test="mannwhitney", alternative=alternative, statistic=u, df=None,
                      pvalue=p, method=method)


@functools.lru_cache(maxsize=64)
def rank_sum_counts(k: int, n: int) -> np.ndarray:
    """Counts of U = 0..k(n-k) over all k-subsets of n untied ranks (exact null of U)."""
    # counts[j, s]: subsets of size j of the ranks seen so far with sum of
    # (rank - position) s; adding rank r to a j-subset adds r - j - 1 to U.
    m = n - k
    counts = np.zeros((k + 1, k * m + 1), dtype=np.float64)
    counts[0, 0] = 1.0
    for r in range(1, n + 1):
        for j in range(min(k, r), 0, -1):
            shift = r - j
            if shift > m:
                continue
            counts[j, shift:] += counts[j - 1, : k * m + 1 - shift]
    out = counts[k]
    out.flags.writeable = False
    return out


def _exact_p(counts: np.ndarray, statistic: int, alternative: str) -> float:
    """P-value of an integer statistic from its exact null counts (R's rule)."""
    total = counts.sum()
    p_less = counts[: statistic + 1].sum() / total
    p_greater = counts[statistic:].sum() / total
    return float({"greater": p_greater, "less": p_less,
                  "two-sided": min(1.0, 2 * min(p_less, p_greater))}[alternative])


@functools.lru_cache(maxsize=64)
def _signrank_counts(n: int) -> np.ndarray:
    """Number of subsets of {1..n} with each sum 0..n(n+1)/2 (exact null of V)."""
    counts = np.zeros(n * (n + 1) // 2 + 1, dtype=np.float64)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    counts.flags.writeable = False
    return counts


def wilcoxon_signed_rank(treatment: Sequence[float], control: Sequence[float], *,
                         alternative: str = "two-sided") -> TestResult:
    """Wilcoxon signed-rank test on ``d = treatment - control`` (paired by seed).

    ``V`` is the sum of the ranks of ``|d|`` over positive ``d``; zero
    differences are dropped (R's default). Normal approximation: mean
    ``n(n+1)/4``, variance ``n(n+1)(2n+1)/24 - sum(t^3 - t)/48``.
    Reference: R ``wilcox.test(t, c, paired = TRUE)``.

    Args:
        treatment, control: values aligned by seed, same length.
        alternative: ``two-sided``, ``greater`` or ``less``.
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    if t.size != c.size:
        raise ValueError(f"paired values need equal lengths. Got {t.size} and {c.size}.")
    tol = tolerance(t, c)
    d = t - c
    nonzero = np.abs(d) > tol
    zeros = not bool(np.all(nonzero))
    d = d[nonzero]
    n = d.size
    if n == 0:
        return TestResult(test="wilcoxon", alternative=alternative, statistic=0.0, df=None,
                          pvalue=None, method="",
                          note="every per-seed difference is zero, so the test is undefined")
    magnitudes = tie_keys(np.abs(d), tol)
    ranks = stats.rankdata(magnitudes)
    v = float(ranks[d > 0].sum())
    ties = _tie_term(magnitudes)
    if n < EXACT_BELOW and ties == 0 and not zeros:
        p = _exact_p(_signrank_counts(n), round(v), alternative)
        return TestResult(test="wilcoxon", alternative=alternative, statistic=v, df=None,
                          pvalue=p, method="exact")
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - ties / 48)
    p = _normal_p(v - n * (n + 1) / 4, sigma, alternative)
    return TestResult(test="wilcoxon", alternative=alternative, statistic=v, df=None,
                      pvalue=p, method="normal approximation with continuity correction")
