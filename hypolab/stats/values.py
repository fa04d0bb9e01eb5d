"""Checking per-seed values, telling float rounding from data, keeping non-finite numbers out.

Two per-seed values that differ by less than ``RTOL`` times the largest
magnitude in the comparison are the same number written twice: float64
carries about 16 significant digits, and a mean or a sum of the same values
taken in another order differs in the last ones (arms constant at 357/360
on every seed get a variance of about 1e-32, not 0). ``tolerance`` gives that
threshold; the tests treat a spread, a standard error or a difference below
it as zero, and the rank tests treat values closer than it as ties
(``tie_keys``). Real differences between runs are many orders of magnitude
larger (an accuracy on a million test examples moves in steps of 1e-6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hypolab.errors import AnalysisError

# Larger values overflow float64 in the squared variances of the Welch degrees of freedom.
MAX_MAGNITUDE = 1e50

#: Relative tolerance below which a spread, a standard error or a difference is float rounding.
RTOL = 1e-9


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


def tolerance(*samples: np.ndarray) -> float:
    """``RTOL`` times the largest magnitude among ``samples`` (0 for all-zero or empty data).

    Example:
        >>> tolerance(np.array([0.5, 2.0]))
        2e-09
    """
    largest = max((float(np.max(np.abs(s))) for s in samples if s.size), default=0.0)
    return RTOL * largest


def is_constant(x: np.ndarray, tol: float) -> bool:
    """Whether every value of ``x`` is the same number up to ``tol`` (see ``tolerance``)."""
    return x.size > 0 and float(np.ptp(x)) <= tol


def spread(x: np.ndarray, tol: float) -> float:
    """The sample variance of ``x`` (n - 1), exactly 0 where ``x`` is constant up to ``tol``."""
    return 0.0 if is_constant(x, tol) else float(np.var(x, ddof=1))


def tie_keys(x: np.ndarray, tol: float) -> np.ndarray:
    """Integer keys in the order of ``x``: neighbours (sorted) closer than ``tol`` share a key.

    Ranks of the keys are the ranks of ``x`` with float-rounding differences
    read as ties.

    Example:
        >>> tie_keys(np.array([0.3, 0.1 + 0.2, 0.5]), 1e-9).tolist()
        [0.0, 0.0, 1.0]
    """
    if x.size == 0:
        return x
    order = np.argsort(x, kind="stable")
    gaps = np.diff(x[order]) > tol
    keys = np.empty(x.size)
    keys[order] = np.concatenate([[0], np.cumsum(gaps)])
    return keys


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a Python float, or None where it is missing, NaN or infinite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
