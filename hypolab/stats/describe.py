"""Per-arm description: n, mean, standard deviation, median, CI of the mean."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from hypolab.records import ArmSummary
from hypolab.stats.values import as_sample


def describe(
    name: str,
    values: Sequence[float],
    *,
    alpha: float = 0.05,
    n_failed: int = 0,
    failed_as_worst: bool = False,
) -> ArmSummary:
    """Summarise one arm's per-seed values.

    The interval is the t interval of the mean,
    ``mean +- t(1 - alpha/2, n - 1) * sd / sqrt(n)`` (R: ``t.test(x)$conf.int``).
    Statistics that need more values than there are (sd and CI with n < 2)
    are None.

    Args:
        name: the arm's name.
        values: the arm's per-seed values, shape ``(n,)``.
        alpha: the CI has level ``1 - alpha``.
        n_failed: failed or diverged runs of the arm.
        failed_as_worst: whether ``values`` include failed runs as the worst value.

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
    std = float(np.std(x, ddof=1))
    half = float(special.stdtrit(n - 1, 1 - alpha / 2)) * std / np.sqrt(n)
    return ArmSummary(
        name=name,
        n=n,
        n_failed=n_failed,
        mean=mean,
        std=std,
        median=median,
        ci_low=mean - half,
        ci_high=mean + half,
        failed_as_worst=failed_as_worst,
    )
