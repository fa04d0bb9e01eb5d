"""Running a named test, and the panel of the other reasonable tests.

The robustness panel reruns the comparison with every other test that fits
the design (independent: Welch, Student, Mann-Whitney, permutation; paired
by seed: paired t, Wilcoxon signed-rank, sign-flip permutation) so a reader
sees whether the verdict hangs on the choice of test. The analysis adjusts
each panel test across the family like the primary test and flags the tests
that reach a different conclusion.
"""

from __future__ import annotations

import math

import numpy as np

from hypolab.records import Pairing, TestName, TestResult
from hypolab.stats.permutation import MAX_EXACT, N_RESAMPLES, permutation_pvalues
from hypolab.stats.ranks import EXACT_BELOW, mann_whitney, wilcoxon_signed_rank
from hypolab.stats.ttests import paired_t, student, welch

PANEL = {
    Pairing.INDEPENDENT: (TestName.WELCH, TestName.STUDENT, TestName.MANNWHITNEY,
                          TestName.PERMUTATION),
    Pairing.SEED: (TestName.PAIRED_T, TestName.WILCOXON, TestName.PERMUTATION),
}


class TestRunner:
    """Runs named tests on one comparison's values, sharing the permutation work.

    Args:
        treatment, control: the values (aligned by seed where paired).
        pairing: the design.
        alpha: CIs have level ``1 - alpha``.
        rng: seed or generator for permutation resampling.
        n_resamples: random rearrangements when enumeration is infeasible.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, treatment: np.ndarray, control: np.ndarray, *, pairing: Pairing,
                 alpha: float, rng: np.random.Generator | int | None = 0,
                 n_resamples: int = N_RESAMPLES) -> None:
        self.treatment = treatment
        self.control = control
        self.paired = pairing is Pairing.SEED
        self.alpha = alpha
        self.rng = rng
        self.n_resamples = n_resamples
        self._permutation: tuple[float, dict[str, float], str] | None = None

    def run(self, test: TestName, alternative: str) -> TestResult:
        """The result of ``test`` for ``alternative``."""
        t, c = self.treatment, self.control
        if test is TestName.WELCH:
            return welch(t, c, alternative=alternative, alpha=self.alpha)
        if test is TestName.STUDENT:
            return student(t, c, alternative=alternative, alpha=self.alpha)
        if test is TestName.PAIRED_T:
            return paired_t(t, c, alternative=alternative, alpha=self.alpha)
        if test is TestName.MANNWHITNEY:
            return mann_whitney(t, c, alternative=alternative)
        if test is TestName.WILCOXON:
            return wilcoxon_signed_rank(t, c, alternative=alternative)
        if test is TestName.PERMUTATION:
            if self._permutation is None:
                self._permutation = permutation_pvalues(
                    t, c, paired=self.paired, rng=self.rng, n_resamples=self.n_resamples)
            difference, pvalues, method = self._permutation
            return TestResult(test="permutation", alternative=alternative,
                              statistic=difference, df=None, pvalue=pvalues[alternative],
                              method=method, estimate=difference)
        raise ValueError(f"no test named {test.value!r}")

    def smallest_pvalue(self, test: TestName, alternative: str) -> float:
        """The smallest p-value ``test`` can give with these numbers of seeds.

        Exact rank and permutation tests are discrete: with 5 seeds the
        Wilcoxon test cannot go below 1/32 one-sided. A panel test that
        cannot reach significance is shown but cannot make tests "disagree".
        """
        sides = 2 if alternative == "two-sided" else 1
        n_t, n_c = self.treatment.size, self.control.size
        if test is TestName.PERMUTATION:
            if self.paired:
                count = 2**n_t
            else:
                count = math.comb(n_t + n_c, n_t)
            if count > MAX_EXACT:
                return sides / (self.n_resamples + 1)
            return min(1.0, sides / count)
        if test is TestName.MANNWHITNEY and n_t < EXACT_BELOW and n_c < EXACT_BELOW:
            return min(1.0, sides / math.comb(n_t + n_c, n_t))
        if test is TestName.WILCOXON:
            n = int(np.count_nonzero(self.treatment != self.control))
            if 0 < n < EXACT_BELOW:
                return min(1.0, sides / 2**n)
        return 0.0
