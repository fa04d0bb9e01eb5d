"""Prospective power at the smallest effect of interest, and seeds needed.

Power is computed for the stated ``margin`` from the observed SD, never at the
observed effect ("observed power" is a function of the p-value and says
nothing new). Student's two-sample t power follows R's ``power.t.test``:
``df = n_t + n_c - 2``, ``ncp = margin / (sd sqrt(1/n_t + 1/n_c))``,
``power = P(T'(df, ncp) > t(1 - alpha/sides, df))`` (for two sides R's default
``strict = FALSE`` ignores the far tail, and so do we). Paired designs use
``df = n - 1``, ``ncp = margin sqrt(n) / sd`` with ``sd`` the SD of the per-seed
differences (``power.t.test(type = "paired")``). Equivalence (TOST, true
difference 0) uses the Bonferroni lower bound ``1 - 2 P(T'(df, margin/SE) <=
t(1 - alpha, df))``, clipped at 0 (conservative; exact TOST power needs
Owen's Q).

Welch's t, which the verdict of independent arms uses, has fewer degrees of
freedom than Student's, and so a little less power; ``power.t.test`` would
promise 80% where the verdict reaches 76-79%. With ``welch=True`` the power
is Welch's own, exactly, for normal data with the same SD in both arms: with
equal seeds the statistic is Student's, ``T'(2n - 2, ncp)``, and independent
of ``B = s_t^2 / (s_t^2 + s_c^2) ~ Beta((n-1)/2, (n-1)/2)``, on which alone
Welch's df ``(n - 1) / (B^2 + (1 - B)^2)`` depends, so ``power = E_B[P(T' >
t(1 - alpha/sides, df(B)))]`` (Gauss-Jacobi quadrature over B). With unequal
seeds the expectation runs over both sample variances (Gauss-Legendre
panels against their chi densities). ``seeds_needed`` then gives the seeds with which
the verdict's own test reaches the power.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
from scipy import special

from hypolab.records import SeedsEstimate
from hypolab.stats.manytoone import chi_nodes

#: One-sided claims; ``noninferior``'s power is that of showing it when the arms do not differ.
ONE_SIDED = ("greater", "less", "noninferior")

#: Gauss-Jacobi nodes over B (equal seeds); unequal seeds use ``manytoone.chi_nodes``.
_JACOBI_NODES = 40


def power_at_margin(
    sd: float,
    margin: float,
    n_treatment: int,
    n_control: int | None = None,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    paired: bool = False,
    welch: bool = False,
) -> float:
    """Power of the t-test to detect a true difference of ``margin``.

    Args:
        sd: the SD of the metric (pooled over arms; of differences if paired).
        margin: the smallest effect of interest, > 0.
        n_treatment: seeds of the treatment (pairs if paired).
        n_control: seeds of the control; defaults to ``n_treatment``.
        alpha: the significance level.
        alternative: ``greater``/``less``/``noninferior`` (one-sided), ``two-sided``
            or ``equivalent`` (TOST).
        paired: a paired design.
        welch: the power of Welch's t-test instead of Student's (independent arms).

    Returns:
        The power in [0, 1].

    Example:
        >>> round(power_at_margin(1.0, 1.0, 10), 7)  # power.t.test(n=10, delta=1)
        0.5619846
    """
    n_control = n_treatment if n_control is None else n_control
    if sd == 0:
        return 1.0
    if paired:
        df = n_treatment - 1
        se = sd / math.sqrt(n_treatment)
    else:
        df = n_treatment + n_control - 2
        se = sd * math.sqrt(1 / n_treatment + 1 / n_control)
    ncp = abs(margin) / se
    if welch and not paired:
        if n_treatment == n_control:
            return _welch_equal(n_treatment, ncp, alpha, alternative)
        return _welch_unequal(n_treatment, n_control, ncp, alpha, alternative)
    return _student(df, ncp, alpha, alternative)


def _student(df: float, ncp: float, alpha: float, alternative: str) -> float:
    if alternative == "equivalent":
        crit = special.stdtrit(df, 1 - alpha)
        return max(0.0, float(1 - 2 * special.nctdtr(df, ncp, crit)))
    sides = 1 if alternative in ONE_SIDED else 2
    crit = special.stdtrit(df, 1 - alpha / sides)
    return float(1 - special.nctdtr(df, ncp, crit))


@functools.lru_cache(maxsize=256)
def _jacobi(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch's df at the Gauss-Jacobi nodes of B ~ Beta((n-1)/2, (n-1)/2), and the weights."""
    a = (n - 1) / 2
    x, w = special.roots_jacobi(_JACOBI_NODES, a - 1, a - 1)
    b = (1 + x) / 2
    return (n - 1) / (b**2 + (1 - b) ** 2), w / w.sum()


def _welch_equal(n: int, ncp: float, alpha: float, alternative: str) -> float:
    df, weights = _jacobi(n)
    student_df = 2 * n - 2
    if alternative == "equivalent":
        crit = special.stdtrit(df, 1 - alpha)
        conditional = np.maximum(0.0, 1 - 2 * special.nctdtr(student_df, ncp, crit))
    else:
        sides = 1 if alternative in ONE_SIDED else 2
        crit = special.stdtrit(df, 1 - alpha / sides)
        conditional = 1 - special.nctdtr(student_df, ncp, crit)
    return float(np.clip(weights @ conditional, 0.0, 1.0))


def _welch_unequal(n_t: int, n_c: int, ncp: float, alpha: float, alternative: str) -> float:
    # In units of the common SD each sample variance is S^2, S = sqrt(chi2(n - 1) / (n - 1)).
    s_t, w_t = chi_nodes(float(n_t - 1))
    s_c, w_c = chi_nodes(float(n_c - 1))
    vt, vc = s_t[:, None] ** 2 / n_t, s_c[None, :] ** 2 / n_c
    se = np.sqrt(vt + vc)
    df = (vt + vc) ** 2 / (vt**2 / (n_t - 1) + vc**2 / (n_c - 1))
    sd_d = math.sqrt(1 / n_t + 1 / n_c)  # SD of the mean difference
    delta = ncp * sd_d  # the margin in SD units
    if alternative == "equivalent":
        crit = special.stdtrit(df, 1 - alpha)
        reach = np.maximum(0.0, delta - crit * se) / sd_d
        conditional = np.maximum(0.0, 2 * special.ndtr(reach) - 1)
    else:
        sides = 1 if alternative in ONE_SIDED else 2
        crit = special.stdtrit(df, 1 - alpha / sides)
        conditional = special.ndtr((delta - crit * se) / sd_d)
    return float(np.clip(w_t @ conditional @ w_c, 0.0, 1.0))


def seeds_needed(
    sd: float,
    margin: float,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
    *,
    paired: bool = False,
    welch: bool = False,
) -> int:
    """Smallest seeds per arm (pairs if paired) reaching ``power`` at ``margin``.

    Equals ``ceiling(power.t.test(delta = margin, sd = sd, sig.level = alpha,
    power = power, alternative = ...)$n)`` in R, with the minimum of 2; with
    ``welch=True``, the seeds at which Welch's t-test (the verdict's test for
    independent arms) reaches ``power``.

    Args:
        sd: pooled SD of the metric (SD of per-seed differences if paired).
        margin: the smallest effect of interest, > 0.
        alpha: the significance level.
        power: the power wanted, in (0, 1).
        alternative: ``greater``/``less``, ``two-sided`` or ``equivalent``.
        paired: a paired design.
        welch: the power of Welch's t-test (independent arms).

    Example:
        >>> seeds_needed(1.0, 1.0)  # ceiling(power.t.test(delta=1, power=.8)$n)
        17
    """
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1). Got {power!r}.")
    if margin <= 0:
        raise ValueError(f"margin must be > 0. Got {margin!r}.")

    def reaches(n: int) -> bool:
        return power_at_margin(sd, margin, n, alpha=alpha, alternative=alternative,
                               paired=paired, welch=welch) >= power

    low, high = 2, 2
    while not reaches(high):
        low, high = high, high * 2
        if high > 10**7:
            raise ValueError("more than 10 million seeds would be needed")
    if reaches(low):
        return low
    while high - low > 1:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle
    return high


def sd_upper_bound(sd: float, df: int, confidence: float = 0.8) -> float:
    """The one-sided ``confidence`` upper bound of a standard deviation estimated on ``df`` df.

    ``sd sqrt(df / chi2(1 - confidence, df))`` (R: ``sd * sqrt(df / qchisq(1 -
    confidence, df))``): planning with the 80% upper bound of a pilot's SD
    gives the planned power in at least 80% of pilots (Browne 1995; Julious
    2004), where the SD itself falls short about half the time.

    Example:
        >>> round(sd_upper_bound(1.0, 8), 4)  # sqrt(8 / qchisq(0.2, 8))
        1.3197
    """
    return float(sd * math.sqrt(df / special.chdtri(df, confidence)))


def family_alpha(alpha: float, correction: str, comparisons: int) -> float:
    """The per-comparison level that power is computed at, for a family of treatments.

    Holm and Bonferroni (and Dunnett's many-to-one test) must reach ``alpha / k``
    for at least one of ``k`` comparisons, so power and seeds needed use that
    Bonferroni level (conservative for Holm and Dunnett); Benjamini-Hochberg
    and no correction use ``alpha``.

    Args:
        alpha: the family's significance level.
        correction: ``holm``, ``bonferroni``, ``dunnett``, ``fdr_bh`` or ``none``.
        comparisons: the number of treatments compared with the control.

    Returns:
        The level, e.g. ``family_alpha(0.05, "holm", 2) == 0.025``.
    """
    if correction in ("holm", "bonferroni", "dunnett") and comparisons > 1:
        return alpha / comparisons
    return alpha


#: Below this many degrees of freedom an SD estimate is called uncertain.
FEW_DF = 20


def plan_seeds(
    treatment: Sequence[float],
    control: Sequence[float],
    *,
    margin: float,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
    paired: bool = False,
    welch: bool = True,
    confidence: float = 0.8,
) -> SeedsEstimate:
    """Seeds per arm for ``power`` at ``margin`` from pilot runs, and at the SD's upper bound.

    The SD is the pooled SD of the two arms (of the per-seed differences when
    ``paired``, values aligned by seed). An SD from a few runs is often too
    small, and seeds planned with it then fall short of the power (with a
    5-seed pilot, about 70% instead of 80%); ``seeds_needed_upper`` plans with
    the SD's one-sided ``confidence`` upper bound instead (``sd_upper_bound``),
    which reaches the power in at least ``confidence`` of pilots.

    Args:
        treatment, control: the pilot's per-seed values, n >= 2 each.
        margin: the smallest effect of interest, > 0.
        alpha: the per-comparison level (``family_alpha`` for several treatments).
        power: the power wanted.
        alternative: the claim's direction (``greater``, ``less``, ``two-sided``, ``equivalent``).
        paired: a paired design.
        welch: plan for Welch's t-test (the verdict's test for independent arms).
        confidence: the level of the SD's upper bound.

    Returns:
        A ``SeedsEstimate``.

    Raises:
        ValueError: fewer than two values (pairs) to estimate the SD from.
    """
    t = np.asarray(treatment, dtype=np.float64)
    c = np.asarray(control, dtype=np.float64)
    if paired:
        if t.size < 2 or t.size != c.size:
            raise ValueError(f"need at least 2 pairs of values. Got {t.size} and {c.size}.")
        sd, df = float(np.std(t - c, ddof=1)), t.size - 1
    else:
        if t.size < 2 or c.size < 2:
            raise ValueError(f"need at least 2 values per arm. Got {t.size} and {c.size}.")
        df = t.size + c.size - 2
        sd = math.sqrt(((t.size - 1) * np.var(t, ddof=1) + (c.size - 1) * np.var(c, ddof=1)) / df)
    upper = sd_upper_bound(sd, df, confidence)

    def needed(at: float) -> int | None:
        if at == 0:
            return 2
        try:
            return seeds_needed(at, margin, alpha, power, alternative, paired=paired,
                                welch=welch and not paired)
        except ValueError:  # more than 10 million seeds
            return None

    return SeedsEstimate(sd=sd, df=int(df), seeds_needed=needed(sd), confidence=confidence,
                         sd_upper=upper, seeds_needed_upper=needed(upper), power=power,
                         alpha=alpha, few_runs=df < FEW_DF)
