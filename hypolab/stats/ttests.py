"""Welch's, Student's and the paired t-test, oriented treatment minus control.

Each returns a ``TestResult`` matching R's ``t.test(treatment, control, ...)``:
the statistic, df and p-value for the requested alternative, and the
*two-sided* ``1 - alpha`` interval of the difference (R's ``conf.int`` with
``alternative = "two.sided"``), whatever the alternative. A standard error
below ``values.tolerance`` of the data (float rounding, e.g. both arms
constant) leaves t undefined, with the reason in ``note``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy import special

from hypolab.records import TestResult
from hypolab.stats.values import as_sample, spread, tolerance

ALTERNATIVES = ("two-sided", "greater", "less")


def t_pvalue(t: float, df: float, alternative: str) -> float:
    """P-value of a t statistic with ``df`` degrees of freedom.

    Args:
        t: the statistic.
        df: degrees of freedom.
        alternative: ``two-sided``, ``greater`` or ``less``.
    """
    # scipy.special's t CDF: the same numbers as scipy.stats.t without the
    # per-call overhead, which dominates in simulations and the benchmark.
    if alternative == "greater":
        return float(special.stdtr(df, -t))
    if alternative == "less":
        return float(special.stdtr(df, t))
    return float(min(1.0, 2 * special.stdtr(df, -abs(t))))


def bounds(result: TestResult, low_confidence: float,
           high_confidence: float) -> tuple[float | None, float | None]:
    """One-sided confidence bounds of a t-test's difference, each at its own level.

    ``low = estimate - t(low_confidence, df) SE`` and ``high = estimate +
    t(high_confidence, df) SE``; together an interval at level
    ``low_confidence + high_confidence - 1`` (R: ``t.test(..., alternative =
    "greater", conf.level = low_confidence)$conf.int[1]`` and its mirror).
    Where t is undefined (SE 0) both bounds are the estimate.

    Args:
        result: a Welch, Student or paired t ``TestResult``.
        low_confidence, high_confidence: one-sided confidence of each bound.

    Returns:
        ``(low, high)``; None where the test has no standard error.
    """
    if result.estimate is None or result.standard_error is None:
        return None, None
    se = result.standard_error
    if se == 0 or result.df is None:
        return result.estimate, result.estimate
    return (result.estimate - float(special.stdtrit(result.df, low_confidence)) * se,
            result.estimate + float(special.stdtrit(result.df, high_confidence)) * se)


def _result(test: str, estimate: float, se: float, df: float, *, mu: float,
            alternative: str, alpha: float, method: str, tol: float) -> TestResult:
    _check_alternative(alternative)
    if se <= tol:
        note = ("both arms are constant" if test != "paired_t"
                else "every per-seed difference is the same")
        return TestResult(test=test, alternative=alternative, statistic=None,
                          df=df if math.isfinite(df) else None, pvalue=None,
                          method=method, ci_low=estimate, ci_high=estimate,
                          estimate=estimate, note=f"{note}, so t is undefined",
                          standard_error=0.0)
    half = float(special.stdtrit(df, 1 - alpha / 2)) * se
    t = (estimate - mu) / se
    return TestResult(test=test, alternative=alternative, statistic=float(t),
                      df=float(df), pvalue=t_pvalue(t, df, alternative),
                      method=method, ci_low=estimate - half, ci_high=estimate + half,
                      estimate=estimate, standard_error=float(se))


def _check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}. Got {alternative!r}.")


def welch(treatment: Sequence[float], control: Sequence[float], *,
          alternative: str = "two-sided", alpha: float = 0.05, mu: float = 0.0) -> TestResult:
    """Welch's unequal-variance t-test of mean(treatment) - mean(control) = mu.

    ``t = (mean_t - mean_c - mu) / sqrt(s_t^2/n_t + s_c^2/n_c)`` with
    Welch-Satterthwaite df ``(v_t + v_c)^2 / (v_t^2/(n_t-1) + v_c^2/(n_c-1))``,
    ``v = s^2/n``. Reference: Welch (1947); R ``t.test(t, c, mu = mu)``.

    Args:
        treatment, control: per-seed values, shapes ``(n_t,)``, ``(n_c,)``, n >= 2.
        alternative: ``two-sided``, ``greater`` (treatment higher) or ``less``.
        alpha: the interval has level ``1 - alpha``, two-sided.
        mu: the difference under the null hypothesis.

    Example:
        >>> round(welch([3, 4, 5], [1, 2, 3]).statistic, 4)
        2.4495
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    tol = tolerance(t, c)
    vt, vc = spread(t, tol) / t.size, spread(c, tol) / c.size
    se = math.sqrt(vt + vc)
    df = (vt + vc) ** 2 / (vt**2 / (t.size - 1) + vc**2 / (c.size - 1)) if se > 0 else math.nan
    return _result("welch", float(t.mean() - c.mean()), se, df, mu=mu,
                   alternative=alternative, alpha=alpha, method="Welch two-sample t-test",
                   tol=tol)


def student(treatment: Sequence[float], control: Sequence[float], *,
            alternative: str = "two-sided", alpha: float = 0.05, mu: float = 0.0) -> TestResult:
    """Student's equal-variance t-test (R ``t.test(t, c, var.equal = TRUE)``).

    ``t = (mean_t - mean_c - mu) / (s_p sqrt(1/n_t + 1/n_c))`` with the pooled
    SD ``s_p`` and ``n_t + n_c - 2`` df.

    Args:
        treatment, control: per-seed values, n >= 2 each.
        alternative: ``two-sided``, ``greater`` or ``less``.
        alpha: the interval has level ``1 - alpha``, two-sided.
        mu: the difference under the null hypothesis.
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    tol = tolerance(t, c)
    df = t.size + c.size - 2
    pooled = ((t.size - 1) * spread(t, tol) + (c.size - 1) * spread(c, tol)) / df
    se = math.sqrt(pooled * (1 / t.size + 1 / c.size))
    return _result("student", float(t.mean() - c.mean()), se, float(df), mu=mu,
                   alternative=alternative, alpha=alpha, method="Student two-sample t-test",
                   tol=tol)


def paired_t(treatment: Sequence[float], control: Sequence[float], *,
             alternative: str = "two-sided", alpha: float = 0.05, mu: float = 0.0) -> TestResult:
    """Paired t-test on per-seed differences (R ``t.test(t, c, paired = TRUE)``).

    ``d = treatment - control`` (same seed), ``t = (mean(d) - mu) / (sd(d)/sqrt(n))``
    with ``n - 1`` df.

    Args:
        treatment, control: values aligned by seed, same length n >= 2.
        alternative: ``two-sided``, ``greater`` or ``less``.
        alpha: the interval has level ``1 - alpha``, two-sided.
        mu: the mean difference under the null hypothesis.
    """
    t, c = as_sample(treatment, "treatment"), as_sample(control, "control")
    if t.size != c.size:
        raise ValueError(f"paired values need equal lengths. Got {t.size} and {c.size}.")
    tol = tolerance(t, c)
    d = t - c
    se = math.sqrt(spread(d, tol) / d.size)
    return _result("paired_t", float(d.mean()), se, float(d.size - 1), mu=mu,
                   alternative=alternative, alpha=alpha, method="paired t-test", tol=tol)
