"""Omnibus tests over three or more arms: Welch's ANOVA and Kruskal-Wallis."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from hypolab.records import KruskalWallis, OmnibusTests, WelchAnova
from hypolab.stats.values import as_sample, finite_or_none


def welch_anova(samples: Sequence[Sequence[float]]) -> WelchAnova:
    """Welch's heteroscedastic one-way ANOVA (R ``oneway.test(var.equal = FALSE)``).

    With ``w_i = n_i / s_i^2`` and the weighted mean ``m_w``:
    ``F = [sum w_i (m_i - m_w)^2 / (k - 1)] / [1 + 2 (k - 2) h / (k^2 - 1)]``,
    ``h = sum (1 - w_i / sum w)^2 / (n_i - 1)``, on ``k - 1`` and
    ``(k^2 - 1) / (3 h)`` df. Reference: Welch (1951).

    Args:
        samples: per-seed values of each arm, each n >= 2.

    Returns:
        A ``WelchAnova``; statistic, df2 and pvalue are None where an arm has
        zero variance.
    """
    arrays = [as_sample(s, "arm") for s in samples]
    k = len(arrays)
    n = np.array([a.size for a in arrays], dtype=np.float64)
    means = np.array([a.mean() for a in arrays])
    variances = np.array([np.var(a, ddof=1) for a in arrays])
    if np.any(variances == 0):
        return WelchAnova(statistic=None, df1=float(k - 1), df2=None, pvalue=None)
    w = n / variances
    weighted_mean = np.sum(w * means) / np.sum(w)
    a = np.sum(w * (means - weighted_mean) ** 2) / (k - 1)
    h = np.sum((1 - w / np.sum(w)) ** 2 / (n - 1)) / (k**2 - 1)
    f = a / (1 + 2 * (k - 2) * h)
    df2 = 1 / (3 * h)
    return WelchAnova(statistic=float(f), df1=float(k - 1), df2=float(df2),
                      pvalue=finite_or_none(stats.f.sf(f, k - 1, df2)))


def kruskal_wallis(samples: Sequence[Sequence[float]]) -> KruskalWallis:
    """Kruskal-Wallis H test with the tie correction (R ``kruskal.test``).

    Args:
        samples: per-seed values of each arm.

    Returns:
        A ``KruskalWallis``; statistic and pvalue are None where every value
        is the same.
    """
    arrays = [as_sample(s, "arm") for s in samples]
    pooled = np.concatenate(arrays)
    if np.all(pooled == pooled[0]):
        return KruskalWallis(statistic=None, df=float(len(arrays) - 1), pvalue=None)
    result = stats.kruskal(*arrays)
    return KruskalWallis(statistic=float(result.statistic), df=float(len(arrays) - 1),
                         pvalue=finite_or_none(result.pvalue))


def omnibus(names: Sequence[str], samples: Sequence[Sequence[float]]) -> OmnibusTests:
    """Both omnibus tests for three or more arms.

    Args:
        names: the arm names, in order.
        samples: per-seed values of each arm.

    Returns:
        An ``OmnibusTests`` naming the arms, with both tests.
    """
    return OmnibusTests(arms=tuple(names), welch_anova=welch_anova(samples),
                        kruskal_wallis=kruskal_wallis(samples))
