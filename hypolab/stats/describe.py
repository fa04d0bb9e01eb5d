"""Per-arm description: n, mean, standard deviation, median, CI of the mean."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from hypolab.records import ArmSummary
from hypolab.stats.values import as_sample, spread, tolerance

#: Metric names (without a split prefix) that are shares in [0, 1].
_SHARES = ("accuracy", "auc", "precision", "recall", "f1_score", "fbeta_score", "iou",
           "mean_iou")
#: ... and that are never negative.
_NON_NEGATIVE = ("mae", "mse", "rmse", "mape", "msle", "root_mean_squared_error",
                 "train_seconds", "epochs_run")


def metric_bounds(metric: str) -> tuple[float | None, float | None]:
    """The range a metric's values can take: ``(0, 1)`` for accuracies, ``(0, None)`` for errors.

    Known from the name without its split prefix (``test_``, ``val_``,
    ``best_val_``); losses and unknown metrics are unbounded (a custom loss can
    be negative).

    Example:
        >>> metric_bounds("test_accuracy"), metric_bounds("val_mae"), metric_bounds("loss")
        ((0.0, 1.0), (0.0, None), (None, None))
    """
    base = metric
    for prefix in ("best_val_", "test_", "val_"):
        if base.startswith(prefix):
            base = base[len(prefix):]
            break
    if base in _SHARES or base.endswith("accuracy"):
        return 0.0, 1.0
    if base in _NON_NEGATIVE:
        return 0.0, None
    return None, None


def clip(low: float, high: float, bounds: tuple[float | None, float | None]) -> tuple[float, float]:
    """``(low, high)`` cut to ``bounds`` (None: no bound on that side)."""
    lower, upper = bounds
    if lower is not None:
        low, high = max(low, lower), max(high, lower)
    if upper is not None:
        low, high = min(low, upper), min(high, upper)
    return low, high


def describe(
    name: str,
    values: Sequence[float],
    *,
    alpha: float = 0.05,
    n_failed: int = 0,
    failed_as_worst: bool = False,
    bounds: tuple[float | None, float | None] = (None, None),
) -> ArmSummary:
    """Summarise one arm's per-seed values.

    The interval is the t interval of the mean,
    ``mean +- t(1 - alpha/2, n - 1) * sd / sqrt(n)`` (R: ``t.test(x)$conf.int``),
    cut to ``bounds`` where the metric has them (an accuracy's mean lies in
    [0, 1], so cutting there never loses coverage). Statistics that need more
    values than there are (sd and CI with n < 2) are None; an arm whose values
    differ by float rounding only has sd 0.

    Args:
        name: the arm's name.
        values: the arm's per-seed values, shape ``(n,)``.
        alpha: the CI has level ``1 - alpha``.
        n_failed: failed or diverged runs of the arm.
        failed_as_worst: whether ``values`` include failed runs as the worst value.
        bounds: the metric's range (``metric_bounds``).

    Returns:
        An ``ArmSummary``.

    Example:
        >>> describe("batch 4", [0.9, 0.92, 0.94]).median
        0.92
    """
    x = as_sample(values, f"arm {name!r}")
    n = int(x.size)
    if n == 0:
        return ArmSummary(name=name, n=0, n_failed=n_failed, mean=None, std=None,
                          median=None, ci_low=None, ci_high=None,
                          failed_as_worst=failed_as_worst)
    mean = float(np.mean(x))
    median = float(np.median(x))
    if n < 2:
        return ArmSummary(name=name, n=n, n_failed=n_failed, mean=mean, std=None,
                          median=median, ci_low=None, ci_high=None,
                          failed_as_worst=failed_as_worst)
    std = float(np.sqrt(spread(x, tolerance(x))))
    half = float(special.stdtrit(n - 1, 1 - alpha / 2)) * std / np.sqrt(n)
    low, high = clip(mean - half, mean + half, bounds)
    return ArmSummary(
        name=name,
        n=n,
        n_failed=n_failed,
        mean=mean,
        std=std,
        median=median,
        ci_low=low,
        ci_high=high,
        failed_as_worst=failed_as_worst,
    )
