"""Trend over an ordered dose series: Jonckheere-Terpstra, Page's test and a linear contrast.

The series verdict rests on Jonckheere-Terpstra (``jonckheere``; for runs
paired by seed Page's test, ``page``, its counterpart within seeds): it uses
every arm (each pair of doses, the middle ones too), asks only that the
metric tend to rise (or fall) with the dose, not that it rise in equal
steps, and is exact without ties; ``stats.series`` turns it into the verdict.
The Welch-type linear contrast (``linear_trend``) stays beside it for its
estimate, the least-squares change of the mean per step, which the
dose-response plot draws; with three arms its coefficients (-1, 0, 1) give
the middle arm no weight, which is why the verdict does not rest on it.

With arms in file order (control first) at steps ``i = 0..k-1``, coefficients
``c_i = i - (k - 1)/2``: ``L = sum c_i m_i``, ``SE = sqrt(sum c_i^2 s_i^2 / n_i)``,
``t = L / SE`` on ``SE^4 / sum((c_i^2 s_i^2 / n_i)^2 / (n_i - 1))`` df. The
alternative follows the hypothesis' direction (``greater``: the metric rises
along the series); reference: Maxwell & Delaney, *Designing Experiments and
Analyzing Data*, ch. 5 (contrasts with unequal variances).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence

import numpy as np
from scipy import special

from hypolab.records import SeriesTest, TrendTest
from hypolab.stats.ranks import rank_sum_counts
from hypolab.stats.ttests import t_pvalue
from hypolab.stats.values import as_sample, spread, tie_keys, tolerance


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
        A ``TrendTest`` (``slope``: mean change per step, ``intercept``: the
        fitted mean at step 0, the least-squares line through the arm means;
        statistic, df and pvalue None where every arm is constant).

    Example:
        >>> linear_trend(["a", "b", "c"], [[1, 2], [2, 3], [3, 4]]).slope
        1.0
    """
    arrays = [as_sample(s, "arm") for s in samples]
    k = len(arrays)
    coefficients = np.arange(k) - (k - 1) / 2
    means = np.array([a.mean() for a in arrays])
    tol = tolerance(*arrays)
    terms = np.array([c**2 * spread(a, tol) / a.size for c, a in zip(coefficients, arrays)])
    estimate = float(np.sum(coefficients * means))
    slope = estimate / float(np.sum(coefficients**2))
    intercept = float(means.mean() - slope * (k - 1) / 2)
    se2 = float(terms.sum())
    statistic = df = pvalue = None
    if se2 > 0:
        n = np.array([a.size for a in arrays], dtype=np.float64)
        nonzero = terms > 0
        df = float(se2**2 / float(np.sum(terms[nonzero] ** 2 / (n[nonzero] - 1))))
        statistic = float(estimate / np.sqrt(se2))
        pvalue = t_pvalue(statistic, df, alternative)
    return TrendTest(test="linear_contrast", arms=tuple(names),
                     coefficients=tuple(coefficients.tolist()), alternative=alternative,
                     estimate=estimate, slope=slope, statistic=statistic, df=df, pvalue=pvalue,
                     intercept=intercept)


def jonckheere(
    names: Sequence[str],
    samples: Sequence[Sequence[float]],
    *,
    alternative: str = "greater",
) -> SeriesTest:
    """The Jonckheere-Terpstra test of a trend along the arms in the order given.

    ``J = sum_{i < j} #{(x in arm i, y in arm j): y > x}`` (ties 1/2) over every
    pair of arms, so every arm counts, the middle ones included. Under no
    trend (all arms from one distribution) ``E J = (N^2 - sum n_i^2) / 4``.
    Without ties the p-value is exact: J is the sum of the independent
    Mann-Whitney counts of each arm against all arms before it, whose null
    distributions are convolved. With ties (values closer than
    ``values.tolerance`` count as tied) it is the normal approximation with
    the tie-corrected variance of Hollander & Wolfe (1999, eq. 6.19), as
    ``clinfun::jonckheere.test`` computes it. Rank-based, so a skewed metric
    or an outlying seed cannot make a trend.

    Args:
        names: arm names in dose order (control first).
        samples: per-seed values of each arm, each n >= 1.
        alternative: ``greater`` (the metric rises along the series), ``less``
            or ``two-sided``.

    Returns:
        A ``SeriesTest``; ``z`` and the p-values are None where every value
        is the same.

    Example:
        >>> jonckheere("abc", [[1, 2], [3, 4], [5, 6]]).statistic  # every pair rises
        12.0
    """
    arrays = [as_sample(s, "arm") for s in samples]
    keys = tie_keys(np.concatenate(arrays), tolerance(*arrays))
    groups = np.split(keys, np.cumsum([a.size for a in arrays])[:-1])
    j_stat = 0.0
    for i, lower in enumerate(groups):
        for higher in groups[i + 1:]:
            gap = higher[:, None] - lower[None, :]
            j_stat += np.count_nonzero(gap > 0) + 0.5 * np.count_nonzero(gap == 0)
    n = np.array([a.size for a in arrays], dtype=np.float64)
    total = float(n.sum())
    mean = (total**2 - float(np.sum(n**2))) / 4
    _, counts = np.unique(keys, return_counts=True)
    ties = counts.astype(np.float64)
    variance = ((total * (total - 1) * (2 * total + 5) - np.sum(n * (n - 1) * (2 * n + 5))
                 - np.sum(ties * (ties - 1) * (2 * ties + 5))) / 72
                + np.sum(n * (n - 1) * (n - 2)) * np.sum(ties * (ties - 1) * (ties - 2))
                / (36 * total * (total - 1) * (total - 2))
                + np.sum(n * (n - 1)) * np.sum(ties * (ties - 1)) / (8 * total * (total - 1)))
    sd = math.sqrt(max(float(variance), 0.0))
    if sd == 0:
        return _result("jonckheere_terpstra", names, alternative, j_stat, mean, 0.0,
                       method="every value is the same, so the test is undefined")
    exact = None
    if np.all(ties == 1) and total <= EXACT_UP_TO:
        exact = (_exact_pmf(tuple(int(x) for x in n)), int(round(j_stat)))
    return _result("jonckheere_terpstra", names, alternative, j_stat, mean, sd, exact=exact)


def _result(test: str, names: Sequence[str], alternative: str, statistic: float, mean: float,
            sd: float, *, exact: tuple[np.ndarray, int] | None = None,
            method: str = "") -> SeriesTest:
    """The ``SeriesTest`` of a rank statistic: exact tails from ``(pmf, index)``, else normal."""
    opposite = {"greater": "less", "less": "greater"}.get(alternative)
    if sd == 0:
        return SeriesTest(test=test, arms=tuple(names), alternative=alternative,
                          statistic=float(statistic), mean=mean, sd=0.0, z=None, pvalue=None,
                          pvalue_opposite=None, method=method)
    z = (statistic - mean) / sd
    if exact is not None:
        pmf, index = exact
        tails = {"greater": float(pmf[index:].sum()), "less": float(pmf[: index + 1].sum())}
        method = "exact"
    else:
        tails = {"greater": float(special.ndtr(-z)), "less": float(special.ndtr(z))}
        method = "normal approximation with tie correction"
    tails["two-sided"] = min(1.0, 2 * min(tails["greater"], tails["less"]))
    return SeriesTest(test=test, arms=tuple(names), alternative=alternative,
                      statistic=float(statistic), mean=mean, sd=sd, z=float(z),
                      pvalue=tails[alternative],
                      pvalue_opposite=None if opposite is None else tails[opposite], method=method)


#: The exact null distribution is used without ties up to this many values in all.
EXACT_UP_TO = 200


@functools.lru_cache(maxsize=32)
def _exact_pmf(sizes: tuple[int, ...]) -> np.ndarray:
    pmf = np.array([1.0])
    before = sizes[0]
    for n in sizes[1:]:
        counts = rank_sum_counts(min(n, before), n + before)
        pmf = np.convolve(pmf, counts / counts.sum())
        before += n
    return pmf


def page(
    names: Sequence[str],
    samples: Sequence[Sequence[float]],
    *,
    alternative: str = "greater",
) -> SeriesTest:
    """Page's test of a trend along the arms, for runs paired by seed (blocks).

    Within each seed the arms' values are ranked (mid-ranks for ties;
    values closer than ``values.tolerance`` tie) and ``L = sum_seeds sum_j
    (j + 1) r_sj`` over the arms in dose order j = 0..k-1 (Page 1963). Under
    no trend the ranks are exchangeable within each seed: ``E L = n k (k +
    1)^2 / 4`` and, with ties, ``Var L = sum_seeds S_c S_r / (k - 1)``,
    ``S_c = k (k^2 - 1) / 12`` the spread of the positions and ``S_r`` that of
    the seed's ranks (``n k^2 (k + 1)(k^2 - 1) / 144`` without ties). Without
    ties the p-value is exact (the seeds' null distributions convolved; k up
    to 7), otherwise the normal approximation.

    Args:
        names: arm names in dose order (control first).
        samples: per-seed values of each arm, aligned by seed (same length n >= 2).
        alternative: ``greater`` (rising), ``less`` or ``two-sided``.

    Returns:
        A ``SeriesTest`` with ``test`` ``page``.

    Example:
        >>> page("abc", [[1, 2], [3, 4], [5, 6]]).statistic  # ranks 1, 2, 3 in both seeds
        28.0
    """
    arrays = np.array([as_sample(s, "arm") for s in samples], dtype=np.float64)
    k, n = arrays.shape
    if n < 2:
        return _result("page", names, alternative, 0.0, 0.0, 0.0,
                       method=f"{n} seed(s) have a run of every arm; Page's test needs 2")
    tol = tolerance(*arrays)
    ranks = np.array([_ranks(tie_keys(arrays[:, s], tol)) for s in range(n)])  # (n, k)
    positions = np.arange(1, k + 1, dtype=np.float64)
    statistic = float(np.sum(ranks * positions))
    mean = n * k * (k + 1) ** 2 / 4
    s_c = k * (k**2 - 1) / 12
    variance = float(np.sum(s_c * np.sum((ranks - (k + 1) / 2) ** 2, axis=1) / (k - 1)))
    sd = math.sqrt(max(variance, 0.0))
    if sd == 0:
        return _result("page", names, alternative, statistic, mean, 0.0,
                       method="every seed ranks the arms alike by ties, so the test is undefined")
    exact = None
    if bool(np.all(np.sort(ranks, axis=1) == positions)) and k <= 7:  # no ties
        pmf, low = _page_pmf(k, n)
        exact = (pmf, int(round(statistic)) - low)
    return _result("page", names, alternative, statistic, mean, sd, exact=exact)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Mid-ranks 1..k of ``x``."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(x.size)
    ranks[order] = np.arange(1, x.size + 1)
    for value in np.unique(x):
        tied = x == value
        ranks[tied] = ranks[tied].mean()
    return ranks


@functools.lru_cache(maxsize=32)
def _page_pmf(k: int, n: int) -> tuple[np.ndarray, int]:
    """The exact null distribution of L over n untied seeds, and its smallest value."""
    positions = np.arange(1, k + 1)
    sums = np.array([int(np.dot(positions, p)) for p in itertools.permutations(positions)])
    low_one = int(sums.min())
    one = np.bincount(sums - low_one).astype(np.float64)
    one /= one.sum()
    pmf = np.array([1.0])
    for _ in range(n):
        pmf = np.convolve(pmf, one)
    return pmf, n * low_one
