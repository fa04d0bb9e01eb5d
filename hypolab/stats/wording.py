"""Putting a comparison into words: APA statistics and one plain sentence.

Numbers keep full precision in the records; only this text rounds. The
difference and its interval are shown to two significant digits of the
interval's half-width, so a 0.005 difference is never rounded away, and
never to more decimals than the data carry (``values.tolerance``: a
difference below it is float rounding and reads 0). The interval beside a
verdict is the one that decided it (``DecisionInterval``): the one-sided
bound a directional verdict rests on, the bounds of both directions where
nothing was shown, the TOST interval for equivalence.
"""

from __future__ import annotations

import math

from hypolab.records import DecisionInterval, Direction, EquivalenceTest, Verdict
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


def decimals_for(spread: float | None, value: float | None = None,
                 resolution: float | None = None) -> int:
    """Decimals that show ``spread`` to two significant digits (3 for ``value`` alone).

    Never more than ``resolution`` (the smallest difference the data carry)
    can show, and never more than 10.
    """
    basis = spread if spread is not None and spread > 0 else value
    cap = 10
    if resolution is not None and resolution > 0:
        cap = min(cap, max(0, -math.floor(math.log10(resolution))))
    if basis is None or basis == 0 or not math.isfinite(basis):
        return min(3, cap)
    digits = 2 if spread is not None and spread > 0 else 3
    return int(min(cap, max(0, digits - 1 - math.floor(math.log10(abs(basis))))))


#: The one minus sign of every number hypolab writes in words (the report's too): U+2212.
MINUS = "\u2212"


def signed(x: float, spec: str = "g") -> str:
    """``x`` formatted by ``spec`` with the minus sign ``MINUS`` (notes, statistics shown as they are)."""
    return format(x, spec).replace("-", MINUS)


def number(x: float, decimals: int) -> str:
    """``x`` to ``decimals`` places with the minus sign ``MINUS`` (a rounded zero has none)."""
    text = f"{x:.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace("-", MINUS)


def significant(x: float, digits: int = 2) -> str:
    """``x`` to ``digits`` significant figures (effect sizes: ``g = 4.1``, ``g = 11``)."""
    if x == 0 or not math.isfinite(x):
        return signed(x)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return number(x, decimals)


def statistic_text(x: float) -> str:
    """A test statistic as APA writes it: two decimals (``t = 25.02``)."""
    return number(x, 2)




def percent(confidence: float) -> str:
    """A confidence level as text: ``0.95 -> "95%"``, ``1 - 0.05/3 -> "98.33%"``."""
    return f"{100 * confidence:.4g}%"


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
    against: bool = False,
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
        against: the p-values are of the one-sided test against the prediction.
    """
    symbol = label(test).statistic
    if test in ("permutation", "tost_permutation"):
        head = f"{symbol} ({method})" if method else symbol
    elif statistic is None:
        head = f"{symbol} undefined"
    elif df is not None and test in ("welch", "tost_welch"):
        head = f"{symbol}({df:.1f}) = {statistic_text(statistic)}"
    elif df is not None:
        head = f"{symbol}({df:.0f}) = {statistic_text(statistic)}"
    else:
        head = f"{symbol} = " + signed(statistic)
    parts = [head]
    if pvalue is not None:
        parts.append(p_clause(pvalue) + (" against the prediction" if against else ""))
    if correction != "none" and pvalue_adjusted is not None:
        parts.append(f"{correction}-adjusted {p_clause(pvalue_adjusted)}")
    if hedges_g is not None:
        parts.append(f"g = {significant(hedges_g)}")
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
    interval: DecisionInterval | None,
    stats_text: str,
    tost: EquivalenceTest | None = None,
    tost_text: str = "",
    failures: str = "",
    resolution: float | None = None,
    margin: float | None = None,
    alternative: str = "",
) -> str:
    """One plain sentence for the verdict, with the interval that decided it.

    ``stats_text`` is the APA string of the test that decided (``apa``);
    ``tost_text`` TOST's p-values where TOST decided beside another claim.
    A non-inferiority claim (``alternative`` ``greater`` where higher is
    better, ``less`` where lower is) reads "not worse by more than
    ``margin``", never "the same".

    Example: ``batch 4 is higher than batch 128 by 0.21 accuracy (by at least
    0.18 with 95% confidence; Welch t(13.1) = 9.41, p < .001, g = 4.1, 10
    seeds per arm).``
    """
    words = metric.replace("_", " ")
    tail = f" {failures}" if failures else ""
    if difference is None:
        return (f"{treatment} cannot be compared with {control} on {words}: "
                f"{reason}.{tail}")
    low, high = (None, None) if interval is None else (interval.low, interval.high)
    spread = None if low is None or high is None else (high - low) / 2
    if resolution is not None:  # float rounding below the data's resolution is not data
        if abs(difference) <= resolution:
            difference = 0.0
        if spread is not None and spread <= resolution:
            spread = None
    dec = decimals_for(spread, difference, resolution)

    def n(x: float | None) -> str:
        return "n/a" if x is None else number(x, dec)

    def both() -> str:
        if interval is None:
            return "no interval"
        return f"{percent(interval.confidence)} CI {n(low)} to {n(high)}"

    if direction is Direction.NONINFERIOR:
        return _noninferior(verdict, reason, treatment, control, words, n(difference), margin,
                            alternative, interval, n, stats_text, both(), tail)
    directional = direction in (Direction.GREATER, Direction.LESS)
    if verdict in (Verdict.SUPPORTED, Verdict.CONTRADICTED) and directional:
        higher = difference > 0
        word = "higher" if higher else "lower"
        bound, confidence = (low, interval.low_confidence) if higher else (
            None if high is None else -high, interval.high_confidence)
        extra = (", the opposite of the prediction" if verdict is Verdict.CONTRADICTED
                 else "")
        return (f"{treatment} is {word} than {control} by {n(abs(difference))} {words} "
                f"(by at least {n(bound)} with {percent(confidence)} confidence; "
                f"{stats_text}){extra}.{tail}")
    if verdict is Verdict.SUPPORTED:
        word = "higher" if difference > 0 else "lower"
        lo, hi = (low, high) if difference > 0 else (
            None if high is None else -high, None if low is None else -low)
        return (f"{treatment} is {word} than {control} by {n(abs(difference))} {words} "
                f"({percent(interval.confidence)} CI {n(lo)} to {n(hi)}; "
                f"{stats_text}).{tail}")
    if verdict is Verdict.EQUIVALENT and tost is not None:
        shown = f"TOST {tost_text}; {stats_text}" if tost_text else stats_text
        return (f"{treatment} is equivalent to {control} within ±{tost.margin:g} "
                f"{words}: the difference is {n(difference)} ({both()}; {shown}).{tail}")
    claim = {Direction.GREATER: "higher than", Direction.LESS: "lower than",
             Direction.TWO_SIDED: "different from",
             Direction.EQUIVALENT: "equivalent to"}[direction]
    if verdict is Verdict.CONTRADICTED:
        return (f"{treatment} is not equivalent to {control}: the difference is "
                f"{n(difference)} {words} ({both()}; {stats_text}), beyond the margin; "
                f"{reason}.{tail}")
    return (f"The data do not show that {treatment} is {claim} {control}: the "
            f"difference is {n(difference)} {words} ({both()}; {stats_text}); "
            f"inconclusive: {reason}.{tail}")


def _noninferior(verdict, reason, treatment, control, words, difference, margin, alternative,
                 interval, n, stats_text, both, tail) -> str:
    """The sentence of a non-inferiority claim: "not worse by more than margin" (worse follows the metric)."""
    higher_better = alternative == "greater"
    by = f"by more than {'the margin' if margin is None else f'{margin:g}'} {words}"
    if verdict is Verdict.SUPPORTED:
        word, bound, confidence = (("at least", interval.low, interval.low_confidence) if higher_better
                                   else ("at most", interval.high, interval.high_confidence))
        return (f"{treatment} is not worse than {control} {by}: the difference is {difference} "
                f"({word} {n(bound)} with {percent(confidence)} confidence; {stats_text}).{tail}")
    if verdict is Verdict.CONTRADICTED:
        word, bound, confidence = (("at most", interval.high, interval.high_confidence) if higher_better
                                   else ("at least", interval.low, interval.low_confidence))
        return (f"{treatment} is worse than {control} {by}: the difference is {difference} "
                f"({word} {n(bound)} with {percent(confidence)} confidence; {stats_text}).{tail}")
    return (f"The data do not show that {treatment} is not worse than {control} {by}: the "
            f"difference is {difference} ({both}; {stats_text}); inconclusive: {reason}.{tail}")
