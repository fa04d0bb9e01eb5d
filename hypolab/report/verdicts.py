"""What the report says first: the hypothesis' verdict, the dose series, each decision interval.

Read from the ``Analysis`` record: its one ``verdict`` (the series verdict
for a dose series), the ``SeriesAnalysis`` with each dose against the
previous one, and each comparison's ``DecisionInterval`` (the interval that
agrees with its verdict). The banner, ``summary.md``, the index and the
terminal all show the hypothesis' verdict first (``headline``).
"""

from __future__ import annotations

from typing import Any

from hypolab.records import Analysis, Comparison, DecisionInterval, SeriesAnalysis
from hypolab.report.numbers import fmt, fmt_estimate, fmt_p
from hypolab.stats.labels import label


def headline(analysis: Analysis) -> dict[str, str] | None:
    """The hypothesis' one verdict, where it says more than its only comparison.

    Returns:
        ``{"label", "verdict", "sentence"}`` for a dose series or several
        treatments; None for one treatment (its comparison is the verdict).
    """
    if analysis.series is not None:
        return {"label": "Dose series", "verdict": analysis.series.verdict.value,
                "sentence": analysis.series.sentence, "reason": analysis.series.reason}
    if len(analysis.comparisons) > 1 or (analysis.verdict_reason and not analysis.comparisons):
        return {"label": "Hypothesis", "verdict": analysis.verdict.value,
                "sentence": _capital(analysis.verdict_reason) + ".", "reason": analysis.verdict_reason}
    return None


def headline_line(analysis: Analysis) -> str | None:
    """The headline as one line of text (terminal, ``summary.md``), or None."""
    head = headline(analysis)
    if head is None:
        return None
    return f"Verdict ({head['label'].lower()}): {head['verdict']}. {head['sentence']}"


def interval_text(interval: DecisionInterval | None) -> str:
    """``[0.0034, 0.0076] (94.5%)``: the decision interval and its joint level; ``—`` without one.

    Bounds at the decimals of the verdict's sentence (``fmt_estimate``).
    """
    if interval is None or interval.low is None or interval.high is None:
        return "—"
    _, low, high = fmt_estimate(None, interval.low, interval.high)
    return f"[{low}, {high}] ({level_text(interval)})"


def effect_text(difference: float | None, interval: DecisionInterval | None) -> str:
    """``0.0050 [0.0029, 0.0071] (94.5%)``: the difference and its decision interval, at one precision."""
    if interval is None or interval.low is None or interval.high is None:
        return fmt_estimate(difference)[0] + " —"
    value, _, _ = fmt_estimate(difference, interval.low, interval.high)
    return f"{value} {interval_text(interval)}"


def level_text(interval: DecisionInterval) -> str:
    """The interval's level, with each bound's own where they differ: ``94.5%: 95% and 99.5% bounds``."""
    joint = f"{100 * interval.confidence:.4g}%"
    if abs(interval.low_confidence - interval.high_confidence) < 1e-12:
        return joint
    return (f"{joint}: lower bound {100 * interval.low_confidence:.4g}%, upper "
            f"{100 * interval.high_confidence:.4g}%")


def decision_text(c: Comparison) -> str:
    """The adjusted p-value that decided the verdict against its level, e.g. ``p = .003 < 0.05``."""
    if c.decision_pvalue is None or c.decision_alpha is None:
        return "—"
    sign = "<" if c.decision_pvalue < c.decision_alpha else "≥"
    return f"p {fmt_p(c.decision_pvalue).removeprefix('= ')} {sign} {c.decision_alpha:g} ({c.decided_by})"


def series_context(series: SeriesAnalysis) -> dict[str, Any]:
    """The dose series for the page: its test in words and one row per step."""
    test = series.test
    z = "" if test.z is None else f", z = {fmt(test.z)}"
    steps = [
        {
            "label": f"{step.lower} → {step.upper}",
            "test": step.test,
            "difference": fmt(step.difference),
            "interval": interval_text(step.interval),
            "pvalue": fmt_p(step.pvalue).removeprefix("= "),
            "pvalue_adjusted": fmt_p(step.pvalue_adjusted).removeprefix("= "),
            "conclusion": step.conclusion.value,
            "reverses": step.conclusion.value == "significant, opposite",
        }
        for step in series.steps
    ]
    return {
        "verdict": series.verdict.value,
        "sentence": series.sentence,
        "reason": series.reason,
        "test": (f"{label(test.test).statistic} = {fmt(test.statistic)} (expected "
                 f"{fmt(test.mean)} without a trend){z}, p {fmt_p(test.pvalue)}, {test.method}; "
                 f"over {' → '.join(test.arms)}"),
        "steps": steps,
        "correction": series.step_correction,
        "alpha_contradicted": f"{series.alpha_contradicted:g}",
    }


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
