"""A sequential design before it runs: its boundaries, its power and the seeds it is expected to train.

What ``hypolab plan`` prints for a ``sequential:`` file. The boundaries are
those every look uses (``looks.claim_boundaries``) at a treatment's first
level (alpha, or alpha / m for Holm and Bonferroni). Power and expected seeds
are normal theory (``boundaries.crossings``): the statistic at full
information has mean ``drift = effect / SD * sqrt(n / 2)`` (``sqrt(n)`` paired,
with the SD of the per-seed differences); the t statistics of the looks
reach them within a few points (``benchmarks/bench_sequential.py`` simulates
them). Equivalence claims stop inside or outside the margin, two regions, so
their expected seeds are simulated on the same normal model (seeded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from hypolab.records import Correction, Direction, SequentialConfig
from hypolab.stats.budget import alpha_contradicted
from hypolab.stats.sequential.boundaries import Boundaries, crossings
from hypolab.stats.sequential.looks import FUTILITY_POWER, claim_boundaries, family_level

#: Paths of the normal model simulated for an equivalence claim's expected seeds.
_PATHS = 40_000


@dataclass(frozen=True)
class DesignPlan:
    """A sequential design's boundaries at a treatment's first level.

    Args:
        config: the file's design.
        direction: the claim.
        level: a treatment's first level (alpha / m under Holm and Bonferroni).
        claim: the boundaries of the claim's test (half the level a side for ``two-sided``).
        opposite: those of the test against the claim (None for ``two-sided``).
        paired: runs paired by seed.
    """

    config: SequentialConfig
    direction: Direction
    level: float
    claim: Boundaries
    opposite: Boundaries | None
    paired: bool

    def drift(self, effect_sd: float) -> float:
        """The mean of the statistic at the last look for a true effect of ``effect_sd`` SDs."""
        n = self.config.looks[-1]
        return effect_sd * math.sqrt(n if self.paired else n / 2)

    def fixed_effect(self, power: float = FUTILITY_POWER) -> float:
        """The effect, in SDs, that the fixed design with the most seeds detects with ``power`` (normal theory).

        For ``equivalent`` claims: the margin the fixed TOST shows with ``power`` where the arms do not differ.
        """
        if self.direction is Direction.EQUIVALENT:
            z = special.ndtri(1 - self.level) + special.ndtri(1 - (1 - power) / 2)
        else:
            sides = 2 if self.direction is Direction.TWO_SIDED else 1
            z = special.ndtri(1 - self.level / sides) + special.ndtri(power)
        return float(z) / self.drift(1.0)

    def fixed_power(self, effect_sd: float, margin_sd: float | None = None) -> float:
        """The power of the fixed design with the most seeds at the same level (normal theory), as ``power``."""
        if self.direction is Direction.EQUIVALENT:
            reach = self.drift(self.fixed_effect() if margin_sd is None else margin_sd) - abs(self.drift(effect_sd))
            return float(max(0.0, 2 * special.ndtr(reach - special.ndtri(1 - self.level)) - 1))
        sides = 2 if self.direction is Direction.TWO_SIDED else 1
        return float(special.ndtr(abs(self.drift(effect_sd)) - special.ndtri(1 - self.level / sides)))

    def power(self, effect_sd: float, margin_sd: float | None = None) -> float:
        """The chance that the claim's test crosses its efficacy boundary at some look (normal theory).

        ``effect_sd`` is the true difference on the scale the claim's test
        sees (a non-inferiority test sees it plus the margin); ``margin_sd``
        is an equivalence claim's margin (``fixed_effect()`` where None).
        """
        if self.direction is Direction.EQUIVALENT:
            return self._simulate(effect_sd, margin_sd)[1]
        up, _ = crossings(self.claim.information, self.claim.critical, self._lower(), self.drift(effect_sd))
        return float(sum(up))

    def expected_seeds(self, effect_sd: float, margin_sd: float | None = None) -> float:
        """Seeds per arm a treatment trains on average at a true effect of ``effect_sd`` SDs (as ``power``)."""
        if self.direction is Direction.EQUIVALENT:
            return self._simulate(effect_sd, margin_sd)[0]
        up, down = crossings(self.claim.information, self.claim.critical, self._lower(), self.drift(effect_sd))
        return float(sum(n * (u + d) for n, u, d in zip(self.config.looks, up, down)))

    def _lower(self) -> list[float]:
        """Where a path stops below: the futility boundary, or the boundary against the claim."""
        out = []
        for k in range(len(self.config.looks)):
            below = -math.inf if self.opposite is None else -self.opposite.critical[k]
            if self.direction is Direction.TWO_SIDED:
                below = -self.claim.critical[k]
            if self.claim.futility is not None and k < len(self.claim.futility):
                below = max(below, self.claim.futility[k])
            out.append(below)
        return out

    def _simulate(self, effect_sd: float, margin_sd: float | None) -> tuple[float, float]:
        """An equivalence claim's expected seeds and power at a true difference of ``effect_sd`` SDs."""
        rng = np.random.default_rng(14)
        info = np.asarray(self.claim.information)
        margin = self.drift(self.fixed_effect() if margin_sd is None else margin_sd)  # at full information
        steps = np.diff(np.concatenate([[0.0], info]))
        score = np.cumsum(rng.standard_normal((_PATHS, info.size)) * np.sqrt(steps), axis=1)
        score += self.drift(effect_sd) * info  # S_k = I_k * estimate / SD at full information
        alive = np.ones(_PATHS, bool)
        seeds = np.full(_PATHS, float(self.config.looks[-1]))
        equivalent = np.zeros(_PATHS, bool)
        for k, n in enumerate(self.config.looks):
            z_low = (score[:, k] + margin * info[k]) / math.sqrt(info[k])
            z_high = (margin * info[k] - score[:, k]) / math.sqrt(info[k])
            inside = alive & (np.minimum(z_low, z_high) >= self.claim.critical[k])
            beyond = alive & (-np.minimum(z_low, z_high) >= self.opposite.critical[k])
            stop = inside | beyond
            seeds[stop] = n
            equivalent |= inside
            alive &= ~stop
        return float(seeds.mean()), float(equivalent.mean())


def plan_design(config: SequentialConfig, *, alpha: float, direction: Direction, correction: Correction,
                treatments: int, paired: bool) -> DesignPlan:  # fmt: skip
    """The design every look of a treatment starts from (its first level), for ``hypolab plan``."""
    direction, correction = Direction(direction), Correction(correction)
    level = family_level(correction, alpha, treatments, 0)
    opposite = None
    if direction is not Direction.TWO_SIDED:
        against = alpha if direction is Direction.EQUIVALENT else alpha_contradicted(alpha)
        opposite = claim_boundaries(config, family_level(correction, against, treatments, 0), direction,
                                    opposite=True)  # fmt: skip
    return DesignPlan(config=config, direction=direction, level=level,
                      claim=claim_boundaries(config, level, direction), opposite=opposite, paired=paired)  # fmt: skip
