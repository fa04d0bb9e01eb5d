"""Effect sizes of treatment against control, with confidence intervals.

- Hedges' g: the standardised mean difference with the exact small-sample
  factor ``J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))`` (Hedges 1981), CI by
  inverting the noncentral t distribution (Steiger & Fouladi 1997).
- Cliff's delta: ``P(T > C) - P(T < C)`` over all pairs (Cliff 1993).
- Probability of superiority ``A = P(T > C) + P(T = C) / 2`` (Vargha & Delaney
  2000; ``U / (n_t n_c)``), CI by Newcombe's (2006) method 5, a score-type
  interval that stays inside [0, 1] and is not degenerate at A = 0 or 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import optimize, special, stats

from hypolab.stats.values import as_sample


def pooled_sd(treatment: Sequence[float], control: Sequence[float]) -> float:
    """``sqrt(((n_t-1) s_t^2 + (n_c-1) s_c^2) / (n_t + n_c - 2))``."""
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    df = t.size + c.size - 2
    return math.sqrt(((t.size - 1) * np.var(t, ddof=1) + (c.size - 1) * np.var(c, ddof=1)) / df)


def hedges_correction(df: float) -> float:
    """Hedges' exact bias factor ``J(df)``; about ``1 - 3 / (4 df - 1)``."""
    return float(math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2))
                 / math.sqrt(df / 2))


def hedges_g(treatment: Sequence[float], control: Sequence[float], *,
             alpha: float = 0.05) -> tuple[float, tuple[float, float]] | None:
    """Hedges' g of treatment minus control and its ``1 - alpha`` CI.

    ``d = (mean_t - mean_c) / s_p``, ``g = J(n_t + n_c - 2) d``. The CI finds the
    noncentrality parameters ``ncp`` for which the observed
    ``t = d / sqrt(1/n_t + 1/n_c)`` is the ``1 - alpha/2`` and ``alpha/2``
    quantile of ``nct(df, ncp)`` and scales them back the same way.

    Args:
        treatment, control: per-seed values, n >= 2 each.
        alpha: the CI has level ``1 - alpha``.

    Returns:
        ``(g, (low, high))``, or None where the pooled SD is 0.

    Example:
        >>> round(hedges_g([3, 4, 5], [1, 2, 3])[0], 4)  # d = 2, J(4) = 0.7979
        1.5958
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    sd = pooled_sd(t, c)
    if sd == 0:
        return None
    df = t.size + c.size - 2
    scale = math.sqrt(1 / t.size + 1 / c.size)
    d = float(t.mean() - c.mean()) / sd
    j = hedges_correction(df)
    t_obs = d / scale

    def ncp_for(prob: float) -> float:
        def gap(ncp: float) -> float:
            cdf = float(special.nctdtr(df, ncp, t_obs))
            if math.isnan(cdf):
                # The noncentral t CDF gives NaN far in the tails, where it is 0 or 1.
                cdf = 1.0 if ncp < t_obs else 0.0
            return cdf - prob

        width = 3 + abs(t_obs) / math.sqrt(df)
        low, high = t_obs - width, t_obs + width
        while gap(low) < 0:
            low -= width
        while gap(high) > 0:
            high += width
        return float(optimize.brentq(gap, low, high, xtol=1e-12, rtol=1e-12))

    low = ncp_for(1 - alpha / 2) * scale * j
    high = ncp_for(alpha / 2) * scale * j
    return j * d, (low, high)


def dominance(treatment: Sequence[float], control: Sequence[float]) -> tuple[float, float, float]:
    """``(P(T > C), P(T < C), P(T = C))`` over all ``n_t n_c`` pairs.

    Counted by sorting the control, in ``O((n_t + n_c) log n_c)`` time and
    linear memory (the counts, so the shares, are exactly the pairwise ones).
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    ordered = np.sort(c)
    below = np.searchsorted(ordered, t, side="left")  # controls under each treatment value
    not_above = np.searchsorted(ordered, t, side="right")
    pairs = t.size * c.size
    greater = int(below.sum())
    less = int((c.size - not_above).sum())
    return greater / pairs, less / pairs, (pairs - greater - less) / pairs


def cliffs_delta(treatment: Sequence[float], control: Sequence[float]) -> float:
    """Cliff's delta ``P(T > C) - P(T < C)``, in [-1, 1].

    Example:
        >>> cliffs_delta([3, 4, 5], [1, 2, 3])
        0.8888888888888888
    """
    greater, less, _ = dominance(treatment, control)
    return float(greater - less)


def prob_superiority(treatment: Sequence[float], control: Sequence[float]) -> float:
    """``P(T > C) + P(T = C) / 2`` (equals ``U_t / (n_t n_c)`` and ``(1 + delta) / 2``)."""
    greater, _, ties = dominance(treatment, control)
    return float(greater + ties / 2)


def _newcombe_variance(a: float, n_t: int, n_c: int) -> float:
    # Hanley-McNeil variance with Q1 = A/(2-A), Q2 = 2A^2/(1+A), both n - 1
    # replaced by N* - 1, N* = (n_t + n_c)/2 (Newcombe 2006, method 5).
    n_star = (n_t + n_c) / 2
    return a * (1 - a) / (n_t * n_c) * (
        1 + (n_star - 1) * (1 - a) / (2 - a) + (n_star - 1) * a / (1 + a))


def prob_superiority_ci(treatment: Sequence[float], control: Sequence[float], *,
                        alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's method-5 ``1 - alpha`` CI of the probability of superiority.

    The limits are the solutions ``A`` of ``(A - A_hat)^2 = z^2 V(A)`` on each side
    of ``A_hat``, ``V(A) = A (1 - A) / (n_t n_c) * (1 + (N* - 1)(1 - A)/(2 - A) +
    (N* - 1) A / (1 + A))``, ``N* = (n_t + n_c) / 2``, ``z = Phi^-1(1 - alpha/2)``.

    Args:
        treatment, control: per-seed values.
        alpha: the CI has level ``1 - alpha``.

    Returns:
        ``(low, high)`` within [0, 1].
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    a_hat = prob_superiority(t, c)
    z = float(stats.norm.ppf(1 - alpha / 2))

    def gap(a: float) -> float:
        return (a - a_hat) ** 2 - z**2 * _newcombe_variance(a, t.size, c.size)

    # V(A) vanishes at 0 and 1, so at A_hat = 1 (or 0) the root at A_hat itself
    # is excluded by bracketing just inside it.
    inner = 1e-10
    low = 0.0 if a_hat <= 0 or gap(0.0) <= 0 else float(optimize.brentq(
        gap, 0.0, a_hat if a_hat < 1 else 1 - inner, xtol=1e-14, rtol=1e-14))
    high = 1.0 if a_hat >= 1 or gap(1.0) <= 0 else float(optimize.brentq(
        gap, a_hat if a_hat > 0 else inner, 1.0, xtol=1e-14, rtol=1e-14))
    return low, high
