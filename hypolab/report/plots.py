"""The report's figures: the estimation, forest and dose-response plots, as SVG.

Matplotlib is imported lazily and driven through ``Figure`` objects with the
SVG canvas directly (no ``pyplot``), so rendering touches no global backend
state. Every figure is returned as an ``<img>``-ready ``data:`` URI: an SVG
shown through ``<img>`` runs no script whatever text an arm name holds, and
prints as vectors.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hypolab.records import ArmSummary, Comparison, TrendTest
from hypolab.report.numbers import fmt_p, metric_label

if TYPE_CHECKING:
    from collections.abc import Iterator

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: seaborn's ``color_palette("colorblind")``, written out so that rendering does
#: not import seaborn (and pandas) just for ten colours.
PALETTE = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
           "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9")  # fmt: skip

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.edgecolor": "#555555",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e4e4e4",
    "grid.linewidth": 0.8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "svg.fonttype": "path",  # text as outlines: identical in every browser and in print
    "svg.hashsalt": "hypolab",  # stable element ids, so the same data gives the same file
    # Every label holds user text (arm names, search keys): plain text, never math text or
    # TeX, so an arm named 'price $x^$' is drawn as written instead of crashing the parser.
    "text.parse_math": False,
    "text.usetex": False,
}


def arm_colours(names: Sequence[str]) -> dict[str, str]:
    """One colourblind-safe colour per arm, in arm order (control first)."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


@contextmanager
def figure(width: float, height: float, *, layout: str | None = "constrained",
           **subplots: Any) -> Iterator[tuple[Figure, Any]]:  # fmt: skip
    """A Figure with the house style, its axes, and nothing global touched.

    ``layout=None`` leaves placement to the caller (``subplots_adjust``): the
    constrained layout measures every label and costs a third of a render.
    """
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width, height), layout=layout)
        axes = fig.subplots(**subplots)
        yield fig, axes


def to_data_uri(fig: Figure) -> str:
    """The figure as an SVG ``data:`` URI, without a date (reproducible bytes)."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.BytesIO()
    FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None, "Creator": "hypolab"})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def wrap(name: str, width: int = 16) -> str:
    """An arm name wrapped for a tick label."""
    return "\n".join(textwrap.wrap(name, width)) or name


def estimation_plot(
    values: Mapping[str, Sequence[float]],
    arms: Mapping[str, ArmSummary],
    comparisons: Sequence[Comparison],
    *,
    metric: str,
    margin: float | None,
    alpha: float,
    colours: Mapping[str, str],
) -> str:
    """Every seed as a point per arm, arm means with CIs, and the differences.

    Left: one column per arm (file order), each finished seed's value as a
    jittered point, the mean and its CI (from the analysis) beside them. The
    points are the one thing the analysis does not hold, so they come from
    the runs.
    Right: each treatment's difference from the control with the interval
    that decided its verdict (``Comparison.decision_interval``), against a
    zero line and the ``±margin`` band shaded.

    Args:
        values: per arm name, the metric of each finished run.
        arms: the analysis's ``ArmSummary`` of each arm, by name.
        comparisons: the analysis's comparisons.
        metric: the compared metric (axis label).
        margin: the smallest effect of interest, or None.
        alpha: the CI level is 1 - alpha.
        colours: one colour per arm name.

    Returns:
        An SVG ``data:`` URI.
    """
    import numpy as np

    names = list(values)
    level = f"{100 * (1 - alpha):g}%"
    widths = [max(len(names), 2) * 1.5, max(len(comparisons), 1) * 1.1 + 1.2]
    with figure(max(sum(widths) + 1.6, 7.5), 4.0, ncols=2, width_ratios=widths) as (fig, (left, right)):
        rng = np.random.default_rng(0)  # jitter only; fixed so the same data gives the same file
        for i, name in enumerate(names):
            points = np.asarray(values[name], dtype=float)
            jitter = rng.uniform(-0.13, 0.13, size=len(points))
            left.scatter(i - 0.1 + jitter, points, s=26, color=colours[name], alpha=0.8,
                         edgecolor="white", linewidth=0.6, zorder=3)  # fmt: skip
            summary = arms.get(name)
            if summary is not None and summary.mean is not None:
                _mean_with_ci(left, i + 0.22, summary.mean, summary.ci_low, summary.ci_high,
                              colours[name], vertical=True)  # fmt: skip
        left.set_xticks(range(len(names)), [_tick(name, arms.get(name)) for name in names])
        left.set_xlim(-0.6, len(names) - 0.4)
        left.set_ylabel(metric_label(metric))
        left.set_title(f"Each seed; arm means with {level} CI", loc="left")
        left.grid(axis="x", visible=False)

        _margin_band(right, margin, horizontal=True)
        for j, comp in enumerate(comparisons):
            if comp.difference is not None:
                low, high = _decision(comp)
                _mean_with_ci(right, j, comp.difference, low, high,
                              colours[comp.treatment], vertical=True)  # fmt: skip
        right.set_xticks(range(len(comparisons)), [wrap(c.treatment) for c in comparisons])
        right.set_xlim(-0.6, max(len(comparisons), 1) - 0.4)
        right.set_ylabel(f"difference in {metric_label(metric, unit=False)}\n(treatment − control)")
        right.set_title("Difference, and the\ninterval that decided", loc="left")
        right.grid(axis="x", visible=False)
        if margin:
            right.legend(loc="best", fontsize=8.5)
        return to_data_uri(fig)


def forest_plot(
    comparisons: Sequence[Comparison],
    *,
    metric: str,
    margin: float | None,
    alpha: float,
    colours: Mapping[str, str],
) -> str:
    """Differences from the control with their decision intervals, adjusted p at the right.

    Returns:
        An SVG ``data:`` URI.
    """
    rows = len(comparisons)
    with figure(8.0, 1.3 + 0.45 * rows) as (fig, ax):
        _margin_band(ax, margin, horizontal=False)
        for j, comp in enumerate(comparisons):
            y = rows - 1 - j
            if comp.difference is not None:
                low, high = _decision(comp)
                _mean_with_ci(ax, y, comp.difference, low, high,
                              colours[comp.treatment], vertical=False)  # fmt: skip
            ax.annotate(f"adjusted p {fmt_p(comp.pvalue_adjusted)}", xy=(1.0, y),
                        xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=8.5)  # fmt: skip
        ax.set_yticks(range(rows), [wrap(c.treatment, 28) for c in reversed(comparisons)])
        ax.set_ylim(-0.6, rows - 0.4)
        ax.set_xlabel(f"difference in {metric_label(metric)}: treatment − control, "
                      "interval that decided each verdict")
        ax.grid(axis="y", visible=False)
        if margin:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8.5)
        return to_data_uri(fig)


def dose_response_plot(
    values: Mapping[str, Sequence[float]],
    arms: Mapping[str, ArmSummary],
    series: Sequence[str],
    trend: TrendTest | None,
    *,
    metric: str,
    alpha: float,
    colours: Mapping[str, str],
) -> str:
    """Every seed at its dose, the means with their CIs, and the fitted linear trend.

    The doses are the arms of the series in file order (control first),
    evenly spaced: the series verdict (Jonckheere-Terpstra) uses their order
    only. The line is the least-squares fit through the arm means
    (``TrendTest.intercept + slope * step``).

    Args:
        values: per arm name, the metric of each finished run.
        arms: the analysis's ``ArmSummary`` of each arm, by name.
        series: the arms of the series, in dose order.
        trend: the linear trend over the series, or None.
        metric: the compared metric (axis label).
        alpha: the CI level is 1 - alpha.
        colours: one colour per arm name.

    Returns:
        An SVG ``data:`` URI.
    """
    import numpy as np

    level = f"{100 * (1 - alpha):g}%"
    with figure(max(1.6 * len(series) + 2.0, 6.0), 4.0) as (fig, ax):
        rng = np.random.default_rng(0)  # jitter only; fixed so the same data gives the same file
        for i, name in enumerate(series):
            points = np.asarray(values.get(name, ()), dtype=float)
            ax.scatter(i - 0.1 + rng.uniform(-0.1, 0.1, size=len(points)), points, s=24,
                       color=colours[name], alpha=0.8, edgecolor="white", linewidth=0.6, zorder=3)
            summary = arms.get(name)
            if summary is not None and summary.mean is not None:
                _mean_with_ci(ax, i + 0.18, summary.mean, summary.ci_low, summary.ci_high,
                              colours[name], vertical=True)
        if trend is not None and trend.intercept is not None:
            steps = np.array([0, len(series) - 1], dtype=float)
            ax.plot(steps, trend.intercept + trend.slope * steps, color="#222222", linewidth=1.2,
                    linestyle="--", zorder=2, label=f"fitted trend, {trend.slope:+.3g} per step")
            ax.legend(loc="best", fontsize=8.5)
        ax.set_xticks(range(len(series)), [_tick(name, arms.get(name)) for name in series])
        ax.set_xlim(-0.6, len(series) - 0.4)
        ax.set_xlabel("dose, in the file's order")
        ax.set_ylabel(metric_label(metric))
        ax.set_title(f"Dose response: each seed; means with {level} CI; fitted trend", loc="left")
        ax.grid(axis="x", visible=False)
        return to_data_uri(fig)


def _decision(comp: Comparison) -> tuple[float | None, float | None]:
    interval = comp.decision_interval
    if interval is None:
        return comp.ci_low, comp.ci_high
    return interval.low, interval.high


def _mean_with_ci(ax: Axes, at: float, mean: float, low: float | None, high: float | None,
                  colour: str, *, vertical: bool) -> None:  # fmt: skip
    error = None
    if low is not None and high is not None:
        error = [[max(mean - low, 0.0)], [max(high - mean, 0.0)]]
    x, y = (at, mean) if vertical else (mean, at)
    kwargs = {"yerr": error} if vertical else {"xerr": error}
    ax.errorbar([x], [y], fmt="D", color=colour, markersize=7, markeredgecolor="#222222",
                markeredgewidth=0.8, ecolor="#222222", elinewidth=1.6, capsize=4, zorder=4,
                **kwargs)  # fmt: skip


def _margin_band(ax: Axes, margin: float | None, *, horizontal: bool) -> None:
    line = ax.axhline if horizontal else ax.axvline
    line(0.0, color="#222222", linewidth=1.0, zorder=2, label="no difference")
    if margin:
        span = ax.axhspan if horizontal else ax.axvspan
        span(-margin, margin, color="#9e9e9e", alpha=0.18, zorder=1,
             label=f"±margin ({margin:g})")  # fmt: skip


def _tick(name: str, summary: ArmSummary | None) -> str:
    label = wrap(name)
    if summary is not None:
        label += f"\nn = {summary.n}"
        if summary.n_failed:
            label += f" ({summary.n_failed} failed)"
    return label
