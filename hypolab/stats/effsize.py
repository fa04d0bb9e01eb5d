"""Effect sizes of treatment against control, with confidence intervals.

- Hedges' g: the standardised mean difference with the exact small-sample
  factor ``J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))`` (Hedges 1981). Its
  CI is the interval of the population effect ``delta`` found by inverting
  the noncentral t distribution (Steiger & Fouladi 1997), exact under
  normality; J corrects the point estimate only (applied to the limits it
  would shrink an exact interval, which then undercovers). Paired by seed:
  the same g (the pooled SD of the two arms), with the interval of Algina &
  Keselman (2003) from the paired t.
- Cliff's delta: ``P(T > C) - P(T < C)`` over all pairs (Cliff 1993).
- Probability of superiority ``A = P(T > C) + P(T = C) / 2`` (Vargha & Delaney
  2000; ``U / (n_t n_c)``), CI by Newcombe's (2006) method 5, a score-type
  interval that stays inside [0, 1] and is not degenerate at A = 0 or 1.
  Paired by seed, both are taken within seeds (``PS_dep``, Grissom & Kim
  2012: the share of seeds on which the treatment beats the control, ties
  counting 1/2), with the Clopper-Pearson interval over the pairs.

Values closer than ``values.tolerance`` count as ties, and a spread below it
as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import optimize, special, stats

from hypolab.stats.values import as_sample, spread, tolerance


def pooled_sd(treatment: Sequence[float], control: Sequence[float]) -> float:
    """``sqrt(((n_t-1) s_t^2 + (n_c-1) s_c^2) / (n_t + n_c - 2))`` (0 for constant arms)."""
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    tol = tolerance(t, c)
    df = t.size + c.size - 2
    return math.sqrt(((t.size - 1) * spread(t, tol) + (c.size - 1) * spread(c, tol)) / df)


def hedges_correction(df: float) -> float:
    """Hedges' exact bias factor ``J(df)``; about ``1 - 3 / (4 df - 1)``."""
    return float(math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2))
                 / math.sqrt(df / 2))


def noncentrality_interval(t_obs: float, df: float, alpha: float) -> tuple[float, float]:
    """The noncentrality parameters for which ``t_obs`` is the ``1 - alpha/2`` and ``alpha/2`` quantile.

    The two-sided ``1 - alpha`` interval of the noncentrality parameter of
    ``nct(df, ncp)`` given one observed t (R: ``uniroot(function(ncp)
    pt(t_obs, df, ncp) - p, ...)``).
    """
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

    return ncp_for(1 - alpha / 2), ncp_for(alpha / 2)


def hedges_g(treatment: Sequence[float], control: Sequence[float], *,
             alpha: float = 0.05, paired: bool = False) -> tuple[float, tuple[float, float]] | None:
    """Hedges' g of treatment minus control and the ``1 - alpha`` CI of the effect.

    ``d = (mean_t - mean_c) / s_p``, ``g = J(n_t + n_c - 2) d``. Independent
    arms: the CI finds the noncentrality parameters ``ncp`` for which the
    observed ``t = d / sqrt(1/n_t + 1/n_c)`` is the ``1 - alpha/2`` and
    ``alpha/2`` quantile of ``nct(n_t + n_c - 2, ncp)`` and scales them back,
    ``ncp sqrt(1/n_t + 1/n_c)``. Paired (values aligned by seed): the paired
    ``t = mean(D) / (s_D / sqrt(n))`` on ``n - 1`` df gives the ncp interval,
    scaled back by ``s_D / (sqrt(n) s_p)`` (Algina & Keselman 2003).

    Args:
        treatment, control: per-seed values, n >= 2 each (aligned by seed where paired).
        alpha: the CI has level ``1 - alpha``.
        paired: the arms are paired by seed.

    Returns:
        ``(g, (low, high))``, or None where the pooled SD (paired: also the SD
        of the differences) is 0.

    Example:
        >>> round(hedges_g([3, 4, 5], [1, 2, 3])[0], 4)  # d = 2, J(4) = 0.7979
        1.5958
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    sd = pooled_sd(t, c)
    tol = tolerance(t, c)
    if sd <= tol:
        return None
    df = t.size + c.size - 2
    d = float(t.mean() - c.mean()) / sd
    g = hedges_correction(df) * d
    if paired:
        diff = t - c
        sd_d = math.sqrt(spread(diff, tol))
        if sd_d <= tol:
            return None
        n = diff.size
        low, high = noncentrality_interval(float(diff.mean()) / (sd_d / math.sqrt(n)), n - 1,
                                           alpha)
        scale = sd_d / (math.sqrt(n) * sd)
        return g, (low * scale, high * scale)
    scale = math.sqrt(1 / t.size + 1 / c.size)
    low, high = noncentrality_interval(d / scale, df, alpha)
    return g, (low * scale, high * scale)


def dominance(treatment: Sequence[float], control: Sequence[float], *,
              paired: bool = False) -> tuple[float, float, float]:
    """``(P(T > C), P(T < C), P(T = C))`` over all ``n_t n_c`` pairs (paired: within seeds).

    Differences within the relative tolerance (``values.tolerance``) are ties.
    Unpaired pairs are counted by sorting the control, in ``O((n_t + n_c) log
    n_c)`` time and linear memory (the counts, so the shares, are exactly the
    pairwise ones).
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    tol = tolerance(t, c)
    if paired:
        diff = t - c
        pairs = diff.size
        return (np.count_nonzero(diff > tol) / pairs, np.count_nonzero(diff < -tol) / pairs,
                np.count_nonzero(np.abs(diff) <= tol) / pairs)
    ordered = np.sort(c)
    pairs = t.size * c.size
    greater = int(np.searchsorted(ordered, t - tol, side="left").sum())  # controls below t - tol
    less = int((c.size - np.searchsorted(ordered, t + tol, side="right")).sum())  # controls above t + tol
    return greater / pairs, less / pairs, (pairs - greater - less) / pairs


def cliffs_delta(treatment: Sequence[float], control: Sequence[float], *,
                 paired: bool = False) -> float:
    """Cliff's delta ``P(T > C) - P(T < C)``, in [-1, 1] (paired: within seeds).

    Example:
        >>> cliffs_delta([3, 4, 5], [1, 2, 3])
        0.8888888888888888
    """
    greater, less, _ = dominance(treatment, control, paired=paired)
    return float(greater - less)


def prob_superiority(treatment: Sequence[float], control: Sequence[float], *,
                     paired: bool = False) -> float:
    """``P(T > C) + P(T = C) / 2`` (equals ``U_t / (n_t n_c)`` and ``(1 + delta) / 2``).

    Paired by seed: the share of seeds on which the treatment is higher,
    ties counting 1/2.
    """
    greater, _, ties = dominance(treatment, control, paired=paired)
    return float(greater + ties / 2)


def _newcombe_variance(a: float, n_t: int, n_c: int) -> float:
    # Hanley-McNeil variance with Q1 = A/(2-A), Q2 = 2A^2/(1+A), both n - 1
    # replaced by N* - 1, N* = (n_t + n_c)/2 (Newcombe 2006, method 5).
    n_star = (n_t + n_c) / 2
    return a * (1 - a) / (n_t * n_c) * (
        1 + (n_star - 1) * (1 - a) / (2 - a) + (n_star - 1) * a / (1 + a))


def prob_superiority_ci(treatment: Sequence[float], control: Sequence[float], *,
                        alpha: float = 0.05, paired: bool = False) -> tuple[float, float]:
    """The ``1 - alpha`` CI of the probability of superiority, inside [0, 1].

    Independent arms: Newcombe's method 5, the solutions ``A`` of ``(A -
    A_hat)^2 = z^2 V(A)`` on each side of ``A_hat``, ``V(A) = A (1 - A) /
    (n_t n_c) * (1 + (N* - 1)(1 - A)/(2 - A) + (N* - 1) A / (1 + A))``,
    ``N* = (n_t + n_c) / 2``, ``z = Phi^-1(1 - alpha/2)``.
    Paired: the Clopper-Pearson interval of ``x = wins + ties / 2`` of ``n``
    seeds, ``[Beta(alpha/2; x, n - x + 1), Beta(1 - alpha/2; x + 1, n - x)]``
    (R: ``binom.test(x, n)$conf.int`` for whole x; ties make it conservative).

    Args:
        treatment, control: per-seed values (aligned by seed where paired).
        alpha: the CI has level ``1 - alpha``.
        paired: the arms are paired by seed.

    Returns:
        ``(low, high)`` within [0, 1].
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    a_hat = prob_superiority(t, c, paired=paired)
    if paired:
        n = t.size
        x = a_hat * n
        low = 0.0 if x <= 0 else float(special.betaincinv(x, n - x + 1, alpha / 2))
        high = 1.0 if x >= n else float(special.betaincinv(x + 1, n - x, 1 - alpha / 2))
        return low, high
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
