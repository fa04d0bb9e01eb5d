"""Putting a comparison into words: APA statistics and one plain sentence.

Numbers keep full precision in the records; only this text rounds. The
difference and its interval are shown to two significant digits of the
interval's half-width, so a 0.005 difference is never rounded away.
"""

from __future__ import annotations

import math

from hypolab.records import Direction, EquivalenceTest, Verdict
from hypolab.stats.labels import label


def format_p(p: float | None) -> str:
    """APA p-value text without the ``p``: ``.034``, ``< .001``, ``1``."""
    if p is None:
        return "n/a"
    if p < 0.001:
        return "< .001"
    text = f"{p:.3f}"
    return "1" if text.startswith("1") else text[1:]


def p_clause(p: float | None) -> str:
    text = format_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def decimals_for(spread: float | None, value: float | None = None) -> int:
    """Decimals that show ``spread`` to two significant digits (3 for ``value`` alone)."""
    basis = spread if spread is not None and spread > 0 else value
    if basis is None or basis == 0 or not math.isfinite(basis):
        return 3
    digits = 2 if spread is not None and spread > 0 else 3
    return int(min(10, max(0, digits - 1 - math.floor(math.log10(abs(basis))))))


def _num(x: float, decimals: int) -> str:
    text = f"{x:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def _sig(x: float, digits: int = 2) -> str:
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def seeds_text(seeds: tuple[int, int]) -> str:
    n_t, n_c = seeds
    return f"{n_t} seeds per arm" if n_t == n_c else f"{n_t} and {n_c} seeds"


def apa(
    test: str,
    statistic: float | None,
    df: float | None,
    pvalue: float | None,
    *,
    pvalue_adjusted: float | None = None,
    correction: str = "none",
    hedges_g: float | None = None,
    method: str = "",
    seeds: tuple[int, int] | None = None,
) -> str:
    """The APA-style statistics, e.g. ``Welch t(13.1) = 9.41, p < .001, g = 4.1``.

    Args:
        test: the test's name.
        statistic, df, pvalue: the test's result.
        pvalue_adjusted: the adjusted p-value, shown when a correction applies.
        correction: the correction's name.
        hedges_g: Hedges' g, or None.
        method: how a permutation p-value was computed.
        seeds: ``(treatment, control)`` values per arm, appended when given.
    """
    symbol = label(test).statistic
    if test == "permutation":
        head = f"{symbol} ({method})" if method else symbol
    elif statistic is None:
        head = f"{symbol} undefined"
    elif df is not None and test in ("welch",):
        head = f"{symbol}({df:.1f}) = {statistic:.2f}"
    elif df is not None:
        head = f"{symbol}({df:.0f}) = {statistic:.2f}"
    else:
        head = f"{symbol} = {statistic:g}"
    parts = [head]
    if pvalue is not None:
        parts.append(p_clause(pvalue))
    if correction != "none" and pvalue_adjusted is not None:
        parts.append(f"{correction}-adjusted {p_clause(pvalue_adjusted)}")
    if hedges_g is not None:
        parts.append(f"g = {_sig(hedges_g)}")
    if seeds is not None:
        parts.append(seeds_text(seeds))
    return ", ".join(parts)


def sentence(
    *,
    verdict: Verdict,
    reason: str,
    direction: Direction,
    treatment: str,
    control: str,
    metric: str,
    difference: float | None,
    ci: tuple[float | None, float | None],
    alpha: float,
    stats_text: str,
    tost: EquivalenceTest | None = None,
    failures: str = "",
) -> str:
    """One plain sentence for the verdict.

    Example: ``batch 4 is higher than batch 128 by 0.21 accuracy (95% CI 0.18
    to 0.24; Welch t(13.1) = 9.41, p < .001, g = 4.1, 10 seeds per arm).``
    """
    words = metric.replace("_", " ")
    level = f"{(1 - alpha) * 100:g}%"
    low, high = ci
    spread = None if low is None or high is None else (high - low) / 2
    dec = decimals_for(spread, difference)
    tail = f" {failures}" if failures else ""
    if difference is None:
        return (f"{treatment} cannot be compared with {control} on {words}: "
                f"{reason}.{tail}")
    significant = verdict in (Verdict.SUPPORTED, Verdict.CONTRADICTED) and (
        direction is not Direction.EQUIVALENT)
    if significant:
        word = "higher" if difference > 0 else "lower"
        lo, hi = (low, high) if difference > 0 else (-high, -low)
        extra = (", the opposite of the prediction" if verdict is Verdict.CONTRADICTED
                 else "")
        return (f"{treatment} is {word} than {control} by {_num(abs(difference), dec)} "
                f"{words} ({level} CI {_num(lo, dec)} to {_num(hi, dec)}; "
                f"{stats_text}){extra}.{tail}")
    if verdict is Verdict.EQUIVALENT and tost is not None:
        tlevel = f"{tost.ci_level * 100:g}%"
        return (f"{treatment} is equivalent to {control} within +-{tost.margin:g} "
                f"{words}: the difference is {_num(difference, dec)} ({tlevel} CI "
                f"{_num(tost.ci_low, dec)} to {_num(tost.ci_high, dec)}; TOST "
                f"{p_clause(tost.pvalue)}; {stats_text}).{tail}")
    claim = {Direction.GREATER: "higher than", Direction.LESS: "lower than",
             Direction.TWO_SIDED: "different from",
             Direction.EQUIVALENT: "equivalent to"}[direction]
    if verdict is Verdict.CONTRADICTED:
        return (f"{treatment} is not equivalent to {control}: the difference is "
                f"{_num(difference, dec)} {words} ({level} CI {_num(low, dec)} to "
                f"{_num(high, dec)}; {stats_text}), beyond the margin; {reason}.{tail}")
    return (f"The data do not show that {treatment} is {claim} {control}: the "
            f"difference is {_num(difference, dec)} {words} ({level} CI "
            f"{_num(low, dec)} to {_num(high, dec)}; {stats_text}); "
            f"inconclusive: {reason}.{tail}")
