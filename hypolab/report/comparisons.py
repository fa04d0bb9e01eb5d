"""The comparison tables: the statistics of each treatment against the control.

Rows hold text already rounded for the page. Optional analysis fields the
stats engine may add (``robustness``, ``apa``, effect-size CIs, ``tost``, ...)
are shown where present and never required; fields this module does not know
are passed on whole (``field_tree``) so that nothing the analysis says is lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypolab.report.numbers import fmt, fmt_p, fmt_percent, is_number

#: Comparison fields with a place of their own in the statistics table.
KNOWN_COMPARISON_FIELDS = frozenset(
    {
        "control", "treatment", "test", "test_reason", "statistic", "df", "pvalue",
        "pvalue_adjusted", "difference", "ci_low", "ci_high", "hedges_g", "cliffs_delta",
        "prob_superiority", "power_at_margin", "seeds_needed", "verdict", "sentence",
        "apa", "robustness", "verdict_reason", "relative_change", "bootstrap_ci", "alternative",
        "correction", "tost", "seeds_per_arm", "n_pairs",
    }
)  # fmt: skip

_EFFECTS = (("hedges_g", "Hedges' g"), ("cliffs_delta", "Cliff's δ"),
            ("prob_superiority", "P(treatment > control)"))  # fmt: skip


def statistics_rows(comparisons: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per comparison for the statistics table, text already formatted."""
    rows = []
    for comp in comparisons:
        effects = []
        for name, label in _EFFECTS:
            low, high = _effect_ci(comp, name)
            ci = f" [{fmt(low)}, {fmt(high)}]" if low is not None else ""
            effects.append({"label": label, "text": fmt(comp.get(name)) + ci})
        effect_text = {name: item["text"] for (name, _), item in zip(_EFFECTS, effects, strict=True)}
        extra = {
            key: value for key, value in comp.items()
            if key not in KNOWN_COMPARISON_FIELDS and not _is_effect_ci(key)
        }  # fmt: skip
        rows.append(
            {
                "control": str(comp.get("control", "")),
                "treatment": str(comp.get("treatment", "")),
                "test": str(comp.get("test") or "—"),
                "test_reason": str(comp.get("test_reason") or ""),
                "statistic": fmt(comp.get("statistic")),
                "df": fmt(comp.get("df")),
                "pvalue": fmt_p(comp.get("pvalue")).removeprefix("= "),
                "pvalue_adjusted": fmt_p(comp.get("pvalue_adjusted")).removeprefix("= "),
                "difference": fmt(comp.get("difference")),
                "ci": f"[{fmt(comp.get('ci_low'))}, {fmt(comp.get('ci_high'))}]",
                "relative": _relative(comp.get("relative_change")),
                "bootstrap_ci": _pair_text(comp.get("bootstrap_ci")),
                "alternative": str(comp.get("alternative") or ""),
                "n_pairs": fmt(comp["n_pairs"]) if comp.get("n_pairs") is not None else "",
                "verdict_reason": str(comp.get("verdict_reason") or ""),
                "tost": field_tree(comp["tost"]) if comp.get("tost") else None,
                "effects": effects,
                **effect_text,
                "power_at_margin": fmt_percent(comp.get("power_at_margin")),
                "seeds_needed": fmt(comp.get("seeds_needed")),
                "verdict": str(comp.get("verdict") or "inconclusive"),
                "robustness": field_tree(comp["robustness"])
                if comp.get("robustness") and not _is_records(comp["robustness"]) else None,
                "extra": field_tree(extra) if extra else None,
            }
        )
    return rows


#: The statistics table, one row per quantity: (label, field of a statistics row, kind).
_STAT_LINES = (
    ("test", "test", "code"), ("why this test", "test_reason", "reason"),
    ("alternative", "alternative", "text"), ("pairs", "n_pairs", "text"),
    ("statistic", "statistic", "num"), ("df", "df", "num"), ("p", "pvalue", "num"),
    ("adjusted p", "pvalue_adjusted", "num"), ("difference", "difference", "num"),
    ("CI of the difference", "ci", "num"), ("relative change", "relative", "num"),
    ("BCa bootstrap CI (seeded; runs narrow below ~20 seeds)", "bootstrap_ci", "num"), ("Hedges' g [CI]", "hedges_g", "num"),
    ("Cliff's δ", "cliffs_delta", "num"), ("P(treatment > control) [CI]", "prob_superiority", "num"),
    ("power at margin", "power_at_margin", "num"),
    ("seeds needed (80% power)", "seeds_needed", "num"), ("verdict", "verdict", "verdict"),
    ("why this verdict", "verdict_reason", "reason"),
)  # fmt: skip


def statistics_table(rows: Sequence[Mapping[str, Any]], ci_level: str) -> list[dict[str, Any]]:
    """The statistics rows turned sideways: one line per quantity, one column per comparison.

    Lines that no comparison has a value for (e.g. ``pairs`` for independent
    arms) are left out.
    """
    lines = []
    for label, key, kind in _STAT_LINES:
        cells = [str(row.get(key) or "") for row in rows]
        if not any(cell not in ("", "—") for cell in cells) and kind != "verdict":
            continue
        if key == "ci":
            label = f"{ci_level} CI of the difference"
        lines.append({"label": label, "kind": kind, "cells": cells})
    return lines


def robustness_rows(comparisons: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The robustness panel: per comparison, the primary test then each other test.

    Each entry of a comparison's ``robustness`` list is expected to name its
    ``test`` and may give ``method``, ``statistic``, ``df``, ``pvalue``,
    ``pvalue_adjusted``, ``conclusion`` and ``agrees`` (with the primary
    test's verdict); other keys stay in ``results.json``. A comparison whose
    ``robustness`` is not such a list is left out here and shown whole in
    its "more" section.
    """
    rows = []
    for comp in comparisons:
        others = comp.get("robustness")
        if not isinstance(others, (list, tuple)) or not all(isinstance(o, Mapping) for o in others):
            continue
        label = f"{comp.get('treatment')} vs {comp.get('control')}"
        primary = {**comp, "method": "primary test", "conclusion": comp.get("verdict"), "agrees": None}
        for i, entry in enumerate([primary, *others]):
            agrees = entry.get("agrees")
            rows.append(
                {
                    "comparison": label if i == 0 else "",
                    "test": str(entry.get("test") or "—"),
                    "method": str(entry.get("method") or ""),
                    "statistic": fmt(entry.get("statistic")),
                    "df": fmt(entry.get("df")),
                    "pvalue": fmt_p(entry.get("pvalue")).removeprefix("= "),
                    "pvalue_adjusted": fmt_p(entry.get("pvalue_adjusted")).removeprefix("= "),
                    "conclusion": str(entry.get("conclusion") or ""),
                    "agrees": "" if agrees is None else ("yes" if agrees else "no: disagrees"),
                    "disagrees": agrees is False,
                    "first": i == 0,
                }
            )
    return rows


def field_tree(value: Any) -> dict[str, Any]:
    """Any JSON value as a tree the template's ``show`` macro renders.

    Nodes: ``{"kind": "text", "text"}``, ``{"kind": "map", "items": [(key, node)]}``,
    ``{"kind": "table", "columns", "rows"}`` (a list of mappings) and
    ``{"kind": "list", "items"}``.
    """
    if isinstance(value, Mapping):
        return {"kind": "map", "items": [(str(k), field_tree(v)) for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(item, Mapping) for item in value):
            columns: list[str] = []
            for item in value:
                columns.extend(str(k) for k in item if str(k) not in columns)
            rows = [[field_tree(item.get(col)) for col in columns] for item in value]
            return {"kind": "table", "columns": columns, "rows": rows}
        return {"kind": "list", "items": [field_tree(item) for item in value]}
    return {"kind": "text", "text": fmt(value)}


def _is_records(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, Mapping) for v in value)


def _relative(value: Any) -> str:
    if not is_number(value):
        return ""
    return f"{100 * value:+.1f}%".replace("-", "−")


def _pair_text(pair: Any) -> str:
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return f"[{fmt(pair[0])}, {fmt(pair[1])}]"
    return ""


def _effect_ci(comp: Mapping[str, Any], name: str) -> tuple[Any, Any]:
    pair = comp.get(f"{name}_ci")
    if isinstance(pair, (list, tuple)) and len(pair) == 2:
        return pair[0], pair[1]
    if f"{name}_ci_low" in comp or f"{name}_ci_high" in comp:
        return comp.get(f"{name}_ci_low"), comp.get(f"{name}_ci_high")
    return None, None


def _is_effect_ci(key: str) -> bool:
    return any(key.startswith(f"{name}_ci") for name, _ in _EFFECTS)
