"""The ``test: auto`` rule: which test runs, and why.

The rule looks at the design (pairing) and at whether a t statistic exists,
never at the direction of the data and never at a normality pre-test
(choosing a test after testing normality distorts the error rate):

1. Runs paired by seed: the paired t-test on per-seed differences.
   If every difference is the same (t undefined): the sign-flip
   permutation test.
2. Independent runs: Welch's t-test, which does not assume equal variances
   and is calibrated at 5-20 seeds for bounded metrics like accuracy. If both
   arms are constant (t undefined): the permutation test.

A test the user names runs as named, as long as it fits the pairing.
"""

from __future__ import annotations

import numpy as np

from hypolab.errors import AnalysisError
from hypolab.records import Pairing, TestName
from hypolab.stats.values import is_constant, tolerance

PAIRED_TESTS = (TestName.PAIRED_T, TestName.WILCOXON, TestName.PERMUTATION)
INDEPENDENT_TESTS = (TestName.WELCH, TestName.STUDENT, TestName.MANNWHITNEY,
                     TestName.PERMUTATION)


def check_test_fits(test: TestName, pairing: Pairing) -> None:
    """Raise if a named test ignores or needs the pairing by seed.

    Raises:
        AnalysisError: e.g. ``paired_t`` with ``pairing: independent``.
    """
    if test is TestName.AUTO:
        return
    allowed = PAIRED_TESTS if pairing is Pairing.SEED else INDEPENDENT_TESTS
    if test not in allowed:
        names = ", ".join(t.value for t in allowed)
        raise AnalysisError(
            f"test '{test.value}' does not fit pairing '{pairing.value}'. "
            f"Expected one of: {names} (or auto)."
        )


def choose_test(
    requested: TestName,
    pairing: Pairing,
    treatment: np.ndarray,
    control: np.ndarray,
) -> tuple[TestName, str]:
    """Apply the auto rule (or keep the requested test) and say why.

    Args:
        requested: the test in the hypothesis, possibly ``auto``.
        pairing: ``independent`` or ``seed``.
        treatment, control: the values (aligned by seed where paired).

    Returns:
        ``(test, reason)``.

    Raises:
        AnalysisError: the requested test does not fit the pairing.
    """
    check_test_fits(requested, pairing)
    if requested is not TestName.AUTO:
        return requested, f"{requested.value} was requested"
    tol = tolerance(treatment, control)  # float rounding is not spread (values.RTOL)
    if pairing is Pairing.SEED:
        differences = treatment - control
        if differences.size >= 2 and is_constant(differences, tol):
            return TestName.PERMUTATION, (
                "auto: runs are paired by seed, but every per-seed difference is the "
                "same, so the paired t is undefined; sign-flip permutation test")
        return TestName.PAIRED_T, (
            "auto: runs are paired by seed, so the paired t-test on per-seed differences")
    if is_constant(treatment, tol) and is_constant(control, tol):
        return TestName.PERMUTATION, (
            "auto: both arms are constant, so Welch's t is undefined; permutation test")
    return TestName.WELCH, (
        "auto: independent runs, so Welch's t-test (no equal-variance assumption)")
