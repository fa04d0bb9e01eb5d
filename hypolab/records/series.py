"""Records of a dose series (``ordered: true``): the trend test, each step, the series verdict.

The statistics stage builds them (``hypolab/stats/series.py``); ``Analysis.series``
holds them. Rule: ``docs/verdict.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypolab.records.decision import DecisionInterval
from hypolab.records.significance import Conclusion, Verdict, field_kwargs


@dataclass(frozen=True)
class SeriesTest:
    """The rank test of an ordered alternative over every arm of the series.

    Independent runs: Jonckheere-Terpstra, ``statistic`` J, the number of
    pairs (lower dose, higher dose) in which the higher dose's value is
    larger, ties counting 1/2, over every pair of arms. Runs paired by seed:
    Page's test, ``statistic`` L, the sum over seeds of each dose's rank
    within the seed times its position in the series.

    Args:
        test: ``jonckheere_terpstra`` or ``page``.
        arms: the arms in dose order (control first).
        alternative: ``greater`` (the metric rises), ``less`` or ``two-sided``.
        statistic: J.
        mean, sd: the statistic's mean and SD under no trend (SD tie-corrected).
        z: ``(statistic - mean) / sd``.
        pvalue: for the claim's direction (two-sided for ``two-sided``).
        pvalue_opposite: one-sided against the claim (None unless ``greater``/``less``).
        method: ``exact`` (no ties) or ``normal approximation with tie correction``.
    """

    test: str
    arms: tuple[str, ...]
    alternative: str
    statistic: float
    mean: float
    sd: float
    z: float | None
    pvalue: float | None
    pvalue_opposite: float | None
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "arms": list(self.arms), "alternative": self.alternative,
                "statistic": self.statistic, "mean": self.mean, "sd": self.sd, "z": self.z,
                "pvalue": self.pvalue, "pvalue_opposite": self.pvalue_opposite,
                "method": self.method}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesTest:
        kwargs = field_kwargs(cls, data)
        kwargs["arms"] = tuple(data["arms"])
        return cls(**kwargs)


@dataclass(frozen=True)
class DoseStep:
    """One dose against the previous one in the series.

    Args:
        lower, upper: the previous dose's arm and this dose's arm.
        test: the test (``welch``, ``student`` or ``paired_t``), one-sided in the
            claim's direction (two-sided for ``two-sided``).
        difference: mean(upper) - mean(lower) (paired: mean of per-seed differences).
        statistic, df, pvalue: the test (None where undefined).
        pvalue_adjusted: after the steps' own correction.
        pvalue_opposite, pvalue_opposite_adjusted: one-sided against the claim.
        conclusion: what this step shows.
        interval: the interval that agrees with ``conclusion``.
    """

    lower: str
    upper: str
    test: str
    difference: float | None
    statistic: float | None
    df: float | None
    pvalue: float | None
    pvalue_adjusted: float | None
    pvalue_opposite: float | None
    pvalue_opposite_adjusted: float | None
    conclusion: Conclusion
    interval: DecisionInterval | None

    def to_dict(self) -> dict[str, Any]:
        return {"lower": self.lower, "upper": self.upper, "test": self.test,
                "difference": self.difference, "statistic": self.statistic, "df": self.df,
                "pvalue": self.pvalue, "pvalue_adjusted": self.pvalue_adjusted,
                "pvalue_opposite": self.pvalue_opposite,
                "pvalue_opposite_adjusted": self.pvalue_opposite_adjusted,
                "conclusion": self.conclusion.value,
                "interval": None if self.interval is None else self.interval.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DoseStep:
        kwargs = field_kwargs(cls, data)
        kwargs["conclusion"] = Conclusion(data["conclusion"])
        if kwargs.get("interval") is not None:
            kwargs["interval"] = DecisionInterval.from_dict(kwargs["interval"])
        return cls(**kwargs)


@dataclass(frozen=True)
class SeriesAnalysis:
    """The verdict on a dose series as a whole, and what it rests on.

    Args:
        verdict: ``supported``, ``contradicted`` or ``inconclusive``.
        reason: why, in plain words.
        sentence: the series verdict in one sentence.
        test: the rank test over every arm (Jonckheere-Terpstra; Page's when paired).
        steps: each dose against the previous one.
        step_correction: the correction applied across the steps.
        alpha, alpha_contradicted: the levels of the two directions.
    """

    verdict: Verdict
    reason: str
    sentence: str
    test: SeriesTest
    steps: tuple[DoseStep, ...]
    step_correction: str
    alpha: float
    alpha_contradicted: float

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "reason": self.reason, "sentence": self.sentence,
                "test": self.test.to_dict(), "steps": [s.to_dict() for s in self.steps],
                "step_correction": self.step_correction, "alpha": self.alpha,
                "alpha_contradicted": self.alpha_contradicted}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesAnalysis:
        return cls(verdict=Verdict(data["verdict"]), reason=data["reason"], sentence=data["sentence"],
                   test=SeriesTest.from_dict(data["test"]),
                   steps=tuple(DoseStep.from_dict(s) for s in data["steps"]),
                   step_correction=data["step_correction"], alpha=data["alpha"],
                   alpha_contradicted=data["alpha_contradicted"])
