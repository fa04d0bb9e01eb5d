"""Omnibus tests over three or more arms: Welch's ANOVA and Kruskal-Wallis."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from hypolab.stats.values import as_sample, finite_or_none


def welch_anova(samples: Sequence[Sequence[float]]) -> dict[str, float | None]:
    """Welch's heteroscedastic one-way ANOVA (R ``oneway.test(var.equal = FALSE)``).

    With ``w_i = n_i / s_i^2`` and the weighted mean ``m_w``:
    ``F = [sum w_i (m_i - m_w)^2 / (k - 1)] / [1 + 2 (k - 2) h / (k^2 - 1)]``,
    ``h = sum (1 - w_i / sum w)^2 / (n_i - 1)``, on ``k - 1`` and
    ``(k^2 - 1) / (3 h)`` df. Reference: Welch (1951).

    Args:
        samples: per-seed values of each arm, each n >= 2.

    Returns:
        ``{"test": "welch_anova", "statistic", "df1", "df2", "pvalue"}``;
        the numbers are None where an arm has zero variance.
    """
    arrays = [as_sample(s, "arm") for s in samples]
    k = len(arrays)
    n = np.array([a.size for a in arrays], dtype=np.float64)
    means = np.array([a.mean() for a in arrays])
    variances = np.array([np.var(a, ddof=1) for a in arrays])
    out: dict[str, float | None] = {"test": "welch_anova", "statistic": None,
                                    "df1": float(k - 1), "df2": None, "pvalue": None}
    if np.any(variances == 0):
        return out
    w = n / variances
    weighted_mean = np.sum(w * means) / np.sum(w)
    a = np.sum(w * (means - weighted_mean) ** 2) / (k - 1)
    h = np.sum((1 - w / np.sum(w)) ** 2 / (n - 1)) / (k**2 - 1)
    f = a / (1 + 2 * (k - 2) * h)
    df2 = 1 / (3 * h)
    out.update(statistic=float(f), df2=float(df2),
               pvalue=finite_or_none(stats.f.sf(f, k - 1, df2)))
    return out


def kruskal_wallis(samples: Sequence[Sequence[float]]) -> dict[str, float | None]:
    """Kruskal-Wallis H test with the tie correction (R ``kruskal.test``).

    Args:
        samples: per-seed values of each arm.

    Returns:
        ``{"test": "kruskal_wallis", "statistic", "df", "pvalue"}``; None
        numbers where every value is the same.
    """
    arrays = [as_sample(s, "arm") for s in samples]
    pooled = np.concatenate(arrays)
    if np.all(pooled == pooled[0]):
        return {"test": "kruskal_wallis", "statistic": None,
                "df": float(len(arrays) - 1), "pvalue": None}
    result = stats.kruskal(*arrays)
    return {"test": "kruskal_wallis", "statistic": float(result.statistic),
            "df": float(len(arrays) - 1), "pvalue": finite_or_none(result.pvalue)}


def omnibus(names: Sequence[str], samples: Sequence[Sequence[float]]) -> dict:
    """Both omnibus tests for three or more arms, as one JSON-ready dict.

    Args:
        names: the arm names, in order.
        samples: per-seed values of each arm.

    Returns:
        ``{"arms": [...], "welch_anova": {...}, "kruskal_wallis": {...}}``.
    """
    return {"arms": list(names), "welch_anova": welch_anova(samples),
            "kruskal_wallis": kruskal_wallis(samples)}
