"""Records of the statistics stage: per-arm summaries, comparisons, the analysis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypolab.records.decision import DecisionInterval, DifferenceTest
from hypolab.records.hypothesis import Correction, Direction, Pairing, TestName
from hypolab.records.sequential import SequentialAnalysis
from hypolab.records.series import SeriesAnalysis
from hypolab.records.significance import (
    EquivalenceTest,
    OmnibusTests,
    RobustnessCheck,
    TrendTest,
    Verdict,
    field_kwargs,
)

__all__ = ["Analysis", "ArmSummary", "Comparison", "Verdict"]


@dataclass(frozen=True)
class ArmSummary:
    """Per-arm description of the metric over its seeds.

    Args:
        name: the arm's name.
        n: values analysed (finished runs, plus failed ones counted as worst).
        n_failed: failed or diverged runs of the arm.
        mean, std, median: sample mean, standard deviation (n - 1) and median.
        ci_low, ci_high: t-based confidence interval of the mean at 1 - alpha,
            cut at the metric's bounds where it has them (accuracy: [0, 1]).
        failed_as_worst: True where failed runs were counted as the worst value.
    """

    name: str
    n: int
    n_failed: int
    mean: float | None
    std: float | None
    median: float | None
    ci_low: float | None
    ci_high: float | None
    failed_as_worst: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "n_failed": self.n_failed,
            "mean": self.mean,
            "std": self.std,
            "median": self.median,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "failed_as_worst": self.failed_as_worst,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArmSummary:
        return cls(**field_kwargs(cls, data))


@dataclass(frozen=True)
class Comparison:
    """One treatment against the control: tests, estimates and the verdict.

    The fields up to ``sentence`` are the fixed JSON of issue 4; the others add
    detail. Differences are treatment minus control; ``ci_low``/``ci_high`` are
    the two-sided 1 - alpha interval of the difference from the primary test,
    unadjusted; ``decision_interval`` is the one that agrees with the verdict.
    Every field is described in ``docs/analysis-json.md``.

    Args:
        control, treatment: the arm names.
        test: the primary test that ran; ``test_reason`` says why.
        statistic, df, pvalue: the claim's own test (p unadjusted): the primary
            test in the predicted direction, or TOST for ``equivalent`` claims
            (statistic and df of its one-sided test with the larger p).
        pvalue_adjusted: that p after the family's correction.
        difference: mean difference (paired: mean of per-seed differences).
        ci_low, ci_high: CI of the difference at 1 - alpha.
        hedges_g: standardised mean difference, small-sample corrected.
        cliffs_delta: P(T > C) - P(T < C).
        prob_superiority: P(T > C) + P(T = C) / 2.
        power_at_margin: prospective power to detect ``margin`` with these seeds.
        seeds_needed: seeds per arm for 80% power at ``margin``.
        verdict: supported / contradicted / equivalent / inconclusive.
        sentence: the verdict in one plain sentence.
        verdict_reason: why the verdict is what it is.
        apa: the APA-style statistics string.
        seeds_per_arm: values per arm (treatment, control) analysed.
        relative_change: difference / control mean (None if that mean is 0).
        bootstrap_ci: BCa bootstrap interval of the difference (seeded).
        hedges_g_ci: CI of Hedges' g (noncentral t).
        prob_superiority_ci: CI of the probability of superiority (Newcombe).
        alternative: the alternative of the primary test.
        correction: the family's correction.
        tost: the equivalence test where a margin is given.
        robustness: the other reasonable tests and whether they agree.
        n_pairs: pairs analysed where runs are paired by seed.
        pvalue_opposite, pvalue_opposite_adjusted: the primary test one-sided
            against the prediction (None unless ``greater``/``less``).
        decision_pvalue: the adjusted p-value that decided the verdict (of the
            claim's test where nothing was significant).
        decision_alpha: the level ``decision_pvalue`` was compared with.
        decided_by: which test decided: ``predicted``, ``opposite``, ``tost``,
            ``nonequivalence`` ("" where the data could not carry a verdict).
        decision_interval: the interval of the difference that agrees with the verdict.
        difference_test: the two-sided difference test beside TOST (``equivalent`` claims).
        disagreement: which robustness tests reach another conclusion ("" if none).
    """

    control: str
    treatment: str
    test: str
    test_reason: str
    statistic: float | None
    df: float | None
    pvalue: float | None
    pvalue_adjusted: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    hedges_g: float | None
    cliffs_delta: float | None
    prob_superiority: float | None
    power_at_margin: float | None
    seeds_needed: int | None
    verdict: Verdict
    sentence: str
    verdict_reason: str = ""
    apa: str = ""
    seeds_per_arm: tuple[int, int] = (0, 0)
    relative_change: float | None = None
    bootstrap_ci: tuple[float, float] | None = None
    hedges_g_ci: tuple[float, float] | None = None
    prob_superiority_ci: tuple[float, float] | None = None
    alternative: str = "two-sided"
    correction: str = "none"
    tost: EquivalenceTest | None = None
    robustness: tuple[RobustnessCheck, ...] = ()
    n_pairs: int | None = None
    pvalue_opposite: float | None = None
    pvalue_opposite_adjusted: float | None = None
    decision_pvalue: float | None = None
    decision_alpha: float | None = None
    decided_by: str = ""
    decision_interval: DecisionInterval | None = None
    difference_test: DifferenceTest | None = None
    disagreement: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "treatment": self.treatment,
            "test": self.test,
            "test_reason": self.test_reason,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "pvalue_adjusted": self.pvalue_adjusted,
            "difference": self.difference,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "hedges_g": self.hedges_g,
            "cliffs_delta": self.cliffs_delta,
            "prob_superiority": self.prob_superiority,
            "power_at_margin": self.power_at_margin,
            "seeds_needed": self.seeds_needed,
            "verdict": self.verdict.value,
            "sentence": self.sentence,
            "verdict_reason": self.verdict_reason,
            "apa": self.apa,
            "seeds_per_arm": list(self.seeds_per_arm),
            "relative_change": self.relative_change,
            "bootstrap_ci": _pair(self.bootstrap_ci),
            "hedges_g_ci": _pair(self.hedges_g_ci),
            "prob_superiority_ci": _pair(self.prob_superiority_ci),
            "alternative": self.alternative,
            "correction": self.correction,
            "tost": None if self.tost is None else self.tost.to_dict(),
            "robustness": [r.to_dict() for r in self.robustness],
            "n_pairs": self.n_pairs,
            "pvalue_opposite": self.pvalue_opposite,
            "pvalue_opposite_adjusted": self.pvalue_opposite_adjusted,
            "decision_pvalue": self.decision_pvalue,
            "decision_alpha": self.decision_alpha,
            "decided_by": self.decided_by,
            "decision_interval": _record(self.decision_interval),
            "difference_test": _record(self.difference_test),
            "disagreement": self.disagreement,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Comparison:
        kwargs = field_kwargs(cls, data)
        kwargs["verdict"] = Verdict(data["verdict"])
        for key in ("bootstrap_ci", "hedges_g_ci", "prob_superiority_ci"):
            if kwargs.get(key) is not None:
                kwargs[key] = tuple(kwargs[key])
        if "seeds_per_arm" in kwargs:
            kwargs["seeds_per_arm"] = tuple(kwargs["seeds_per_arm"])
        if kwargs.get("tost") is not None:
            kwargs["tost"] = EquivalenceTest.from_dict(kwargs["tost"])
        if "robustness" in kwargs:
            kwargs["robustness"] = tuple(RobustnessCheck.from_dict(r) for r in kwargs["robustness"])
        for key, kind in (("decision_interval", DecisionInterval),
                          ("difference_test", DifferenceTest)):
            if kwargs.get(key) is not None:
                kwargs[key] = kind.from_dict(kwargs[key])
        return cls(**kwargs)


@dataclass(frozen=True)
class Analysis:
    """Everything the statistics stage found for one hypothesis.

    ``to_dict()`` is the JSON of issue 4 (``hypolab analyze --json`` and the
    report's input); the fixed keys are ``metric``, ``direction``, ``alpha``,
    ``margin``, ``arms``, ``comparisons``, ``omnibus`` and ``trend``. Every key
    is described in ``docs/analysis-json.md``.

    Args:
        metric: the metric compared.
        direction: the predicted direction of treatment vs control.
        alpha: the significance level.
        margin: the smallest effect of interest, or None.
        arms: per-arm summaries, control first.
        comparisons: one per treatment, in arm order.
        omnibus: Welch's ANOVA and Kruskal-Wallis for 3+ arms, else None.
        trend: the dose-series trend test where ``ordered``, else None.
        test, pairing, correction: the settings the analysis ran with.
        control: the control arm's name.
        notes: remarks about the analysis (e.g. failed runs dropped).
        verdict: the one verdict of the hypothesis (the series verdict for a
            dose series; rule: ``docs/verdict.md``).
        verdict_reason: why, in plain words.
        alpha_contradicted: the level of the tests against the prediction.
        series: the dose series' verdict and tests where ``ordered``, else None.
        sequential: the looks of a sequential design (``sequential:``), else None.
    """

    metric: str
    direction: Direction
    alpha: float
    margin: float | None
    arms: tuple[ArmSummary, ...]
    comparisons: tuple[Comparison, ...]
    omnibus: OmnibusTests | None = None
    trend: TrendTest | None = None
    test: TestName = TestName.AUTO
    pairing: Pairing = Pairing.INDEPENDENT
    correction: Correction = Correction.HOLM
    control: str = ""
    notes: tuple[str, ...] = ()
    verdict: Verdict = Verdict.INCONCLUSIVE
    verdict_reason: str = ""
    alpha_contradicted: float | None = None
    series: SeriesAnalysis | None = None
    sequential: SequentialAnalysis | None = None

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per comparison (``to_frame``'s rows): the verdict and the numbers that decided it."""
        keys = ("treatment", "control", "test", "difference", "ci_low", "ci_high", "pvalue", "pvalue_adjusted",
                "hedges_g", "power_at_margin", "seeds_needed", "verdict", "sentence")  # fmt: skip
        return [{"metric": self.metric, **{k: v.value if k == "verdict" else v for k in keys
                                           for v in [getattr(c, k)]}} for c in self.comparisons]  # fmt: skip

    def to_frame(self):
        """A pandas DataFrame, one row per comparison (pandas is an optional extra).

        Raises:
            ImportError: pandas is not installed (the message says how to install it).
        """
        from hypolab.records.display import frame

        return frame(self.rows(), ["metric", "treatment", "control", "test", "difference", "ci_low", "ci_high",
                                   "pvalue", "pvalue_adjusted", "hedges_g", "power_at_margin", "seeds_needed",
                                   "verdict", "sentence"])  # fmt: skip

    def _repr_html_(self) -> str:
        """Jupyter's view: the verdict and a table of the comparisons."""
        from hypolab.records.display import analysis_html

        return analysis_html(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "direction": self.direction.value,
            "alpha": self.alpha,
            "margin": self.margin,
            "arms": [a.to_dict() for a in self.arms],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "omnibus": None if self.omnibus is None else self.omnibus.to_dict(),
            "trend": None if self.trend is None else self.trend.to_dict(),
            "test": self.test.value,
            "pairing": self.pairing.value,
            "correction": self.correction.value,
            "control": self.control,
            "notes": list(self.notes),
            "verdict": self.verdict.value,
            "verdict_reason": self.verdict_reason,
            "alpha_contradicted": self.alpha_contradicted,
            "series": _record(self.series),
            "sequential": _record(self.sequential),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Analysis:
        return cls(
            metric=data["metric"],
            direction=Direction(data["direction"]),
            alpha=data["alpha"],
            margin=data["margin"],
            arms=tuple(ArmSummary.from_dict(a) for a in data["arms"]),
            comparisons=tuple(Comparison.from_dict(c) for c in data["comparisons"]),
            omnibus=_optional(OmnibusTests, data.get("omnibus")),
            trend=_optional(TrendTest, data.get("trend")),
            test=TestName(data.get("test", "auto")),
            pairing=Pairing(data.get("pairing", "independent")),
            correction=Correction(data.get("correction", "holm")),
            control=data.get("control", ""),
            notes=tuple(data.get("notes", ())),
            verdict=Verdict(data.get("verdict", "inconclusive")),
            verdict_reason=data.get("verdict_reason", ""),
            alpha_contradicted=data.get("alpha_contradicted"),
            series=_optional(SeriesAnalysis, data.get("series")),
            sequential=_optional(SequentialAnalysis, data.get("sequential")),
        )


def _record(record: Any) -> dict[str, Any] | None:
    return None if record is None else record.to_dict()


def _optional(cls: Any, data: dict[str, Any] | None) -> Any:
    return None if data is None else cls.from_dict(data)


def _pair(value: tuple[float, float] | None) -> list[float] | None:
    return None if value is None else [value[0], value[1]]
