"""Statistics R has no base function for, pinned to SciPy or to hand-checkable values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.stats._resampling import BootstrapResult

from hypolab.stats.bootstrap import bca_interval, bootstrap_distribution
from hypolab.stats.effsize import hedges_correction, prob_superiority_ci
from hypolab.stats.multiplicity import dunnett_pvalues
from hypolab.stats.permutation import permutation_pvalues, permutation_test

C_T = [0.812, 0.845, 0.799, 0.830, 0.821]
C_C = [0.801, 0.790, 0.818, 0.785, 0.808, 0.795, 0.826]
B_T = [0.945, 0.950, 0.950, 0.955, 0.940, 0.960, 0.950, 0.945]
B_C = [0.940, 0.945, 0.935, 0.940, 0.950, 0.930]
P_T = [0.9712, 0.9688, 0.9745, 0.9701, 0.9733, 0.9694, 0.9720, 0.9751, 0.9679]
P_C = [0.9655, 0.9701, 0.9640, 0.9689, 0.9662, 0.9748, 0.9677, 0.9659, 0.9683]


def _mean_difference(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


@pytest.mark.parametrize(("t", "c"), [(C_T, C_C), (B_T, B_C)], ids=["no-ties", "ties"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_exact_permutation_matches_scipy(t, c, alternative):
    ours = permutation_test(t, c, alternative=alternative)
    # scipy.stats.permutation_test enumerates all 792 / 3003 splits here. With
    # tied accuracies SciPy's float tolerance misses some exact ties of the mean
    # difference, so it gets integers (accuracy x 1000) where sums are exact.
    scaled = (np.round(np.multiply(t, 1000)), np.round(np.multiply(c, 1000)))
    theirs = stats.permutation_test(scaled, _mean_difference, vectorized=True,
                                    alternative=alternative, n_resamples=10**6)
    assert ours.method.startswith("exact")
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-12)
    assert ours.statistic * 1000 == pytest.approx(theirs.statistic, rel=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_exact_sign_flip_matches_scipy(alternative):
    ours = permutation_test(P_T, P_C, alternative=alternative, paired=True)
    theirs = stats.permutation_test(
        (np.subtract(P_T, P_C),), lambda d, axis=-1: np.mean(d, axis=axis),
        permutation_type="samples", vectorized=True, alternative=alternative,
        n_resamples=10**6)
    assert ours.method == "exact over all 512 sign flips"
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-12)


def test_random_permutation_is_seeded_and_close_to_exact():
    exact = permutation_pvalues(B_T, B_C)[1]["two-sided"]
    first = permutation_pvalues(B_T, B_C, max_exact=100, n_resamples=20_000, rng=7)
    again = permutation_pvalues(B_T, B_C, max_exact=100, n_resamples=20_000, rng=7)
    assert first == again
    assert first[2] == "20000 random splits"
    # Monte Carlo SE of p near 0.02 with 20000 draws is about 0.001.
    assert first[1]["two-sided"] == pytest.approx(exact, abs=0.006)


def test_random_permutation_p_is_never_zero():
    far = permutation_pvalues([10.0] * 30, [0.0] * 30, max_exact=100, n_resamples=999)
    assert far[1]["greater"] == pytest.approx(1 / 1000)


@pytest.mark.parametrize("paired", [False, True], ids=["independent", "paired"])
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_bca_matches_scipy_on_the_same_replicates(paired, alpha):
    t, c = (P_T, P_C) if paired else (C_T, C_C)
    replicates = bootstrap_distribution(t, c, paired=paired, rng=3, n_resamples=4999)
    ours = bca_interval(t, c, alpha=alpha, paired=paired, distribution=replicates)
    # scipy.stats.bootstrap(method="BCa") computes its interval from the
    # replicates passed as bootstrap_result when n_resamples=0.
    # Paired replicates are means of per-seed differences, so SciPy gets the
    # differences as one sample (the same estimate to the last bit).
    previous = BootstrapResult(confidence_interval=None, bootstrap_distribution=replicates,
                               standard_error=None)
    data, statistic = ((np.subtract(t, c),), np.mean) if paired else ((t, c), _mean_difference)
    theirs = stats.bootstrap(data, statistic, n_resamples=0, bootstrap_result=previous,
                             method="BCa", vectorized=True,
                             confidence_level=1 - alpha).confidence_interval
    assert ours == pytest.approx((theirs.low, theirs.high), rel=1e-10)


def test_bca_is_seeded_and_undefined_for_constant_data():
    assert bca_interval(C_T, C_C, rng=1) == bca_interval(C_T, C_C, rng=1)
    assert bca_interval([0.9] * 5, [0.9] * 5) is None


def test_dunnett_matches_the_scipy_documented_example():
    # scipy.stats.dunnett docstring (Dunnett 1955 data): pvalue [0.62004941, 0.0059035].
    control = [7.40, 8.50, 7.20, 8.24, 9.84, 8.32]
    drug_a = [9.76, 8.80, 7.68, 9.36]
    drug_b = [12.80, 9.68, 12.16, 9.20, 10.55]
    assert dunnett_pvalues([drug_a, drug_b], control, rng=0) == pytest.approx(
        [0.62004941, 0.0059035], rel=2e-2)  # quasi-Monte Carlo error


def test_hedges_correction_is_close_to_the_textbook_approximation():
    # Hedges (1981): J(df) ~ 1 - 3 / (4 df - 1); J(10) = 0.92274560 exactly.
    assert hedges_correction(10) == pytest.approx(0.9227456, rel=1e-6)
    assert hedges_correction(200) == pytest.approx(1 - 3 / 799, rel=1e-5)


def test_prob_superiority_ci_is_not_degenerate_at_complete_separation():
    low, high = prob_superiority_ci([2, 3, 4, 5, 6], [0, 0.5, 1, 1.2, 1.5])
    assert high == 1.0
    assert 0.5 < low < 0.95
