"""What the report page shows, gathered from the hypothesis, its runs and the analysis.

``build_context`` turns the three inputs into plain values for the template
(text already rounded, figures as ``data:`` URIs), in the page's order:
verdict (the hypothesis' or the dose series' first), claim, design,
results, dose series, learning curves, several treatments, statistics,
failures, reproducibility.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypolab import __version__
from hypolab.compute import arm_steps, compute_warning, recorded_train_examples, train_examples
from hypolab.records import Analysis, Hypothesis, RunResult, RunStatus
from hypolab.report import comparisons as comparison_tables
from hypolab.report import design, tables
from hypolab.report.numbers import is_number
from hypolab.report.omnibus import omnibus_table, trend_text
from hypolab.report.provenance import baseline_provenance
from hypolab.report.render import GENERATOR
from hypolab.report.verdicts import headline, series_context


def build_context(
    h: Hypothesis,
    results: Sequence[RunResult],
    analysis: Analysis,
    *,
    command: str,
    rendered_at: str,
    secondary: Sequence[Analysis] = (),
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """Everything the page template shows, as plain values (text already rounded).

    The statistics (settings included: alpha, margin, the test) come from
    ``analysis`` alone; the runs give what it does not hold: each seed's
    value for the plots, the learning curves, failures and provenance.
    ``secondary`` are the secondary metrics' analyses, shown beside the
    verdict; ``out_dir`` is where the page goes (saved models are linked from it).
    """
    from hypolab.report.curves import learning_curves
    from hypolab.report.plots import arm_colours, dose_response_plot, estimation_plot, forest_plot

    names = [arm.name for arm in h.arms]
    colours = arm_colours(names)
    arms_by_name = {a.name: a for a in analysis.arms}
    comparisons = analysis.comparisons
    alpha, margin = analysis.alpha, analysis.margin
    ci_level = f"{100 * (1 - alpha):g}%"
    values = {
        name: [
            float(r.metrics[h.metric])
            for r in sorted(results, key=lambda r: r.seed)
            if r.arm == name and r.status == RunStatus.FINISHED and is_number((r.metrics or {}).get(h.metric))
        ]
        for name in names
    }  # fmt: skip
    verdicts = [
        {
            "treatment": c.treatment,
            "control": c.control,
            "verdict": c.verdict.value,
            "sentence": c.sentence,
            "apa": c.apa,
            "apa_shown": bool(c.apa) and c.apa not in c.sentence,
            "colour": colours[c.treatment],
            "disagreement": c.disagreement,
        }
        for c in comparisons
    ]
    series = analysis.series
    stat_rows = comparison_tables.statistics_rows(comparisons)
    steps = arm_steps(h.arms, recorded_train_examples(results) or train_examples(h.data), results)
    sequential = None
    if analysis.sequential is not None:
        from hypolab.report.sequential import sequential_context

        sequential = sequential_context(analysis.sequential, colours,
                                        two_sided=analysis.direction.value == "two-sided")
    return {
        "generator": GENERATOR,
        "hypolab_version": __version__,
        "rendered_at": rendered_at,
        "h": h,
        "direction": analysis.direction.value,
        "test_name": analysis.test.value,
        "pairing": analysis.pairing.value,
        "correction": analysis.correction.value,
        "alpha": alpha,
        "margin": margin,
        "margin_text": "not set" if margin is None else f"{margin:g}",
        "seeds_text": seeds_text(h.seeds),
        "overall": analysis.verdict.value,
        "headline": headline(analysis),
        "verdicts": verdicts,
        "series": series_context(series) if series is not None else None,
        "sequential": sequential,
        "dose_plot": dose_response_plot(values, arms_by_name, series.test.arms, analysis.trend,
                                        metric=h.metric, alpha=alpha, colours=colours)
        if series is not None else None,  # fmt: skip
        "arms": [
            {"name": arm.name, "colour": colours[arm.name], "is_control": arm.is_control,
             "overrides": design.overrides_text(arm), "steps": row.text()}
            for arm, row in zip(h.arms, steps)
        ],  # fmt: skip
        "compute_warning": compute_warning(steps),
        "baseline": baseline_provenance(h, out_dir),
        "differing": design.differing_keys(h.arms),
        "shared": design.shared_config(h.arms),
        "data_rows": design.data_rows(h, results),
        "configs": design.resolved_configs(h.arms),
        "estimation": estimation_plot(values, arms_by_name, comparisons, metric=h.metric,
                                      margin=margin, alpha=alpha, colours=colours)
        if any(values.values()) else None,  # fmt: skip
        "curves": learning_curves(results, arm_names=names, metric=h.metric, colours=colours),
        "forest": forest_plot(comparisons, metric=h.metric, margin=margin, alpha=alpha,
                              colours=colours)
        if len(comparisons) >= 2 else None,  # fmt: skip
        "ci_level": ci_level,
        "arm_rows": tables.arm_rows(analysis.arms, colours),
        "stat_rows": stat_rows,
        "robustness": comparison_tables.robustness_rows(comparisons),
        "stat_table": comparison_tables.statistics_table(stat_rows, ci_level),
        "omnibus": omnibus_table(analysis.omnibus) if analysis.omnibus is not None else None,
        "trend": trend_text(analysis.trend) if analysis.trend is not None else None,
        "notes": list(analysis.notes),
        "failures": tables.failure_rows(results, names),
        "failed_policy": "counted as the worst value" if h.failed_as_worst else "dropped",
        "environment": tables.environment_rows(results, __version__),
        "compute": tables.compute_rows(names, results),
        "runs": tables.run_rows(results, h.metric, names, out_dir=out_dir),
        "run_notes": run_notes(results, names),
        "secondary": [secondary_context(extra, h) for extra in secondary],
        "command": command,
        "n_runs": len(results),
    }


def run_notes(results: Sequence[RunResult], arm_names: Sequence[str]) -> list[dict[str, str]]:
    """Each distinct note of the runs once, with the runs it is about: ``[{"runs", "note"}]``.

    A packed arm's ten runs carry the same 150-character note; the table of
    every run would repeat it on each row.
    """
    by_note: dict[str, dict[str, list[int]]] = {}
    for run in results:
        for note in run.notes:
            by_note.setdefault(note, {}).setdefault(run.arm, []).append(run.seed)
    order = {name: i for i, name in enumerate(arm_names)}
    rows = []
    for note, arms in by_note.items():
        who = "; ".join(f"{arm}, seed{'s' if len(seeds) > 1 else ''} {seeds_text(seeds).rsplit(' (', 1)[0]}"
                        for arm, seeds in sorted(arms.items(), key=lambda item: order.get(item[0], len(order))))  # fmt: skip
        rows.append({"runs": who, "note": note})
    return rows
def secondary_context(extra: Analysis, h: Hypothesis) -> dict[str, Any]:
    """What the page shows of one secondary metric: its settings and one row per comparison."""
    better = h.higher_is_better(extra.metric)
    return {
        "metric": extra.metric,
        "better": "" if better is None else ("higher is better" if better else "lower is better"),
        "correction": extra.correction.value,
        "rows": comparison_tables.statistics_rows(extra.comparisons),
        "sentences": [c.sentence for c in extra.comparisons],
    }


def seeds_text(seeds: Sequence[int]) -> str:
    """Seeds as ranges: ``(0, 1, 2, 3, 7) -> "0–3, 7 (5 seeds)"``."""
    ordered = sorted(seeds)
    parts: list[str] = []
    start = prev = None
    for seed in [*ordered, None]:
        if seed is not None and prev is not None and seed == prev + 1:
            prev = seed
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = seed
    count = len(ordered)
    return f"{', '.join(parts)} ({count} seed{'s' if count != 1 else ''})"


def registration_context(source: str, registered: tuple[str, str] | None) -> dict[str, Any]:
    """What the page says about pre-registration.

    Args:
        source: the hypothesis file's text as it reads now.
        registered: ``(text, registered_at)`` first recorded in the run store
            before any run was trained, or None where the store has none.

    Returns:
        ``registered_at`` (or None), ``edited_since_registration`` and, where
        edited, ``registered_source`` and ``registration_diff`` (a unified diff
        from the registered text to the current one).
    """
    import difflib

    if registered is None:
        return {"registered_at": None, "edited_since_registration": False}
    text, registered_at = registered
    edited = text != source
    diff = ""
    if edited:
        diff = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True), source.splitlines(keepends=True),
                fromfile=f"as registered {registered_at}", tofile="as it reads now",
            )
        )  # fmt: skip
    return {
        "registered_at": registered_at,
        "edited_since_registration": edited,
        "registered_source": text if edited else "",
        "registration_diff": diff,
    }
