"""Group-sequential boundaries: Lan-DeMets alpha spending, non-binding beta spending, exit probabilities.

At look ``k`` of ``K`` the standardised statistics ``Z_1, ..., Z_K`` of a
design with information fractions ``t_1 < ... < t_K = 1`` are jointly normal
with ``corr(Z_j, Z_k) = sqrt(t_j / t_k)`` and means ``eta sqrt(t_k)`` (the
canonical form; ``eta`` is the drift, the mean of ``Z_K``). A one-sided
efficacy boundary ``c_k`` spends ``alpha*(t_k) - alpha*(t_(k-1))`` at look
``k`` under ``eta = 0``:

    P(Z_1 < c_1, ..., Z_(k-1) < c_(k-1), Z_k >= c_k) = alpha*(t_k) - alpha*(t_(k-1))

with the spending functions of Lan & DeMets (1983), as R's rpact writes them
(``getDesignGroupSequential(sided = 1, typeOfDesign = "asOF" | "asP")``):

- O'Brien-Fleming type: ``alpha*(t) = 2 (1 - Phi(Phi^-1(1 - alpha / 2) / sqrt(t)))``;
- Pocock type: ``alpha*(t) = alpha log(1 + (e - 1) t)``.

``stage_levels`` are the nominal one-sided levels ``1 - Phi(c_k)``.

Futility (non-binding, beta spending; rpact's ``typeBetaSpending = "bsOF" |
"bsP"``, ``bindingFutility = FALSE``): the efficacy boundaries stay those
above, and futility boundaries ``b_k`` spend ``beta*(t)`` (the same family,
with beta for alpha) under the drift ``eta`` at which the boundaries meet at
the last look (``b_K = c_K``), so the design has power ``1 - beta`` there:

    P_eta(b_j <= Z_j < c_j for j < k, Z_k < b_k) = beta*(t_k) - beta*(t_(k-1)).

Probabilities are computed by the recursive numerical integration of
Armitage, McPherson & Rowe (1969) in the form of Jennison & Turnbull (2000,
ch. 19): the sub-density of ``Z_k`` on the continuation region, on a grid,
integrated by Simpson's rule against the normal transition to look ``k + 1``.
Critical values agree with rpact to about 1e-9 (``tests/test_stats_sequential_boundaries.py``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from hypolab.records import Spending

#: Half-width of each look's grid, in SDs of ``Z_k`` around its mean.
_SPAN = 9.0
#: Grid points per SD of the narrowest normal kernel the grid is integrated against.
_PER_SD = 24
#: Boundaries are kept within +-_CAP: beyond it no probability is left to spend.
_CAP = 38.0


def spent(spending: Spending, level: float, t: float) -> float:
    """The share of ``level`` (alpha or beta) spent by information fraction ``t`` in (0, 1].

    Example:
        >>> round(spent(Spending.POCOCK, 0.05, 0.5), 6)  # 0.05 log(1 + (e - 1) / 2)
        0.031006
    """
    if t >= 1:
        return level
    if spending is Spending.POCOCK:
        return level * math.log1p((math.e - 1) * t)
    return float(2 * special.ndtr(-special.ndtri(1 - level / 2) / math.sqrt(t)))


@dataclass(frozen=True)
class Boundaries:
    """One-sided boundaries of a group-sequential design at one level.

    Args:
        information: the information fraction of each look, the last 1.
        alpha: the one-sided level the efficacy boundaries spend.
        alpha_spent: cumulative alpha spent by each look.
        critical: the efficacy boundaries ``c_k`` on the z scale (reject at ``Z_k >= c_k``).
        stage_levels: ``1 - Phi(c_k)``, the nominal one-sided level of each look.
        futility: the non-binding futility boundaries ``b_k`` (stop at ``Z_k < b_k``)
            of looks 1 to K-1, or None without futility.
        beta: the beta the futility boundaries spend (None without futility).
        drift: the drift at which they were computed (power ``1 - beta`` there).
    """

    information: tuple[float, ...]
    alpha: float
    alpha_spent: tuple[float, ...]
    critical: tuple[float, ...]
    stage_levels: tuple[float, ...]
    futility: tuple[float, ...] | None = None
    beta: float | None = None
    drift: float | None = None


class _Grid:
    """The sub-density of ``Z_k`` on its continuation region, on Simpson nodes."""

    def __init__(self, z: np.ndarray, weights: np.ndarray, density: np.ndarray, info: float) -> None:
        self.z, self.weights, self.density, self.info = z, weights, density, info

    @classmethod
    def first(cls, info: float, drift: float, low: float, high: float, spacing: float) -> _Grid:
        z, weights = _nodes(drift * math.sqrt(info), low, high, spacing)
        return cls(z, weights, np.exp(-0.5 * (z - drift * math.sqrt(info)) ** 2) / math.sqrt(2 * math.pi), info)

    def _shift(self, info: float, drift: float) -> tuple[np.ndarray, float]:
        """Per node, where the next look's ``sqrt(info) Z`` is centred, and the transition's SD."""
        step = info - self.info
        return self.z * math.sqrt(self.info) + drift * step, math.sqrt(step)

    def above(self, c: float, info: float, drift: float) -> float:
        """P(the path so far stayed in the region and ``Z`` at ``info`` is at least ``c``)."""
        centre, sd = self._shift(info, drift)
        tail = special.ndtr((centre - c * math.sqrt(info)) / sd)
        return float(np.dot(self.weights * self.density, tail))

    def below(self, b: float, info: float, drift: float) -> float:
        """P(the path so far stayed in the region and ``Z`` at ``info`` is below ``b``)."""
        centre, sd = self._shift(info, drift)
        head = special.ndtr((b * math.sqrt(info) - centre) / sd)
        return float(np.dot(self.weights * self.density, head))

    def next(self, info: float, drift: float, low: float, high: float, spacing: float) -> _Grid:
        """The sub-density at look ``info`` on ``[low, high)``."""
        z, weights = _nodes(drift * math.sqrt(info), low, high, spacing)
        centre, sd = self._shift(info, drift)
        # density of Z' = v given Z = u: phi((v sqrt(I') - centre(u)) / sd) sqrt(I') / sd
        kernel = np.exp(-0.5 * ((z[:, None] * math.sqrt(info) - centre[None, :]) / sd) ** 2)
        density = kernel @ (self.weights * self.density) * math.sqrt(info) / (sd * math.sqrt(2 * math.pi))
        return _Grid(z, weights, density, info)


def _nodes(mean: float, low: float, high: float, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Simpson nodes and weights on ``[low, high]`` cut to ``mean +- _SPAN``."""
    low, high = max(low, mean - _SPAN), min(high, mean + _SPAN)
    if high <= low:
        return np.array([low]), np.zeros(1)
    intervals = 2 * max(1, math.ceil((high - low) / (2 * spacing)))
    z = np.linspace(low, high, intervals + 1)
    weights = np.full(intervals + 1, 2.0)
    weights[1::2] = 4.0
    weights[0] = weights[-1] = 1.0
    return z, weights * (high - low) / (3 * intervals)


def _spacings(information: Sequence[float]) -> list[float]:
    """Grid spacing of each look: fine against the kernel to the next look (Jennison & Turnbull)."""
    out = []
    for k in range(len(information) - 1):
        kernel = math.sqrt((information[k + 1] - information[k]) / information[k + 1])
        out.append(min(1.0, kernel) / _PER_SD)
    return out


def _solve(probability, target: float) -> float:
    """The boundary ``x`` in ``[-_CAP, _CAP]`` where the decreasing ``probability(x)`` equals ``target``."""
    if probability(_CAP) >= target:
        return _CAP
    if probability(-_CAP) <= target:
        return -_CAP
    return float(optimize.brentq(lambda x: probability(x) - target, -_CAP, _CAP, xtol=1e-12, rtol=1e-14))


def _check(information: Sequence[float]) -> tuple[float, ...]:
    info = tuple(float(t) for t in information)
    if not info or any(not 0 < t <= 1 for t in info) or any(b <= a for a, b in zip(info, info[1:])):
        raise ValueError(f"information fractions must increase within (0, 1]. Got {list(info)}.")
    return info


@functools.lru_cache(maxsize=512)
def efficacy(information: tuple[float, ...], alpha: float, spending: Spending) -> Boundaries:
    """Lan-DeMets one-sided efficacy boundaries (rpact ``criticalValues``, ``stageLevels``).

    Args:
        information: information fractions of the looks, increasing, the last 1
            (a last fraction below 1 spends only ``alpha*(t_K)``).
        alpha: the one-sided level, in (0, 1).
        spending: the spending function.

    Example:
        >>> b = efficacy((0.5, 1.0), 0.025, Spending.OBRIEN_FLEMING)
        >>> [round(c, 4) for c in b.critical]  # rpact: 2.9626, 1.9686
        [2.9626, 1.9686]
    """
    info = _check(information)
    cumulative = [spent(spending, alpha, t) for t in info]
    critical = [float(-special.ndtri(cumulative[0])) if cumulative[0] > 0 else _CAP]
    critical[0] = min(critical[0], _CAP)
    spacings = _spacings(info)
    grid = None
    for k in range(1, len(info)):
        low = -_CAP
        grid = (_Grid.first(info[0], 0.0, low, critical[0], spacings[0]) if grid is None
                else grid.next(info[k - 1], 0.0, low, critical[k - 1], spacings[k - 1]))
        target = cumulative[k] - cumulative[k - 1]
        critical.append(_solve(lambda c, g=grid, i=info[k]: g.above(c, i, 0.0), target))
    return Boundaries(information=info, alpha=alpha, alpha_spent=tuple(cumulative), critical=tuple(critical),
                      stage_levels=tuple(float(special.ndtr(-c)) for c in critical))  # fmt: skip


@functools.lru_cache(maxsize=512)
def with_futility(information: tuple[float, ...], alpha: float, spending: Spending, beta: float = 0.2) -> Boundaries:
    """``efficacy`` plus non-binding beta-spending futility boundaries (rpact ``futilityBounds``).

    The drift is found where the futility boundaries meet the efficacy
    boundary at the last look (rpact's "shift" is its square), so the design
    has power ``1 - beta`` at it. A futility boundary never rises above the
    efficacy boundary of its look.

    Example:
        >>> b = with_futility((0.5, 1.0), 0.025, Spending.OBRIEN_FLEMING)
        >>> round(b.futility[0], 4)  # rpact bsOF, bindingFutility = FALSE: 0.559391
        0.5594
    """
    base = efficacy(information, alpha, spending)
    info, critical = base.information, base.critical
    beta_spent = [spent(spending, beta, t) for t in info]
    spacings = _spacings(info)

    def run(drift: float) -> tuple[list[float], float]:
        bounds: list[float] = []
        grid = None
        for k in range(len(info)):
            if k:
                grid = (_Grid.first(info[0], drift, bounds[0], critical[0], spacings[0]) if grid is None
                        else grid.next(info[k - 1], drift, bounds[k - 1], critical[k - 1], spacings[k - 1]))
            target = beta_spent[k] - (beta_spent[k - 1] if k else 0.0)
            if k == len(info) - 1:
                reached = grid.below(critical[k], info[k], drift)
                return bounds, reached - target
            if grid is None:
                bound = float(special.ndtri(target)) + drift * math.sqrt(info[0])
            else:
                bound = -_solve(lambda b, g=grid, i=info[k]: g.below(-b, i, drift), target)
            bounds.append(min(bound, critical[k]))
        raise AssertionError("unreachable")

    drift = float(optimize.brentq(lambda d: run(d)[1], 0.0, 2 * _CAP, xtol=1e-12))
    bounds, _ = run(drift)
    return Boundaries(information=info, alpha=alpha, alpha_spent=base.alpha_spent, critical=critical,
                      stage_levels=base.stage_levels, futility=tuple(bounds), beta=beta, drift=drift)  # fmt: skip


def crossings(information: Sequence[float], upper: Sequence[float], lower: Sequence[float],
              drift: float) -> tuple[list[float], list[float]]:  # fmt: skip
    """P(the path first leaves at look k above, and below): ``Z_k >= upper_k``, ``Z_k < lower_k``.

    At the last look every path that reaches it leaves: above ``upper_K``, or
    else below, so the probabilities of both lists sum to 1.

    Args:
        information: the looks' information fractions.
        upper, lower: the boundaries of each look (``inf``/``-inf`` for none;
            ``lower`` of the last look is ignored).
        drift: the mean of ``Z`` at information 1.

    Example:
        >>> up, down = crossings((0.5, 1.0), (2.9626, 1.9686), (-math.inf, -math.inf), 0.0)
        >>> round(sum(up), 4)  # the design's alpha
        0.025
    """
    info = _check(information)
    up = [min(float(u), _CAP) for u in upper]
    low = [max(float(b), -_CAP) for b in lower][:-1] + [up[-1]]
    spacings = _spacings(info)
    above: list[float] = []
    below: list[float] = []
    grid = None
    for k in range(len(info)):
        if grid is None:
            mean = drift * math.sqrt(info[0])
            above.append(float(special.ndtr(mean - up[0])))
            below.append(float(special.ndtr(low[0] - mean)))
        else:
            above.append(grid.above(up[k], info[k], drift))
            below.append(grid.below(low[k], info[k], drift))
        if k < len(info) - 1:
            grid = (_Grid.first(info[0], drift, low[0], up[0], spacings[0]) if grid is None
                    else grid.next(info[k], drift, low[k], up[k], spacings[k]))
    return above, below
