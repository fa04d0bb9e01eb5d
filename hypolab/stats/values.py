"""Checking per-seed values and keeping non-finite numbers out of records."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hypolab.errors import AnalysisError

# Larger values overflow float64 in the squared variances of the Welch degrees of freedom.
MAX_MAGNITUDE = 1e50


def as_sample(values: Sequence[float], what: str) -> np.ndarray:
    """Return ``values`` as a 1-d float64 array of finite numbers.

    Args:
        values: per-seed values of one arm.
        what: how to name the values in an error, e.g. ``arm 'batch 4'``.

    Raises:
        AnalysisError: a value is not a finite number.
    """
    try:
        array = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise AnalysisError(
            f"{what}: values must be numbers. Got {list(values)!r}."
        ) from None
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        i = int(bad[0])
        raise AnalysisError(
            f"{what}: value {i} is {float(array[i])!r}; expected a finite number. "
            "Pass failed or diverged runs as failures (n_failed), not as values."
        )
    huge = np.flatnonzero(np.abs(array) > MAX_MAGNITUDE)
    if huge.size:
        i = int(huge[0])
        raise AnalysisError(
            f"{what}: value {i} is {float(array[i])!r}; expected a number of magnitude at "
            f"most {MAX_MAGNITUDE:g} (larger values overflow the variances and intervals). "
            "Rescale the metric."
        )
    return array


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a Python float, or None where it is missing, NaN or infinite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
