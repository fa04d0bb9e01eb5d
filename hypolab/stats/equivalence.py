"""Equivalence (TOST) and non-equivalence tests against a margin.

TOST (Schuirmann 1987): the treatment is equivalent to the control within
``+-margin`` when both one-sided tests reject: ``H0: diff <= -margin`` (R
``t.test(t, c, mu = -margin, alternative = "greater")``) and ``H0: diff >=
margin`` (``t.test(t, c, mu = margin, alternative = "less")``). The p-value is
the larger of the two. Welch's t by default, the paired t when paired by seed.

Where no arm varies across seeds t is undefined; then each one-sided test is
the exact permutation test of the shifted values (``t + margin`` against
``c`` for ``H0: diff <= -margin``, and so on; sign flips of ``d +- margin``
when paired), valid under a shift of location, so that arms that gave the
same value on every seed can still be shown equivalent (p = 1/252 with 5
seeds each, 1/32 with 5 pairs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hypolab.records import EquivalenceTest, MarginTest
from hypolab.stats.permutation import permutation_pvalues
from hypolab.stats.ttests import paired_t, welch
from hypolab.stats.values import as_sample


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
        "greater")`` and ``t.test(mu = -margin, "less")``, capped at 1). Where
        t is undefined (no arm varies) the permutation tests stand in and
        ``test`` is ``tost_permutation``.

    Example:
        >>> tost([0.95, 0.96, 0.97], [0.95, 0.96, 0.97], margin=0.05).pvalue < 0.05
        True
    """
    run = paired_t if paired else welch
    lower = run(treatment, control, alternative="greater", mu=-margin, alpha=2 * alpha)
    upper = run(treatment, control, alternative="less", mu=margin, alpha=2 * alpha)
    if lower.pvalue is None:
        return _permutation_tost(treatment, control, margin=margin, alpha=alpha,
                                 paired=paired, ci=(lower.ci_low, lower.ci_high))
    beyond_high = run(treatment, control, alternative="greater", mu=margin)
    beyond_low = run(treatment, control, alternative="less", mu=-margin)
    nonequivalence = min(1.0, 2 * min(beyond_high.pvalue, beyond_low.pvalue))
    return EquivalenceTest(
        test="tost_paired_t" if paired else "tost_welch",
        margin=margin,
        pvalue=max(lower.pvalue, upper.pvalue),
        lower=MarginTest(statistic=lower.statistic, df=lower.df, pvalue=lower.pvalue),
        upper=MarginTest(statistic=upper.statistic, df=upper.df, pvalue=upper.pvalue),
        ci_level=1 - 2 * alpha,
        ci_low=lower.ci_low,
        ci_high=lower.ci_high,
        nonequivalence_pvalue=nonequivalence,
    )


def _permutation_tost(treatment, control, *, margin, alpha, paired, ci) -> EquivalenceTest:
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")

    def shifted(by: float, alternative: str) -> tuple[float, float]:
        difference, pvalues, _ = permutation_pvalues(t + by, c, paired=paired)
        return difference, pvalues[alternative]

    low_stat, p_lower = shifted(margin, "greater")  # H0: diff <= -margin
    high_stat, p_upper = shifted(-margin, "less")  # H0: diff >= +margin
    p_beyond_high = shifted(-margin, "greater")[1]
    p_beyond_low = shifted(margin, "less")[1]
    return EquivalenceTest(
        test="tost_permutation",
        margin=margin,
        pvalue=float(max(p_lower, p_upper)),
        lower=MarginTest(statistic=float(low_stat), df=None, pvalue=float(p_lower)),
        upper=MarginTest(statistic=float(high_stat), df=None, pvalue=float(p_upper)),
        ci_level=1 - 2 * alpha,
        ci_low=None if ci[0] is None else float(np.float64(ci[0])),
        ci_high=None if ci[1] is None else float(np.float64(ci[1])),
        nonequivalence_pvalue=float(min(1.0, 2 * min(p_beyond_high, p_beyond_low))),
    )
