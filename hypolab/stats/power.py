"""Prospective power at the smallest effect of interest, and seeds needed.

Power is computed for the stated ``margin`` from the observed SD, never at the
observed effect ("observed power" is a function of the p-value and says
nothing new). The two-sample t power follows R's ``power.t.test``:
``df = n_t + n_c - 2``, ``ncp = margin / (sd sqrt(1/n_t + 1/n_c))``,
``power = P(T'(df, ncp) > t(1 - alpha/sides, df))`` (for two sides R's default
``strict = FALSE`` ignores the far tail, and so do we). Paired designs use
``df = n - 1``, ``ncp = margin sqrt(n) / sd`` with ``sd`` the SD of the per-seed
differences (``power.t.test(type = "paired")``). Equivalence (TOST, true
difference 0) uses the Bonferroni lower bound ``1 - 2 P(T'(df, margin/SE) <=
t(1 - alpha, df))``, clipped at 0 (conservative; exact TOST power needs
Owen's Q).
"""

from __future__ import annotations

import math

from scipy import special

ONE_SIDED = ("greater", "less")


def power_at_margin(
    sd: float,
    margin: float,
    n_treatment: int,
    n_control: int | None = None,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    paired: bool = False,
) -> float:
    """Power of the t-test to detect a true difference of ``margin``.

    Args:
        sd: the SD of the metric (pooled over arms; of differences if paired).
        margin: the smallest effect of interest, > 0.
        n_treatment: seeds of the treatment (pairs if paired).
        n_control: seeds of the control; defaults to ``n_treatment``.
        alpha: the significance level.
        alternative: ``greater``/``less`` (one-sided), ``two-sided`` or
            ``equivalent`` (TOST).
        paired: a paired design.

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
    if alternative == "equivalent":
        crit = special.stdtrit(df, 1 - alpha)
        return max(0.0, float(1 - 2 * special.nctdtr(df, ncp, crit)))
    sides = 1 if alternative in ONE_SIDED else 2
    crit = special.stdtrit(df, 1 - alpha / sides)
    return float(1 - special.nctdtr(df, ncp, crit))


def seeds_needed(
    sd: float,
    margin: float,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
    *,
    paired: bool = False,
) -> int:
    """Smallest seeds per arm (pairs if paired) reaching ``power`` at ``margin``.

    Equals ``ceiling(power.t.test(delta = margin, sd = sd, sig.level = alpha,
    power = power, alternative = ...)$n)`` in R, with the minimum of 2.

    Args:
        sd: pooled SD of the metric (SD of per-seed differences if paired).
        margin: the smallest effect of interest, > 0.
        alpha: the significance level.
        power: the power wanted, in (0, 1).
        alternative: ``greater``/``less``, ``two-sided`` or ``equivalent``.
        paired: a paired design.

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
                               paired=paired) >= power

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


def family_alpha(alpha: float, correction: str, comparisons: int) -> float:
    """The per-comparison level that power is computed at, for a family of treatments.

    Holm and Bonferroni (and Dunnett, whose power hypolab approximates the
    same way) must reach ``alpha / k`` for at least one of ``k`` comparisons,
    so power and seeds needed use that Bonferroni level (conservative for
    Holm and Dunnett); Benjamini-Hochberg and no correction use ``alpha``.

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

