"""The comparison tables: the statistics of each treatment against the control.

Rows hold text already rounded for the page, read from the ``Comparison``
records; the tests are named as ``hypolab.stats.labels`` names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypolab.records import Comparison, EquivalenceTest, MarginTest
from hypolab.report.numbers import fmt, fmt_df, fmt_effect, fmt_estimate, fmt_p, fmt_percent, fmt_statistic, is_number
from hypolab.report.verdicts import decision_text, interval_text
from hypolab.stats.labels import label


def statistics_rows(comparisons: Sequence[Comparison]) -> list[dict[str, Any]]:
    """One row per comparison for the statistics table, text already formatted."""
    rows = []
    for c in comparisons:
        difference, ci_low, ci_high = fmt_estimate(c.difference, c.ci_low, c.ci_high)
        g_ci = "" if c.hedges_g_ci is None else f" [{fmt_effect(c.hedges_g_ci[0])}, {fmt_effect(c.hedges_g_ci[1])}]"
        effects = [
            {"label": "Hedges' g", "text": fmt_effect(c.hedges_g) + g_ci},
            {"label": "Cliff's δ", "text": fmt(c.cliffs_delta)},
            {"label": "P(treatment > control)",
             "text": fmt(c.prob_superiority) + _interval(c.prob_superiority_ci)},
        ]  # fmt: skip
        rows.append(
            {
                "control": c.control,
                "treatment": c.treatment,
                "test": c.test or "—",
                "test_title": label(c.test).title if c.test else "",
                "test_reason": c.test_reason,
                "statistic": fmt_statistic(c.statistic),
                "df": fmt_df(c.df),
                "pvalue": _p(c.pvalue),
                "pvalue_adjusted": _p(c.pvalue_adjusted),
                "difference": difference,
                "ci": f"[{ci_low}, {ci_high}]",
                "decision_interval": interval_text(c.decision_interval),
                "decision": decision_text(c),
                "interval_note": "" if c.decision_interval is None else c.decision_interval.note,
                "disagreement": c.disagreement,
                "relative": _relative(c.relative_change),
                "bootstrap_ci": _interval(c.bootstrap_ci).strip(),
                "alternative": c.alternative,
                "n_pairs": fmt(c.n_pairs) if c.n_pairs is not None else "",
                "verdict_reason": c.verdict_reason,
                "tost": tost_rows(c.tost) if c.tost is not None else None,
                "effects": effects,
                "hedges_g": effects[0]["text"],
                "cliffs_delta": effects[1]["text"],
                "prob_superiority": effects[2]["text"],
                "power_at_margin": fmt_percent(c.power_at_margin),
                "seeds_needed": fmt(c.seeds_needed),
                "verdict": c.verdict.value,
            }
        )
    return rows


#: The statistics table, one row per quantity: (label, field of a statistics row, kind).
_STAT_LINES = (
    ("test", "test", "code"), ("why this test", "test_reason", "reason"),
    ("alternative", "alternative", "text"), ("pairs", "n_pairs", "text"),
    ("statistic", "statistic", "num"), ("df", "df", "num"), ("p", "pvalue", "num"),
    ("adjusted p", "pvalue_adjusted", "num"),
    ("adjusted p that decided, against its level", "decision", "num"),
    ("difference", "difference", "num"),
    ("interval that decided the verdict", "decision_interval", "num"),
    ("about that interval", "interval_note", "reason"),
    ("CI of the difference", "ci", "num"), ("relative change", "relative", "num"),
    ("BCa bootstrap CI (seeded; runs narrow below ~20 seeds)", "bootstrap_ci", "num"), ("Hedges' g [CI]", "hedges_g", "num"),
    ("Cliff's δ", "cliffs_delta", "num"), ("P(treatment > control) [CI]", "prob_superiority", "num"),
    ("power at the margin (for the next study)", "power_at_margin", "num"),
    ("seeds per arm for 80% power at the margin (next study)", "seeds_needed", "num"), ("verdict", "verdict", "verdict"),
    ("why this verdict", "verdict_reason", "reason"),
    ("robustness panel disagrees", "disagreement", "reason"),
)  # fmt: skip


def statistics_table(rows: Sequence[dict[str, Any]], ci_level: str) -> list[dict[str, Any]]:
    """The statistics rows turned sideways: one line per quantity, one column per comparison.

    Lines that no comparison has a value for (e.g. ``pairs`` for independent
    arms) are left out.
    """
    lines = []
    for text, key, kind in _STAT_LINES:
        cells = [str(row.get(key) or "") for row in rows]
        if not any(cell not in ("", "—") for cell in cells) and kind != "verdict":
            continue
        if key == "ci":
            text = f"{ci_level} CI of the difference (two-sided, unadjusted)"
        lines.append({"label": text, "kind": kind, "cells": cells,
                      "titles": [row["test_title"] for row in rows] if key == "test" else []})  # fmt: skip
    return lines


def robustness_rows(comparisons: Sequence[Comparison]) -> list[dict[str, Any]]:
    """The robustness panel: per comparison, the primary test then each other test.

    A comparison without a panel (no test could run) is left out.
    """
    rows = []
    for c in comparisons:
        if not c.robustness:
            continue
        primary = {"test": c.test, "method": "primary test", "statistic": c.statistic, "df": c.df,
                   "pvalue": c.pvalue, "pvalue_adjusted": c.pvalue_adjusted,
                   "conclusion": c.verdict.value, "agrees": None, "can_reach_alpha": True}  # fmt: skip
        others = [{"test": check.test.value, "method": check.method, "statistic": check.statistic,
                   "df": check.df, "pvalue": check.pvalue, "pvalue_adjusted": check.pvalue_adjusted,
                   "conclusion": check.conclusion.value, "agrees": check.agrees,
                   "can_reach_alpha": check.can_reach_alpha}
                  for check in c.robustness]  # fmt: skip
        for i, entry in enumerate([primary, *others]):
            agrees = entry["agrees"]
            rows.append(
                {
                    "comparison": f"{c.treatment} vs {c.control}" if i == 0 else "",
                    "test": entry["test"],
                    "title": label(entry["test"]).title,
                    "method": entry["method"],
                    "statistic": fmt(entry["statistic"]),
                    "df": fmt_df(entry["df"]),
                    "pvalue": _p(entry["pvalue"]),
                    "pvalue_adjusted": _p(entry["pvalue_adjusted"]),
                    "conclusion": entry["conclusion"],
                    "agrees": "" if agrees is None else ("yes" if agrees else "no: disagrees"),
                    "disagrees": agrees is False,
                    "cannot_reach": not entry["can_reach_alpha"],
                    "first": i == 0,
                }
            )
    return rows


def tost_rows(tost: EquivalenceTest) -> list[dict[str, str]]:
    """The equivalence test as a key/value table: both one-sided tests, TOST p, the interval."""
    margin = fmt(tost.margin)
    return [
        {"key": "test", "value": label(tost.test).title},
        {"key": f"difference > −{margin} (H0: difference ≤ −{margin})", "value": _t_text(tost.lower)},
        {"key": f"difference < +{margin} (H0: difference ≥ +{margin})", "value": _t_text(tost.upper)},
        {"key": "TOST p (the larger of the two)",
         "value": f"p {fmt_p(tost.pvalue)}, adjusted p {fmt_p(tost.pvalue_adjusted)}"},
        {"key": f"{100 * tost.ci_level:g}% CI of the difference",
         "value": f"[{fmt(tost.ci_low)}, {fmt(tost.ci_high)}], against ±{margin}"},
        {"key": f"difference beyond ±{margin} (non-equivalence)",
         "value": f"p {fmt_p(tost.nonequivalence_pvalue)}, "
                  f"adjusted p {fmt_p(tost.nonequivalence_pvalue_adjusted)}"},
    ]  # fmt: skip


def _t_text(test: MarginTest) -> str:
    if test.statistic is None:
        return "t undefined (no spread in the differences)"
    return f"t({fmt_df(test.df)}) = {fmt(test.statistic)}, p {fmt_p(test.pvalue)}"


def _p(value: float | None) -> str:
    return fmt_p(value).removeprefix("= ")


def _relative(value: float | None) -> str:
    if not is_number(value):
        return ""
    return f"{100 * value:+.1f}%".replace("-", "−")


def _interval(pair: tuple[float, float] | None) -> str:
    return "" if pair is None else f" [{fmt(pair[0])}, {fmt(pair[1])}]"
