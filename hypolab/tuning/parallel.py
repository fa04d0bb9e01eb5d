"""The tune report's views of the trials: category axes for choices, and parallel coordinates.

A ``choice`` hyperparameter (even of numbers, ``batch_size: [16, 32, 64]``)
and a ``boolean`` are categories: plotted at evenly spaced ticks in the order
the search file lists them, never on a numeric axis. The parallel-coordinates
view draws every finished trial as one line across an axis per searched
hyperparameter and a last axis for the objective, coloured by the score,
the chosen trial drawn thick.

Example:

    uri = parallel_plot(search, ranked, best)   # an SVG data: URI, or None
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from hypolab.report.plots import PALETTE, figure, to_data_uri
from hypolab.tuning.searchspec import SearchSpec
from hypolab.tuning.space import ParamKind, Sampling
from hypolab.tuning.trials import TrialSummary


def label(value: Any) -> str:
    """A category's tick label: ``true``/``false`` for booleans, else the value as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def categories(search: SearchSpec) -> dict[str, list[str]]:
    """The category labels of each ``choice`` and ``boolean`` hyperparameter, in the search file's order."""
    found: dict[str, list[str]] = {}
    for param in search.space:
        if param.kind is ParamKind.CHOICE:
            found[param.key] = [label(v) for v in param.values]
        elif param.kind is ParamKind.BOOLEAN:
            found[param.key] = ["false", "true"]
    return found


def axis_positions(values: Sequence[Any], labels: Sequence[str] | None) -> tuple[list[float], list[str] | None]:
    """Where trials' ``values`` of one hyperparameter go on its axis, and its category labels (None: numeric).

    With ``labels`` (a choice or boolean, ``categories``) each value sits at
    its label's index, whatever its type; without, numbers are numbers, and
    anything else becomes a category, sorted.
    """
    if labels is None and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values], None
    ordered = list(labels) if labels is not None else []
    ordered += sorted({label(v) for v in values} - set(ordered))
    return [float(ordered.index(label(v))) for v in values], ordered


def log_scaled(search: SearchSpec) -> set[str]:
    """Hyperparameters sampled on a log scale (their axes are logarithmic)."""
    return {p.key for p in search.space if p.sampling is not Sampling.LINEAR}


def parallel_plot(search: SearchSpec, names: Sequence[str], ranked: Sequence[TrialSummary],
                  best: TrialSummary | None) -> str | None:  # fmt: skip
    """Every finished trial as a line over its hyperparameters and its score; None under 2 trials or axes."""
    import matplotlib

    trials = [t for t in ranked if t.score is not None]
    if len(trials) < 2 or not names:
        return None
    cats, logs = categories(search), log_scaled(search)
    axes_names = [*names, search.tuner.objective]

    def position(name: str, value: Any) -> float | None:
        if value is None:
            return None
        if name in cats:
            labels = cats[name]
            return labels.index(label(value)) / max(len(labels) - 1, 1) if label(value) in labels else None
        return float(value)

    columns: list[list[float | None]] = []
    ticks: list[tuple[list[float], list[str]]] = []
    for index, name in enumerate(axes_names):
        if index == len(names):  # the last axis: the objective
            raw: list[float | None] = [float(t.score) for t in trials]
        else:
            raw = [position(name, t.values.get(name)) for t in trials]
        if name in cats and index < len(names):
            labels = cats[name]
            columns.append(raw)
            ticks.append(([i / max(len(labels) - 1, 1) for i in range(len(labels))], labels))
            continue
        present = [v for v in raw if v is not None]
        use_log = index < len(names) and name in logs and bool(present) and min(present) > 0
        scaled = [None if v is None else (math.log10(v) if use_log else v) for v in raw]
        values = [v for v in scaled if v is not None]
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        span = (high - low) or 1.0
        columns.append([None if v is None else (v - low) / span for v in scaled])
        ends = [low, high]
        ticks.append(([0.0, 1.0], [f"{10 ** e:.3g}" if use_log else f"{e:.4g}" for e in ends]))
    scores = [float(t.score) for t in trials]
    smin, smax = min(scores), max(scores)
    colour = matplotlib.colormaps["viridis"]
    width = max(6.0, 1.3 * len(axes_names) + 1.5)
    with figure(width, 3.6) as (fig, ax):
        xs = list(range(len(axes_names)))
        for row, trial in enumerate(trials):
            ys = [column[row] for column in columns]
            points = [(x, y) for x, y in zip(xs, ys) if y is not None]
            if len(points) < 2:
                continue
            shade = colour(0.15 + 0.8 * ((scores[row] - smin) / ((smax - smin) or 1.0)))
            is_best = best is not None and trial.trial_id == best.trial_id
            ax.plot(*zip(*points), color=PALETTE[1] if is_best else shade, linewidth=2.6 if is_best else 1.0,
                    alpha=1.0 if is_best else 0.7, zorder=3 if is_best else 2)  # fmt: skip
        for x, (positions, labels) in zip(xs, ticks):
            ax.axvline(x, color="#888", linewidth=0.8, zorder=1)
            for y, text in zip(positions, labels):
                ax.text(x + 0.04, y, text, fontsize=7.5, va="center", ha="left", color="#333")
        ax.set_xticks(xs, axes_names, rotation=20, ha="right")
        ax.set_yticks([])
        ax.set_ylim(-0.06, 1.06)
        ax.set_xlim(-0.2, len(axes_names) - 0.6)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        return to_data_uri(fig)
