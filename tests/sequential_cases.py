"""Simulated sequential tests (issue 14), shared by the tests and ``benchmarks/bench_sequential.py``.

``rule`` applies the documented sequential rule (``hypolab.stats.sequential``,
``docs/verdict.md``) to many replicates at once: Welch's (or the paired) t at
each look, its one-sided p-values against the stage levels of the design at
each treatment's Holm level, the test against the claim at the level of
``contradicted``, non-binding futility. ``tests/test_stats_sequential.py``
checks on replicates that ``analyze_look`` decides exactly as ``rule``, so the
rates of ``rule`` are hypolab's. Data come from ``verdict_cases`` (normal,
lognormal, Beta(98, 2), ties to 1/360, ceiling ties), seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special
from verdict_cases import draw_many, one_sided_pvalues

from hypolab.records import Correction, Direction, SequentialConfig, Spending
from hypolab.stats.budget import alpha_contradicted
from hypolab.stats.power import power_at_margin
from hypolab.stats.sequential.looks import claim_boundaries, family_level

ALPHA = 0.05
LOOKS = ((3, 5, 10), (5, 10, 20, 40))
#: Skewed and tied kinds beside normal data (``verdict_cases.KINDS`` has all five).
KINDS = ("normal", "lognormal", "tied")


@dataclass(frozen=True)
class Outcome:
    """Per replicate and treatment: supported, contradicted; per replicate: seeds per arm trained."""

    supported: np.ndarray
    contradicted: np.ndarray
    seeds: np.ndarray

    @property
    def significant(self) -> float:
        """The share of replicates with any significant verdict."""
        return float(np.mean(self.supported.any(axis=1) | self.contradicted.any(axis=1)))

    @property
    def power(self) -> float:
        """The share of replicates in which the last treatment is supported."""
        return float(np.mean(self.supported[:, -1]))


def _levels(config: SequentialConfig, alpha: float, correction: Correction, m: int, *, opposite: bool) -> np.ndarray:
    """Stage levels ``[r, k]`` of a treatment when ``r`` treatments were rejected before it."""
    return np.array([claim_boundaries(config, family_level(correction, alpha, m, r), Direction.GREATER,
                                      opposite=opposite).stage_levels for r in range(m)])  # fmt: skip


def _futility(config: SequentialConfig, alpha: float, correction: Correction, m: int) -> np.ndarray | None:
    if not config.futility:
        return None
    return np.array([(*claim_boundaries(config, family_level(correction, alpha, m, r), Direction.GREATER).futility,
                      -np.inf) for r in range(m)])  # fmt: skip


def rule(values: np.ndarray, config: SequentialConfig, *, alpha: float = ALPHA,
         correction: Correction = Correction.HOLM, paired: bool = False) -> Outcome:  # fmt: skip
    """The sequential rule of a ``greater`` claim on ``values``, shape ``(reps, arms, seeds)``, control first."""
    reps, arms, _ = values.shape
    m = arms - 1
    efficacy = _levels(config, alpha, correction, m, opposite=False)
    against = _levels(config, alpha_contradicted(alpha), correction, m, opposite=True)
    futility = _futility(config, alpha, correction, m)
    supported = np.zeros((reps, m), bool)
    contradicted = np.zeros((reps, m), bool)
    alive = np.ones((reps, m), bool)
    seeds = np.full(reps, config.looks[-1])
    rows = np.arange(reps)
    for k, n in enumerate(config.looks):
        greater, less = one_sided_pvalues(values[:, 1:, :n], values[:, :1, :n], paired)
        for table, p, outcome in ((efficacy, greater, supported), (against, less, contradicted)):
            while True:  # Holm's step-down within the look
                rejected = outcome.sum(axis=1)
                threshold = table[np.minimum(rejected, m - 1), k][:, None]
                hits = alive & ~supported & ~contradicted & (p < threshold)
                if not hits.any():
                    break
                outcome |= hits
        decided = supported | contradicted
        if futility is not None:
            z = -special.ndtri(np.clip(greater, 1e-300, 1 - 2**-53))
            bound = futility[np.minimum(supported.sum(axis=1), m - 1), k][:, None]
            decided |= alive & (z < bound)
        newly = alive & decided
        alive &= ~decided
        stopped = ~alive.any(axis=1) & newly.any(axis=1)
        seeds[rows[stopped & (seeds == config.looks[-1])]] = n
    return Outcome(supported=supported, contradicted=contradicted, seeds=seeds)


def fixed(values: np.ndarray, *, alpha: float = ALPHA, paired: bool = False) -> float:
    """Power of the fixed design on all the seeds: the last treatment's one-sided Welch (paired) t below alpha."""
    greater, _ = one_sided_pvalues(values[:, -1, :], values[:, 0, :], paired)
    return float(np.mean(greater < alpha))


def margin_for(n: int, alpha: float = ALPHA, power: float = 0.8) -> float:
    """The effect, in SDs, that the fixed design with ``n`` seeds per arm detects with ``power`` (Welch)."""
    return float(optimize.brentq(lambda d: power_at_margin(1.0, d, n, alpha=alpha, alternative="greater",
                                                           welch=True) - power, 1e-3, 20.0))  # fmt: skip


def simulate(kind: str, looks: tuple[int, ...], spending: Spending, *, reps: int, seed: int, futility: bool = False,
             effect: float = 0.0, treatments: int = 1, paired: bool = False,
             correction: Correction = Correction.HOLM) -> tuple[Outcome, np.ndarray]:  # fmt: skip
    """``rule`` on ``reps`` seeded replicates (the last treatment shifted by ``effect`` SDs) and the values."""
    rng = np.random.default_rng(seed)
    values = draw_many(kind, rng, reps, treatments + 1, looks[-1], paired=paired, shift=effect)
    config = SequentialConfig(looks=looks, spending=spending, futility=futility)
    return rule(values, config, correction=correction, paired=paired), values
