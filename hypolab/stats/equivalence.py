"""Equivalence (TOST) and non-equivalence tests against a margin.

TOST (Schuirmann 1987): the treatment is equivalent to the control within
``+-margin`` when both one-sided tests reject: ``H0: diff <= -margin`` (R
``t.test(t, c, mu = -margin, alternative = "greater")``) and ``H0: diff >=
margin`` (``t.test(t, c, mu = margin, alternative = "less")``). The p-value is
the larger of the two. Welch's t by default, the paired t when paired by seed.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypolab.records import EquivalenceTest, MarginTest
from hypolab.stats.ttests import paired_t, welch


def tost(
    treatment: Sequence[float],
    control: Sequence[float],
    *,
    margin: float,
    alpha: float = 0.05,
    paired: bool = False,
) -> EquivalenceTest:
    """Two one-sided tests of equivalence within ``+-margin``.

    Args:
        treatment, control: per-seed values (aligned by seed where ``paired``).
        margin: the equivalence margin, > 0, in the metric's units.
        alpha: level of each one-sided test.
        paired: use paired t-tests on per-seed differences.

    Returns:
        An ``EquivalenceTest`` (adjusted p-values None: the family adjusts them)
        whose ``ci_*`` is the ``1 - 2 alpha`` interval (inside ``+-margin``
        exactly when TOST rejects) and whose ``nonequivalence_pvalue`` tests
        ``H0: |diff| <= margin`` (twice the smaller of ``t.test(mu = margin,
        "greater")`` and ``t.test(mu = -margin, "less")``, capped at 1).
        P-values are None where t is undefined.

    Example:
        >>> tost([0.95, 0.96, 0.97], [0.95, 0.96, 0.97], margin=0.05).pvalue < 0.05
        True
    """
    run = paired_t if paired else welch
    lower = run(treatment, control, alternative="greater", mu=-margin, alpha=2 * alpha)
    upper = run(treatment, control, alternative="less", mu=margin, alpha=2 * alpha)
    beyond_high = run(treatment, control, alternative="greater", mu=margin)
    beyond_low = run(treatment, control, alternative="less", mu=-margin)
    p = None if lower.pvalue is None or upper.pvalue is None else max(lower.pvalue,
                                                                      upper.pvalue)
    nonequivalence = None
    if beyond_high.pvalue is not None and beyond_low.pvalue is not None:
        nonequivalence = min(1.0, 2 * min(beyond_high.pvalue, beyond_low.pvalue))
    return EquivalenceTest(
        test="tost_paired_t" if paired else "tost_welch",
        margin=margin,
        pvalue=p,
        lower=MarginTest(statistic=lower.statistic, df=lower.df, pvalue=lower.pvalue),
        upper=MarginTest(statistic=upper.statistic, df=upper.df, pvalue=upper.pvalue),
        ci_level=1 - 2 * alpha,
        ci_low=lower.ci_low,
        ci_high=lower.ci_high,
        nonequivalence_pvalue=nonequivalence,
    )
