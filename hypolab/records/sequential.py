"""Records of a sequential design: the looks a file plans, each look's analysis, the whole test.

``SequentialConfig`` is the ``sequential:`` key of a hypothesis file
(``Hypothesis.sequential``); ``Look`` is one treatment's analysis at one look,
as the driver records it in the store (the recorded looks are the truth: a
rerun never decides a look again); ``SequentialAnalysis`` is
``Analysis.sequential``, the ``sequential`` entry of ``results.json``. The
rule: ``docs/verdict.md`` ("Sequential seeds").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from hypolab.records.hypothesis import Correction, Direction, Hypothesis, Pairing, TestName
from hypolab.records.significance import field_kwargs


class Spending(str, enum.Enum):
    """The Lan-DeMets alpha-spending function of a sequential design."""

    OBRIEN_FLEMING = "obrien_fleming"
    POCOCK = "pocock"


class LookDecision(str, enum.Enum):
    """What a look decided for one treatment: go on, or stop (and why)."""

    CONTINUE = "continue"
    SUPPORTED = "supported"
    EQUIVALENT = "equivalent"
    CONTRADICTED = "contradicted"
    FUTILITY = "futility"
    INCONCLUSIVE = "inconclusive"  # the last look, no boundary crossed

    @property
    def stops(self) -> bool:
        return self is not LookDecision.CONTINUE


@dataclass(frozen=True)
class SequentialConfig:
    """The ``sequential:`` key of a hypothesis file.

    Args:
        looks: seeds per arm at each analysis, increasing; the last is the seed count.
        spending: the alpha-spending function (``obrien_fleming`` or ``pocock``).
        futility: stop a treatment early for futility (non-binding beta spending).
    """

    looks: tuple[int, ...]
    spending: Spending = Spending.OBRIEN_FLEMING
    futility: bool = False

    def information(self) -> tuple[float, ...]:
        """Each look's share of the largest: ``looks[k] / looks[-1]``."""
        return tuple(n / self.looks[-1] for n in self.looks)

    def to_dict(self) -> dict[str, Any]:
        return {"looks": list(self.looks), "spending": self.spending.value, "futility": self.futility}


@dataclass(frozen=True)
class LookSettings:
    """How a sequential test's comparisons are tested: ``hypolab.stats.analyze``'s settings as one record.

    Every look and the final analysis take them; ``of(h)`` reads them from a hypothesis.

    Args:
        direction, alpha, margin, test, pairing, correction, metric,
        failed_as_worst, higher_is_better: as ``hypolab.stats.analyze``.
    """

    direction: Direction = Direction.GREATER
    alpha: float = 0.05
    margin: float | None = None
    test: TestName = TestName.AUTO
    pairing: Pairing = Pairing.INDEPENDENT
    correction: Correction = Correction.HOLM
    metric: str = "value"
    failed_as_worst: bool = False
    higher_is_better: bool | None = None

    @classmethod
    def of(cls, h: Hypothesis) -> LookSettings:
        return cls(direction=h.direction, alpha=h.alpha, margin=h.margin, test=h.test, pairing=h.pairing,
                   correction=h.correction, metric=h.metric, failed_as_worst=h.failed_as_worst,
                   higher_is_better=h.higher_is_better(h.metric))  # fmt: skip

    def keywords(self) -> dict[str, Any]:
        """The settings as ``hypolab.stats.analyze``'s keyword arguments."""
        return {"direction": self.direction, "alpha": self.alpha, "margin": self.margin, "test": self.test,
                "pairing": self.pairing, "correction": self.correction, "metric": self.metric,
                "failed_as_worst": self.failed_as_worst, "higher_is_better": self.higher_is_better}  # fmt: skip


@dataclass(frozen=True)
class Look:
    """One treatment's analysis at one look: the statistic against its boundaries, and the decision.

    The claim's own test is one-sided for directional and non-inferiority
    claims, two-sided for ``two-sided`` claims and TOST for ``equivalent``;
    its p-value is put on the z scale (``statistic = Phi^-1(1 - p)``, signed
    by the difference for two-sided claims) and compared with the design's
    boundary at that look (``docs/verdict.md``).

    Args:
        look: the look's number, 1 to K.
        treatment: the treatment compared with the control.
        seeds: seeds per arm planned by this look.
        information: ``seeds`` over the largest look.
        alpha_spent: the claim's alpha spent by this look (both sides for ``two-sided``).
        z_boundary: the efficacy boundary on the z scale.
        p_boundary: its nominal level: the claim's p-value must be below it.
        statistic: the claim's p-value on the z scale (None where the test is undefined).
        pvalue: the claim's p-value at this look, unadjusted (None where undefined).
        decision: what the look decided for this treatment.
        level: the family's alpha this treatment was tested at (Holm passes alpha on).
        futility_z_boundary, futility_p_boundary: the non-binding futility boundary
            (stop where ``statistic`` is below it); None without futility and at the last look.
        opposite_pvalue: the test against the claim (non-equivalence for ``equivalent``).
        opposite_p_boundary: its nominal level at this look.
        opposite_level: the family's level of the test against the claim for this treatment.
        test: the test that ran; ``test_statistic`` and ``df`` its own statistic.
        n_treatment, n_control: values analysed at this look.
        reason: the decision in words.
    """

    look: int
    treatment: str
    seeds: int
    information: float
    alpha_spent: float
    z_boundary: float
    p_boundary: float
    statistic: float | None
    pvalue: float | None
    decision: LookDecision
    level: float
    futility_z_boundary: float | None = None
    futility_p_boundary: float | None = None
    opposite_pvalue: float | None = None
    opposite_p_boundary: float | None = None
    opposite_level: float | None = None
    test: str = ""
    test_statistic: float | None = None
    df: float | None = None
    n_treatment: int = 0
    n_control: int = 0
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "look": self.look,
            "treatment": self.treatment,
            "seeds": self.seeds,
            "information": self.information,
            "alpha_spent": self.alpha_spent,
            "z_boundary": self.z_boundary,
            "p_boundary": self.p_boundary,
            "statistic": self.statistic,
            "pvalue": self.pvalue,
            "decision": self.decision.value,
            "level": self.level,
            "futility_z_boundary": self.futility_z_boundary,
            "futility_p_boundary": self.futility_p_boundary,
            "opposite_pvalue": self.opposite_pvalue,
            "opposite_p_boundary": self.opposite_p_boundary,
            "opposite_level": self.opposite_level,
            "test": self.test,
            "test_statistic": self.test_statistic,
            "df": self.df,
            "n_treatment": self.n_treatment,
            "n_control": self.n_control,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Look:
        kwargs = field_kwargs(cls, data)
        kwargs["decision"] = LookDecision(data["decision"])
        return cls(**kwargs)


@dataclass(frozen=True)
class SequentialAnalysis:
    """The sequential test of a hypothesis: its design and every look recorded.

    Args:
        spending: the alpha-spending function.
        futility: whether futility stops were planned.
        looks_planned: seeds per arm at each planned look.
        alpha: the claim's family level; ``alpha_contradicted`` that of the test against it.
        looks: every look of every treatment, in look order, then treatment order.
        stopped_early: the test ended before its last look (every treatment decided).
        stopped_at: the last look analysed.
        seeds_spent: seeds per arm the longest-running treatment (and the control) reached.
    """

    spending: Spending
    futility: bool
    looks_planned: tuple[int, ...]
    alpha: float
    alpha_contradicted: float
    looks: tuple[Look, ...]
    stopped_early: bool
    stopped_at: int
    seeds_spent: int

    @property
    def max_seeds(self) -> int:
        return self.looks_planned[-1]

    def final(self, treatment: str) -> Look | None:
        """The last recorded look of ``treatment`` (the one that decided it, where decided)."""
        mine = [look for look in self.looks if look.treatment == treatment]
        return mine[-1] if mine else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "spending": self.spending.value,
            "futility": self.futility,
            "looks_planned": list(self.looks_planned),
            "max_seeds": self.max_seeds,
            "alpha": self.alpha,
            "alpha_contradicted": self.alpha_contradicted,
            "stopped_early": self.stopped_early,
            "stopped_at": self.stopped_at,
            "seeds_spent": self.seeds_spent,
            "looks": [look.to_dict() for look in self.looks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SequentialAnalysis:
        return cls(spending=Spending(data["spending"]), futility=bool(data["futility"]),
                   looks_planned=tuple(data["looks_planned"]), alpha=data["alpha"],
                   alpha_contradicted=data["alpha_contradicted"],
                   looks=tuple(Look.from_dict(look) for look in data["looks"]),
                   stopped_early=bool(data["stopped_early"]), stopped_at=int(data["stopped_at"]),
                   seeds_spent=int(data["seeds_spent"]))  # fmt: skip
