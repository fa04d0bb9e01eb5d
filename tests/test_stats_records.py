"""The analysis records: typed nested results, and the JSON they give, unchanged.

``tests/test_stats_records.json`` holds ``Analysis.to_dict()`` of each case
below: the JSON of ``results.json`` and ``hypolab analyze --json`` must stay
exactly that (same keys in the same order, same nesting, same values). It was
written when the nested results became records and rewritten for issue 12,
whose rule changed values it names (the contradicted level, the panel no
longer vetoing, Welch's power, Hedges' g's interval, paired effect sizes,
TOST as the p-value of equivalence claims, the Welch-type many-to-one test,
the permutation TOST of constant arms) and added keys after the old ones;
``BEFORE_ISSUE_12`` keeps the keys written before, which stay first, in order.
Issue 14 appended ``sequential`` (null for a fixed design) after ``series``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hypolab.records import (
    Analysis,
    Conclusion,
    EquivalenceTest,
    KruskalWallis,
    OmnibusTests,
    RobustnessCheck,
    TestName,
    TrendTest,
    WelchAnova,
)
from hypolab.stats import analyze

GOLDEN = Path(__file__).with_suffix(".json")

CONTROL = [0.9655, 0.9671, 0.9640, 0.9689, 0.9662, 0.9648, 0.9677, 0.9659, 0.9683, 0.9666]
BETTER = [0.9712, 0.9688, 0.9745, 0.9701, 0.9733, 0.9694, 0.9720, 0.9751, 0.9679, 0.9726]
SAME = [0.9661, 0.9668, 0.9652, 0.9680, 0.9671, 0.9650, 0.9690, 0.9645, 0.9675, 0.9663]
WORSE = [v - 0.006 for v in CONTROL]
FAMILY = {"batch 128": CONTROL, "batch 4": BETTER, "batch 32": SAME, "batch 512": WORSE}


def _family(**settings) -> Analysis:
    return analyze(FAMILY, control="batch 128", metric="test_accuracy", **settings)


CASES = {
    # Every nested part present: TOST, the panel, the omnibus and the trend.
    "ordered-family": lambda: _family(direction="greater", margin=0.002, ordered=True),
    "two-sided-fdr-ordered": lambda: _family(direction="two-sided", margin=0.004,
                                             correction="fdr_bh", ordered=True),
    "dunnett": lambda: _family(direction="less", margin=0.002, correction="dunnett"),
    "paired": lambda: analyze(
        {"c": [0.90, 0.91, 0.92, 0.93, 0.915], "t": [0.937, 0.915, 0.922, 0.906, 0.95]},
        control="c", direction="greater", margin=0.01, pairing="seed",
        seeds={"c": [0, 1, 2, 3, 4], "t": [3, 1, 2, 0, 4]}, metric="test_accuracy"),
    "wilcoxon": lambda: analyze({"c": CONTROL, "t": BETTER}, control="c", pairing="seed",
                                test="wilcoxon", direction="greater", margin=0.002),
    "equivalent": lambda: analyze({"c": CONTROL, "t": SAME}, control="c",
                                  direction="equivalent", margin=0.003),
    "too-few-and-failed": lambda: analyze(
        {"c": CONTROL, "t": [0.97], "u": BETTER[:7]}, control="c", direction="greater",
        n_failed={"t": 9, "u": 3}, margin=0.002),
    "failed-as-worst": lambda: analyze(
        {"c": CONTROL, "t": BETTER[:7]}, control="c", direction="greater", n_failed={"t": 3},
        failed_as_worst=True, metric="test_accuracy"),
    "constant-welch": lambda: analyze({"c": [0.9] * 5, "t": [0.95] * 5}, control="c",
                                      test="welch", direction="greater", margin=0.01),
    "tests-disagree": lambda: analyze(
        {"c": [0.9080, 0.9010, 0.9100, 0.9050], "t": [0.9150, 0.9125, 0.9225, 0.9075]},
        control="c", direction="greater"),
}


def _close(new, old, path="$"):
    """``new`` equals ``old``: same keys in the same order, floats to 1e-12 relative."""
    assert type(new) is type(old) or {type(new), type(old)} <= {int, float}, (path, new, old)
    if isinstance(old, dict):
        assert list(new) == list(old), path
        for key in old:
            _close(new[key], old[key], f"{path}.{key}")
    elif isinstance(old, list):
        assert len(new) == len(old), path
        for i, (a, b) in enumerate(zip(new, old)):
            _close(a, b, f"{path}[{i}]")
    elif isinstance(old, float):
        assert new == pytest.approx(old, rel=1e-12, abs=1e-300), path
    else:
        assert new == old, path


@pytest.mark.parametrize("name", list(CASES))
def test_to_dict_is_the_json_hypolab_has_always_written(name):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))[name]
    _close(json.loads(json.dumps(CASES[name]().to_dict(), allow_nan=False)), golden)


#: The keys each record wrote before issue 12, in order; they stay, first, in that order.
BEFORE_ISSUE_12 = {
    "analysis": ["metric", "direction", "alpha", "margin", "arms", "comparisons", "omnibus",
                 "trend", "test", "pairing", "correction", "control", "notes"],
    "arm": ["name", "n", "n_failed", "mean", "std", "median", "ci_low", "ci_high",
            "failed_as_worst"],
    "comparison": ["control", "treatment", "test", "test_reason", "statistic", "df", "pvalue",
                   "pvalue_adjusted", "difference", "ci_low", "ci_high", "hedges_g",
                   "cliffs_delta", "prob_superiority", "power_at_margin", "seeds_needed",
                   "verdict", "sentence", "verdict_reason", "apa", "seeds_per_arm",
                   "relative_change", "bootstrap_ci", "hedges_g_ci", "prob_superiority_ci",
                   "alternative", "correction", "tost", "robustness", "n_pairs"],
    "tost": ["test", "margin", "pvalue", "lower", "upper", "ci_level", "ci_low", "ci_high",
             "nonequivalence_pvalue", "pvalue_adjusted", "nonequivalence_pvalue_adjusted"],
    "robustness": ["test", "statistic", "df", "pvalue", "pvalue_adjusted", "pvalue_opposite",
                   "pvalue_opposite_adjusted", "method", "conclusion", "agrees",
                   "can_reach_alpha"],
    "trend": ["test", "arms", "coefficients", "alternative", "estimate", "slope", "statistic",
              "df", "pvalue"],
}


def test_every_key_written_before_issue_12_is_still_written_first_in_order():
    data = CASES["ordered-family"]().to_dict()
    comparison = data["comparisons"][0]
    for kind, keys in (("analysis", data), ("arm", data["arms"][0]),
                       ("comparison", comparison), ("tost", comparison["tost"]),
                       ("robustness", comparison["robustness"][0]), ("trend", data["trend"])):
        assert list(keys)[:len(BEFORE_ISSUE_12[kind])] == BEFORE_ISSUE_12[kind], kind


@pytest.mark.parametrize("name", list(CASES))
def test_to_dict_from_dict_to_dict_is_identical(name):
    analysis = CASES[name]()
    data = json.loads(json.dumps(analysis.to_dict(), allow_nan=False))
    again = Analysis.from_dict(data)
    assert again == analysis
    assert json.dumps(again.to_dict()) == json.dumps(analysis.to_dict())


def test_nested_results_are_typed_records():
    analysis = CASES["ordered-family"]()
    assert isinstance(analysis.omnibus, OmnibusTests)
    assert isinstance(analysis.omnibus.welch_anova, WelchAnova)
    assert isinstance(analysis.omnibus.kruskal_wallis, KruskalWallis)
    assert analysis.omnibus.arms == ("batch 128", "batch 4", "batch 32", "batch 512")
    assert isinstance(analysis.trend, TrendTest)
    assert analysis.trend.coefficients == (-1.5, -0.5, 0.5, 1.5)
    for comparison in analysis.comparisons:
        assert isinstance(comparison.tost, EquivalenceTest)
        assert comparison.tost.pvalue_adjusted is not None
        assert [check.test for check in comparison.robustness] == [
            TestName.STUDENT, TestName.MANNWHITNEY, TestName.PERMUTATION]
        assert all(isinstance(check, RobustnessCheck) for check in comparison.robustness)
        assert all(isinstance(check.conclusion, Conclusion) for check in comparison.robustness)
    restored = Analysis.from_dict(analysis.to_dict())
    assert isinstance(restored.comparisons[0].robustness[0].test, TestName)
    assert isinstance(restored.comparisons[0].tost.lower.pvalue, float)


def test_an_analysis_without_nested_parts_round_trips():
    analysis = analyze({"c": CONTROL, "t": BETTER}, control="c")
    assert analysis.omnibus is None and analysis.trend is None
    assert analysis.comparisons[0].tost is None
    data = analysis.to_dict()
    assert data["omnibus"] is None and data["trend"] is None
    assert data["comparisons"][0]["tost"] is None
    assert Analysis.from_dict(data) == analysis
