"""Records of what decided a verdict: the matching interval, the difference test, seeds to plan.

The statistics stage builds them (``hypolab/stats/``); ``Comparison``
(``records/analysis.py``) holds the first two, ``hypolab plan --store`` prints
the third. Rule and levels: ``docs/verdict.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypolab.records.significance import field_kwargs


@dataclass(frozen=True)
class DecisionInterval:
    """The interval of the difference that agrees with the verdict's decision.

    Each bound is a one-sided confidence bound at the level the verdict's
    test was in effect decided at (after the family's correction): for a
    ``greater`` claim the lower bound is above 0 exactly when the verdict is
    ``supported`` and the upper bound below 0 exactly when it is
    ``contradicted``; for ``less`` the mirror; for ``two-sided`` both at
    ``1 - level/2``; for ``equivalent`` the TOST interval, inside ``+-margin``
    exactly when TOST is significant.

    Args:
        low, high: the bounds (None where no interval exists).
        low_confidence, high_confidence: the one-sided confidence of each bound.
        confidence: the two together, ``low_confidence + high_confidence - 1``.
        test: the t-test the bounds come from (``welch``, ``student``,
            ``paired_t``, ``many_to_one``).
        note: where the verdict's own test is not that t-test (a rank or
            permutation test), why the interval may not match it exactly.
    """

    low: float | None
    high: float | None
    low_confidence: float
    high_confidence: float
    confidence: float
    test: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "low_confidence": self.low_confidence,
                "high_confidence": self.high_confidence, "confidence": self.confidence,
                "test": self.test, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionInterval:
        return cls(**field_kwargs(cls, data))


@dataclass(frozen=True)
class DifferenceTest:
    """The test of a difference (``H0: no difference``) where the claim's own test is another.

    For ``direction: equivalent`` the comparison's ``pvalue`` is TOST's; this
    is the two-sided test of the difference that ran beside it.

    Args:
        test: the test (a ``TestName`` value).
        alternative: ``two-sided``.
        statistic, df, pvalue: its result (None where undefined).
        pvalue_adjusted: after the family's correction.
    """

    test: str
    alternative: str
    statistic: float | None
    df: float | None
    pvalue: float | None
    pvalue_adjusted: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "alternative": self.alternative, "statistic": self.statistic,
                "df": self.df, "pvalue": self.pvalue, "pvalue_adjusted": self.pvalue_adjusted}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DifferenceTest:
        return cls(**field_kwargs(cls, data))


@dataclass(frozen=True)
class SeedsEstimate:
    """Seeds per arm for the power wanted at the margin, and how sure that is.

    Args:
        sd: the SD the estimate rests on (pooled; of per-seed differences when paired).
        df: its degrees of freedom (finished runs minus 2; pairs minus 1 when paired).
        seeds_needed: seeds per arm at ``sd`` (None past 10 million).
        confidence: the level of ``sd_upper``, e.g. 0.8.
        sd_upper: the one-sided ``confidence`` upper bound of the SD.
        seeds_needed_upper: seeds per arm if the SD is as large as ``sd_upper``.
        power: the power wanted.
        alpha: the per-comparison level the power is computed at.
        few_runs: the SD rests on fewer than 20 df, so it is uncertain.
    """

    sd: float
    df: int
    seeds_needed: int | None
    confidence: float
    sd_upper: float
    seeds_needed_upper: int | None
    power: float
    alpha: float
    few_runs: bool
