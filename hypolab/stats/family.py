"""Adjusting a family of comparisons: every p-value, and the levels that decided them.

``analysis.analyze`` runs the tests of each treatment into a ``Work`` item;
``adjust_family`` adjusts every family of p-values (the primary test in the
predicted direction, its opposite direction, TOST, non-equivalence and each
robustness test, each its own family) and finds, per comparison, the level
its test was in effect decided at (``budget.decision_levels``; for Dunnett's
many-to-one test its critical values). ``comparison.build`` then turns each
item into a ``Comparison`` record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hypolab.records import (
    Correction,
    Direction,
    EquivalenceTest,
    Pairing,
    TestName,
    TestResult,
)
from hypolab.stats import multiplicity
from hypolab.stats.budget import decision_levels
from hypolab.stats.manytoone import ManyToOne, many_to_one
from hypolab.stats.robustness import TestRunner
from hypolab.stats.values import finite_or_none

#: The one-sided alternative against a directional prediction.
OPPOSITE = {"greater": "less", "less": "greater"}


def claim_test(direction: Direction, margin: float | None, higher_is_better: bool | None) -> tuple[str, float]:
    """The alternative of the claim's primary test, and the shift added to the treatment's values first.

    ``greater``/``less`` test ``H0: diff = 0`` one-sided; ``two-sided`` and
    ``equivalent`` run the two-sided test (TOST beside it). ``noninferior``
    tests ``H0: diff <= -margin`` against ``diff > -margin`` where higher is
    better (R ``t.test(t, c, mu = -margin, alternative = "greater")``), and
    ``H0: diff >= margin`` against ``diff < margin`` where lower is better
    (``mu = margin, alternative = "less"``): the one-sided test of
    ``treatment + margin`` (or ``- margin``) against the control, so every test
    of the design (t, rank, permutation, many-to-one) tests the shifted null.

    Example:
        >>> claim_test(Direction.NONINFERIOR, 0.01, True)
        ('greater', 0.01)
    """
    if direction is Direction.NONINFERIOR:
        return ("greater", float(margin)) if higher_is_better else ("less", -float(margin))
    return (direction.value if direction.value in OPPOSITE else "two-sided"), 0.0


@dataclass(frozen=True)
class Settings:
    """The analysis settings every comparison of the family is built with.

    Args:
        direction: the claim's direction; ``alternative`` its primary test's.
        alpha: the level of ``supported``/``equivalent``.
        alpha_opposite: the level of a verdict against the claim (``budget``).
        margin: the smallest effect of interest, or None.
        correction: the family's correction; ``pairing`` the design.
        requested: the test the file names (``auto`` included).
        metric: the metric's name; ``bounds`` its range (``describe.metric_bounds``).
        failed, failed_as_worst: failed runs per arm and how they count.
        rng: the seed of the resampling.
        shift: added to the treatment's values before testing (``claim_test``).
    """

    direction: Direction
    alternative: str
    alpha: float
    alpha_opposite: float
    margin: float | None
    correction: Correction
    pairing: Pairing
    requested: TestName
    metric: str
    bounds: tuple[float | None, float | None]
    failed: dict[str, int] = field(default_factory=dict)
    failed_as_worst: bool = False
    rng: int = 0
    shift: float = 0.0

    @property
    def other(self) -> Correction:
        """The correction of TOST and the panel: Holm where the family uses Dunnett."""
        return Correction.HOLM if self.correction is Correction.DUNNETT else self.correction


@dataclass
class Work:
    """One comparison's test results while the family is analysed (internal)."""

    treatment: str
    t: np.ndarray
    c: np.ndarray
    problem: str
    tol: float = 0.0
    test: TestName | None = None
    reason: str = ""
    primary: TestResult | None = None
    opposite: TestResult | None = None
    ci: TestResult | None = None
    difference_t: TestResult | None = None
    tost: EquivalenceTest | None = None
    panel: tuple[tuple[TestName, TestResult, TestResult | None, float], ...] = ()
    runner: TestRunner | None = None
    shift: float = 0.0

    @property
    def tested(self) -> np.ndarray:
        """The treatment's values as its tests see them: shifted for a non-inferiority claim."""
        return self.t + self.shift if self.shift else self.t


@dataclass(frozen=True)
class Adjusted:
    """One comparison's adjusted p-values and decision levels (internal).

    ``level``/``level_opposite`` are the unadjusted one-sided (two-sided for
    ``two-sided`` claims) levels the primary test was decided at; under
    Dunnett ``many`` holds the many-to-one statistic and ``critical`` its
    critical values for the two directions.
    """

    pvalue: float | None = None
    pvalue_opposite: float | None = None
    level: float | None = None
    level_opposite: float | None = None
    tost: float | None = None
    tost_level: float | None = None
    nonequivalence: float | None = None
    nonequivalence_level: float | None = None
    panel: dict = field(default_factory=dict)
    many: ManyToOne | None = None
    critical: tuple[float | None, float | None] = (None, None)


def _p(result: TestResult | None) -> float | None:
    return None if result is None else result.pvalue


def adjust_family(work: list[Work], control_values: np.ndarray, s: Settings) -> list[Adjusted]:
    """Adjust every family of p-values and find each comparison's decision levels.

    Under ``dunnett`` the primary (and opposite-direction) p-values are the
    many-to-one test's (Welch-type; Dunnett's pooled test where the file names
    Student's t); TOST and the panel are Holm-adjusted.
    """
    opposite = OPPOSITE.get(s.alternative)
    many: list[ManyToOne | None] = [None] * len(work)
    critical: list[tuple[float | None, float | None]] = [(None, None)] * len(work)
    if s.correction is Correction.DUNNETT:
        primary, opposite_p, many, critical = _many_to_one(work, control_values, s)
        level = level_opposite = [None] * len(work)
    else:
        primary = multiplicity.adjust([_p(w.primary) for w in work], s.correction)
        opposite_p = multiplicity.adjust([_p(w.opposite) for w in work], s.correction)
        level = decision_levels(primary, s.correction, s.alpha)
        level_opposite = decision_levels(opposite_p, s.correction, s.alpha_opposite)
    tost = multiplicity.adjust([w.tost.pvalue if w.tost else None for w in work], s.other)
    noneq = multiplicity.adjust(
        [w.tost.nonequivalence_pvalue if w.tost else None for w in work], s.other)
    panel = _panel_adjusted(work, s.other)
    tost_level = decision_levels(tost, s.other, s.alpha)
    noneq_level = decision_levels(noneq, s.other, s.alpha)
    return [Adjusted(pvalue=primary[i], pvalue_opposite=opposite_p[i] if opposite else None,
                     level=level[i], level_opposite=level_opposite[i] if opposite else None,
                     tost=tost[i], tost_level=tost_level[i], nonequivalence=noneq[i],
                     nonequivalence_level=noneq_level[i], panel=panel[i], many=many[i],
                     critical=critical[i])
            for i in range(len(work))]


def _many_to_one(work: list[Work], control_values: np.ndarray, s: Settings):
    n = len(work)
    primary: list[float | None] = [None] * n
    opposite_p: list[float | None] = [None] * n
    many: list[ManyToOne | None] = [None] * n
    critical: list[tuple[float | None, float | None]] = [(None, None)] * n
    usable = [i for i, w in enumerate(work) if w.primary is not None]
    if not usable:
        return primary, opposite_p, many, critical
    family = many_to_one([work[i].tested for i in usable], control_values,
                         pooled=s.requested is TestName.STUDENT)
    two_sided = s.alternative == "two-sided"
    opposite = OPPOSITE.get(s.alternative)
    for i, m in zip(usable, family):
        if m.statistic is None:
            # No spread in either arm: the primary is the permutation test,
            # outside the multivariate t; Bonferroni over the family instead.
            primary[i] = _bonferroni(_p(work[i].primary), len(usable))
            opposite_p[i] = _bonferroni(_p(work[i].opposite), len(usable))
            continue
        many[i] = m
        primary[i] = finite_or_none(m.pvalue(s.alternative))
        if opposite:
            opposite_p[i] = finite_or_none(m.pvalue(opposite, conservative=True))
        critical[i] = (m.critical_value(s.alpha, two_sided=two_sided),
                       m.critical_value(s.alpha_opposite, conservative=True) if opposite else None)
    return primary, opposite_p, many, critical


def _bonferroni(p: float | None, m: int) -> float | None:
    return None if p is None else min(1.0, m * p)


def _panel_adjusted(work: list[Work], correction: Correction) -> list[dict]:
    """Per item: ``{test: (adjusted p, adjusted opposite p)}``, each test its own family."""
    out: list[dict] = [{} for _ in work]
    names = {entry[0] for w in work for entry in w.panel}
    for name in names:
        rows = [(i, entry) for i, w in enumerate(work) for entry in w.panel
                if entry[0] is name]
        adjusted = multiplicity.adjust([entry[1].pvalue for _, entry in rows], correction)
        adjusted_opp = multiplicity.adjust([_p(entry[2]) for _, entry in rows], correction)
        for (i, _), p, q in zip(rows, adjusted, adjusted_opp):
            out[i][name] = (p, q)
    return out
