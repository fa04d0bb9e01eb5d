"""Trend over an ordered dose series: a Welch-type linear-contrast t-test.

Why a linear contrast and not Jonckheere-Terpstra: the arms of a dose series
(e.g. 16, 32, 64 units) usually differ in spread as well as in mean, and the
contrast with Welch-Satterthwaite df stays calibrated under unequal
variances, gives an interpretable estimate (the least-squares change of the
mean per step), and agrees with the per-comparison Welch tests. Its
weakness, sensitivity to outliers, is covered by the Kruskal-Wallis omnibus
and the rank tests of each comparison.

With arms in file order (control first) at steps ``i = 0..k-1``, coefficients
``c_i = i - (k - 1)/2``: ``L = sum c_i m_i``, ``SE = sqrt(sum c_i^2 s_i^2 / n_i)``,
``t = L / SE`` on ``SE^4 / sum((c_i^2 s_i^2 / n_i)^2 / (n_i - 1))`` df. The
alternative follows the hypothesis' direction (``greater``: the metric rises
along the series); reference: Maxwell & Delaney, *Designing Experiments and
Analyzing Data*, ch. 5 (contrasts with unequal variances).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hypolab.records import TrendTest
from hypolab.stats.ttests import t_pvalue
from hypolab.stats.values import as_sample


def linear_trend(
    names: Sequence[str],
    samples: Sequence[Sequence[float]],
    *,
    alternative: str = "two-sided",
) -> TrendTest:
    """Test a linear trend of the mean along the arms in the order given.

    Args:
        names: arm names in dose order (control first).
        samples: per-seed values of each arm, each n >= 2.
        alternative: ``greater`` (rising), ``less`` (falling) or ``two-sided``.

    Returns:
        A ``TrendTest`` (``slope``: mean change per step; statistic, df and
        pvalue None where every arm is constant).

    Example:
        >>> linear_trend(["a", "b", "c"], [[1, 2], [2, 3], [3, 4]]).slope
        1.0
    """
    arrays = [as_sample(s, "arm") for s in samples]
    k = len(arrays)
    coefficients = np.arange(k) - (k - 1) / 2
    means = np.array([a.mean() for a in arrays])
    terms = np.array([c**2 * np.var(a, ddof=1) / a.size for c, a in zip(coefficients, arrays)])
    estimate = float(np.sum(coefficients * means))
    slope = estimate / float(np.sum(coefficients**2))
    se2 = float(terms.sum())
    statistic = df = pvalue = None
    if se2 != 0:
        n = np.array([a.size for a in arrays], dtype=np.float64)
        nonzero = terms > 0
        df = float(se2**2 / float(np.sum(terms[nonzero] ** 2 / (n[nonzero] - 1))))
        statistic = float(estimate / np.sqrt(se2))
        pvalue = t_pvalue(statistic, df, alternative)
    return TrendTest(test="linear_contrast", arms=tuple(names),
                     coefficients=tuple(coefficients.tolist()), alternative=alternative,
                     estimate=estimate, slope=slope, statistic=statistic, df=df, pvalue=pvalue)
