"""Learning curves: the mean and 95% band across seeds, per arm and epoch.

Rows are the loss and the compared metric, columns the training and
validation splits; each arm keeps its colour from the other figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypolab.records import RunResult, RunStatus
from hypolab.report.numbers import metric_base, metric_label
from hypolab.report.plots import figure, to_data_uri


def curve_metrics(metric: str, results: Sequence[RunResult]) -> list[str]:
    """The history keys to draw: ``loss`` and the metric the hypothesis compares.

    Where the compared metric has no per-epoch history (``train_seconds``,
    ``epochs_run``, or a loss), the first other metric in the histories is
    drawn instead (``accuracy`` for classifiers, ``mae`` for regressors).
    """
    keys = {key for run in results for key in run.history}
    wanted = ["loss"]
    base = metric_base(metric)
    if base in keys and base != "loss":
        wanted.append(base)
    else:
        for candidate in ("accuracy", "mae", *sorted(keys)):
            if candidate in keys and candidate != "loss" and not candidate.startswith("val_"):
                wanted.append(candidate)
                break
    return [key for key in wanted if key in keys or f"val_{key}" in keys]


def learning_curves(
    results: Sequence[RunResult],
    *,
    arm_names: Sequence[str],
    metric: str,
    colours: Mapping[str, str],
) -> str | None:
    """Mean and 95% t-band across seeds per arm, per epoch; None without histories.

    The band at epoch e is ``mean ± t(0.975, n−1)·sd/√n`` over the n runs that
    reached epoch e (early stopping makes n shrink), drawn where n ≥ 2.
    Diverged and failed runs are left out (their losses are NaN or absent).

    Returns:
        An SVG ``data:`` URI, or None where no finished run has a history.
    """
    from matplotlib.ticker import MaxNLocator

    finished = [r for r in results if r.status == RunStatus.FINISHED and r.history]
    rows = curve_metrics(metric, finished)
    if not rows:
        return None
    has_val = any(f"val_{key}" in run.history for run in finished for key in rows)
    columns = [("", "training")] + ([("val_", "validation")] if has_val else [])
    width, height = 4.3 * len(columns) + 0.4, 2.6 * len(rows) + 0.9
    with figure(width, height, layout=None, nrows=len(rows), ncols=len(columns), squeeze=False,
                sharex=True, sharey="row") as (fig, axes):  # fmt: skip
        # Fixed margins in inches (labels here have known lengths), instead of a measured layout.
        fig.subplots_adjust(left=0.75 / width, right=1 - 0.15 / width, bottom=0.5 / height,
                            top=1 - 0.65 / height, wspace=0.12, hspace=0.32)  # fmt: skip
        handles = {}
        for r, key in enumerate(rows):
            for c, (prefix, split) in enumerate(columns):
                ax = axes[r][c]
                for name in arm_names:
                    curves = [run.history.get(prefix + key) for run in finished if run.arm == name]
                    line = _draw(ax, [cv for cv in curves if cv], colours[name])
                    if line is not None:
                        handles[name] = line
                ax.set_title(f"{split} {metric_label(key, unit=False).removeprefix('training ')}",
                             loc="left")  # fmt: skip
                if c == 0:
                    ax.set_ylabel(_label(key))
                if r == len(rows) - 1:
                    ax.set_xlabel("epoch")
                    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.legend(list(handles.values()), list(handles), loc="upper center",
                   bbox_to_anchor=(0.5, 1.0), ncol=min(len(handles), 5))  # fmt: skip
        return to_data_uri(fig)


def _label(key: str) -> str:
    return metric_label(key).removeprefix("training ")


def _draw(ax, curves: Sequence[Sequence[float]], colour: str):
    import warnings

    import numpy as np
    from scipy.special import stdtrit  # t quantile; scipy.stats would double the import time

    if not curves:
        return None
    length = max(len(curve) for curve in curves)
    grid = np.full((len(curves), length), np.nan)
    for i, curve in enumerate(curves):
        grid[i, : len(curve)] = np.asarray(curve, dtype=float)
    grid[~np.isfinite(grid)] = np.nan
    n = np.sum(~np.isnan(grid), axis=0)
    epochs = np.arange(1, length + 1)
    with warnings.catch_warnings():
        # An epoch reached by one seed has no spread; its band is left out below.
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(grid, axis=0)
        sd = np.nanstd(grid, axis=0, ddof=1)
    half = stdtrit(np.maximum(n - 1, 1), 0.975) * sd / np.sqrt(np.maximum(n, 1))
    keep = n > 0
    (line,) = ax.plot(epochs[keep], mean[keep], color=colour, linewidth=1.8,
                      marker="o" if length <= 3 else None, markersize=4)  # fmt: skip
    band = keep & (n >= 2) & np.isfinite(half)
    if band.any():
        ax.fill_between(epochs[band], (mean - half)[band], (mean + half)[band], color=colour,
                        alpha=0.2, linewidth=0)  # fmt: skip
    return line
