"""Records of single tests: a test's result, TOST, the robustness panel, omnibus and trend.

The statistics stage builds them; ``Comparison`` and ``Analysis``
(``records/analysis.py``) hold them. Each gives its part of the analysis JSON
with ``to_dict()`` and reads it back with ``from_dict()``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from hypolab.records.hypothesis import TestName


class Verdict(str, enum.Enum):
    """The one verdict of a comparison, a dose series or a hypothesis (rule: ``docs/verdict.md``)."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    EQUIVALENT = "equivalent"
    INCONCLUSIVE = "inconclusive"


class Conclusion(str, enum.Enum):
    """What one test says on its own, after the family's correction."""

    SIGNIFICANT = "significant"
    OPPOSITE = "significant, opposite"
    NOT_SIGNIFICANT = "not significant"


@dataclass(frozen=True)
class TestResult:
    """One significance test of treatment against control.

    ``statistic`` and ``estimate`` are oriented as treatment minus control
    (R's ``t.test(treatment, control)``); for Mann-Whitney the statistic is U of
    the treatment, for Wilcoxon signed-rank V (sum of positive ranks of
    treatment minus control). ``df`` is None where the test has none.

    Args:
        test: the test's name (a ``TestName`` value).
        alternative: ``two-sided``, ``greater`` or ``less``.
        statistic, df, pvalue: the test's result (None where undefined).
        method: how the p-value was computed, e.g. ``exact`` or
            ``normal approximation with continuity correction``.
        ci_low, ci_high: the two-sided 1 - alpha interval of the location
            difference where the test gives one.
        estimate: the difference the test estimates (mean difference).
        note: why a value is missing, e.g. ``both arms are constant``.
        standard_error: the estimate's standard error, for t-tests (None otherwise).
    """

    __test__ = False  # not a pytest test class

    test: str
    alternative: str
    statistic: float | None
    df: float | None
    pvalue: float | None
    method: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    estimate: float | None = None
    note: str = ""
    standard_error: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "alternative": self.alternative,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "method": self.method,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "estimate": self.estimate,
            "note": self.note,
            "standard_error": self.standard_error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        return cls(**field_kwargs(cls, data))


@dataclass(frozen=True)
class MarginTest:
    """One of TOST's one-sided t-tests against a bound of the margin.

    Args:
        statistic, df, pvalue: the t-test (None where t is undefined).
    """

    statistic: float | None
    df: float | None
    pvalue: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": self.statistic, "df": self.df, "pvalue": self.pvalue}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarginTest:
        return cls(statistic=data["statistic"], df=data["df"], pvalue=data["pvalue"])


@dataclass(frozen=True)
class EquivalenceTest:
    """Two one-sided tests (TOST) of equivalence within ``+-margin``, and the converse.

    Args:
        test: ``tost_welch`` or ``tost_paired_t``.
        margin: the equivalence margin, in the metric's units.
        pvalue: TOST's p, the larger of ``lower`` and ``upper`` (None where undefined).
        lower: ``H0: diff <= -margin`` against ``diff > -margin``.
        upper: ``H0: diff >= margin`` against ``diff < margin``.
        ci_level: ``1 - 2 alpha``.
        ci_low, ci_high: the ``ci_level`` interval of the difference (inside
            ``+-margin`` exactly when TOST rejects).
        nonequivalence_pvalue: the test of ``H0: |diff| <= margin``.
        pvalue_adjusted, nonequivalence_pvalue_adjusted: after the family's
            correction (None until the family is adjusted).
    """

    test: str
    margin: float
    pvalue: float | None
    lower: MarginTest
    upper: MarginTest
    ci_level: float
    ci_low: float | None
    ci_high: float | None
    nonequivalence_pvalue: float | None
    pvalue_adjusted: float | None = None
    nonequivalence_pvalue_adjusted: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "margin": self.margin,
            "pvalue": self.pvalue,
            "lower": self.lower.to_dict(),
            "upper": self.upper.to_dict(),
            "ci_level": self.ci_level,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "nonequivalence_pvalue": self.nonequivalence_pvalue,
            "pvalue_adjusted": self.pvalue_adjusted,
            "nonequivalence_pvalue_adjusted": self.nonequivalence_pvalue_adjusted,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EquivalenceTest:
        kwargs = field_kwargs(cls, data)
        kwargs["lower"] = MarginTest.from_dict(data["lower"])
        kwargs["upper"] = MarginTest.from_dict(data["upper"])
        return cls(**kwargs)


@dataclass(frozen=True)
class RobustnessCheck:
    """One other reasonable test of a comparison (the robustness panel).

    Args:
        test: the panel test.
        statistic, df, pvalue: its result in the claim's direction (p unadjusted).
        pvalue_adjusted: p after the family's correction (each panel test is its own family).
        pvalue_opposite, pvalue_opposite_adjusted: one-sided against the
            prediction (None unless the claim is ``greater``/``less``).
        method: how the p-value was computed, e.g. ``exact``.
        conclusion: what the test says on its own.
        agrees: whether that is the primary test's conclusion.
        can_reach_alpha: whether the test can reach ``p < alpha`` at all with
            these seeds (an exact rank test with few seeds cannot); one that
            cannot is shown but never makes the tests disagree.
    """

    test: TestName
    statistic: float | None
    df: float | None
    pvalue: float | None
    pvalue_adjusted: float | None
    pvalue_opposite: float | None
    pvalue_opposite_adjusted: float | None
    method: str
    conclusion: Conclusion
    agrees: bool
    can_reach_alpha: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test.value,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "pvalue_adjusted": self.pvalue_adjusted,
            "pvalue_opposite": self.pvalue_opposite,
            "pvalue_opposite_adjusted": self.pvalue_opposite_adjusted,
            "method": self.method,
            "conclusion": self.conclusion.value,
            "agrees": self.agrees,
            "can_reach_alpha": self.can_reach_alpha,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RobustnessCheck:
        kwargs = field_kwargs(cls, data)
        kwargs["test"] = TestName(data["test"])
        kwargs["conclusion"] = Conclusion(data["conclusion"])
        return cls(**kwargs)


@dataclass(frozen=True)
class WelchAnova:
    """Welch's heteroscedastic one-way ANOVA over the arms.

    Args:
        statistic: F (None where an arm has zero variance).
        df1, df2: numerator and (Welch) denominator degrees of freedom.
        pvalue: the p-value (None where F is undefined).
    """

    test: ClassVar[str] = "welch_anova"

    statistic: float | None
    df1: float
    df2: float | None
    pvalue: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "statistic": self.statistic, "df1": self.df1,
                "df2": self.df2, "pvalue": self.pvalue}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WelchAnova:
        return cls(statistic=data["statistic"], df1=data["df1"], df2=data["df2"],
                   pvalue=data["pvalue"])


@dataclass(frozen=True)
class KruskalWallis:
    """The Kruskal-Wallis H test over the arms, tie-corrected.

    Args:
        statistic: H (None where every value is the same).
        df: degrees of freedom, arms - 1.
        pvalue: the p-value (None where H is undefined).
    """

    test: ClassVar[str] = "kruskal_wallis"

    statistic: float | None
    df: float
    pvalue: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "statistic": self.statistic, "df": self.df,
                "pvalue": self.pvalue}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KruskalWallis:
        return cls(statistic=data["statistic"], df=data["df"], pvalue=data["pvalue"])


@dataclass(frozen=True)
class OmnibusTests:
    """Whether any arm differs from the others, for three or more arms.

    Args:
        arms: the arms tested, in order (those with at least two values).
        welch_anova: Welch's ANOVA of the means.
        kruskal_wallis: the rank-based view.
    """

    arms: tuple[str, ...]
    welch_anova: WelchAnova
    kruskal_wallis: KruskalWallis

    def to_dict(self) -> dict[str, Any]:
        return {"arms": list(self.arms), "welch_anova": self.welch_anova.to_dict(),
                "kruskal_wallis": self.kruskal_wallis.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OmnibusTests:
        return cls(arms=tuple(data["arms"]),
                   welch_anova=WelchAnova.from_dict(data["welch_anova"]),
                   kruskal_wallis=KruskalWallis.from_dict(data["kruskal_wallis"]))


@dataclass(frozen=True)
class TrendTest:
    """A trend of the mean along an ordered dose series (control first).

    Args:
        test: the trend test, ``linear_contrast``.
        arms: the arms in dose order.
        coefficients: the contrast's coefficient of each arm.
        alternative: ``greater`` (rising), ``less`` (falling) or ``two-sided``.
        estimate: the contrast, ``sum c_i mean_i``.
        slope: the least-squares change of the mean per step.
        statistic, df, pvalue: the test (None where every arm is constant).
        intercept: the fitted mean at the first arm (step 0), so that arm i's
            fitted mean is ``intercept + slope * i``.
    """

    test: str
    arms: tuple[str, ...]
    coefficients: tuple[float, ...]
    alternative: str
    estimate: float
    slope: float
    statistic: float | None
    df: float | None
    pvalue: float | None
    intercept: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "arms": list(self.arms),
            "coefficients": list(self.coefficients),
            "alternative": self.alternative,
            "estimate": self.estimate,
            "slope": self.slope,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrendTest:
        kwargs = field_kwargs(cls, data)
        kwargs["arms"] = tuple(data["arms"])
        kwargs["coefficients"] = tuple(data["coefficients"])
        return cls(**kwargs)


def field_kwargs(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``data`` that are fields of the dataclass ``cls`` (others are ignored)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}
