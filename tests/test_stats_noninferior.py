"""``direction: noninferior``: one one-sided test against the null shifted by the margin, pinned to R.

Data and numbers: R 4.2,
    c <- c(0.912, 0.905, 0.921, 0.899, 0.917, 0.908, 0.914, 0.902)
    t <- c(0.909, 0.897, 0.915, 0.903, 0.906, 0.899, 0.911, 0.901)
each call in a comment above the numbers it printed (``sprintf("%.15g", ...)``).
"""

from __future__ import annotations

import pytest

from hypolab.errors import AnalysisError
from hypolab.stats import analyze

C = [0.912, 0.905, 0.921, 0.899, 0.917, 0.908, 0.914, 0.902]
T = [0.909, 0.897, 0.915, 0.903, 0.906, 0.899, 0.911, 0.901]


def _one(metric="test_accuracy", margin=0.01, **kwargs):
    return analyze({"c": C, "t": T}, control="c", direction="noninferior", margin=margin, metric=metric,
                   **kwargs).comparisons[0]


def test_higher_is_better_is_t_test_against_minus_the_margin_greater():
    # r <- t.test(t, c, mu = -0.01, alternative = "greater"): statistic 1.54660250272106,
    # parameter 13.496612650788, p.value 0.0725401026168903, conf.int[1] -0.0107623588744479
    c = _one()
    assert c.test == "welch" and c.alternative == "greater"
    assert c.statistic == pytest.approx(1.54660250272106, rel=1e-12)
    assert c.df == pytest.approx(13.496612650788, rel=1e-12)
    assert c.pvalue == pytest.approx(0.0725401026168903, rel=1e-12)
    assert c.decision_interval.low == pytest.approx(-0.0107623588744479, rel=1e-12)
    assert c.decision_interval.low_confidence == 0.95
    assert c.verdict.value == "inconclusive"
    assert c.difference == pytest.approx(sum(T) / 8 - sum(C) / 8)
    # t.test(t, c)$conf.int: -0.0121050717510216 0.00285507175102164 (the interval does not move with mu)
    assert (c.ci_low, c.ci_high) == pytest.approx((-0.0121050717510216, 0.00285507175102164), rel=1e-9)


def test_the_test_against_the_claim_is_the_mirror_at_the_smaller_level():
    # t.test(t, c, mu = -0.01, alternative = "less")$p.value: 0.92745989738311
    c = _one()
    assert c.pvalue_opposite == pytest.approx(0.92745989738311, rel=1e-12)
    assert c.decision_alpha == 0.05 and c.decided_by == "predicted"


def test_lower_is_better_is_t_test_against_plus_the_margin_less():
    # r <- t.test(t, c, mu = 0.01, alternative = "less"): statistic -4.20819750740379,
    # p.value 0.000473057259083471, conf.int[2] 0.00151235887444788
    c = _one(metric="test_loss")
    assert c.alternative == "less"
    assert c.statistic == pytest.approx(-4.20819750740379, rel=1e-12)
    assert c.pvalue == pytest.approx(0.000473057259083471, rel=1e-10)
    assert c.decision_interval.high == pytest.approx(0.00151235887444788, rel=1e-10)
    assert c.verdict.value == "supported"
    assert c.sentence.startswith("t is not worse than c by more than 0.01 test loss: the difference is ")
    assert "at most 0.0015 with 95% confidence" in c.sentence


def test_paired_by_seed():
    # r <- t.test(t, c, mu = -0.01, alternative = "greater", paired = TRUE): statistic 3.12307212575014,
    # parameter 7, p.value 0.00838572416842707, conf.int[1] -0.00788568678286218
    c = _one(pairing="seed")
    assert c.test == "paired_t"
    assert (c.statistic, c.df, c.pvalue) == pytest.approx((3.12307212575014, 7, 0.00838572416842707), rel=1e-10)
    assert c.decision_interval.low == pytest.approx(-0.00788568678286218, rel=1e-10)
    assert c.verdict.value == "supported"
    assert "t is not worse than c by more than 0.01 test accuracy" in c.sentence


def test_student_and_mann_whitney_test_the_shifted_values():
    # t.test(t, c, mu = -0.01, alternative = "greater", var.equal = TRUE): 1.54660250272106, 14, 0.0721304773451769
    c = _one(test="student")
    assert (c.statistic, c.df, c.pvalue) == pytest.approx((1.54660250272106, 14, 0.0721304773451769), rel=1e-12)
    # wilcox.test(t + 0.01, c, alternative = "greater"): W 44.5, p.value 0.103622045493092 (ties: normal approximation)
    c = _one(test="mannwhitney")
    assert (c.statistic, c.pvalue) == pytest.approx((44.5, 0.103622045493092), rel=1e-10)


def test_contradicted_means_worse_than_the_margin_and_is_worded_so():
    worse = [v - 0.03 for v in T]
    c = analyze({"c": C, "t": worse}, control="c", direction="noninferior", margin=0.01,
                metric="test_accuracy").comparisons[0]
    assert c.verdict.value == "contradicted" and c.decided_by == "opposite"
    assert c.decision_alpha == 0.005
    assert c.sentence.startswith("t is worse than c by more than 0.01 test accuracy: the difference is −0.")
    assert "with 99.5% confidence" in c.sentence
    assert "the treatment is worse by more than 0.01" in c.verdict_reason


@pytest.mark.parametrize("metric", ["test_accuracy", "test_loss"])
def test_the_words_never_say_the_same(metric):
    for shift in (-0.03, 0.0, 0.02):
        c = analyze({"c": C, "t": [v + shift for v in T]}, control="c", direction="noninferior", margin=0.01,
                    metric=metric).comparisons[0]
        text = (c.sentence + c.verdict_reason).lower()
        assert "not worse" in text or "worse than c by more than" in text
        assert "same" not in text and "equivalent" not in text
        assert c.tost is None  # equivalence is not the claim


def test_several_treatments_are_corrected_and_dunnett_tests_the_shifted_null():
    values = {"c": C, "t": T, "u": [v + 0.004 for v in T]}
    holm = analyze(values, control="c", direction="noninferior", margin=0.01, metric="test_accuracy")
    none = analyze(values, control="c", direction="noninferior", margin=0.01, metric="test_accuracy",
                   correction="none")
    assert [c.pvalue for c in holm.comparisons] == [c.pvalue for c in none.comparisons]
    assert all(h.pvalue_adjusted >= n.pvalue_adjusted for h, n in zip(holm.comparisons, none.comparisons))
    dunnett = analyze(values, control="c", direction="noninferior", margin=0.01, metric="test_accuracy",
                      correction="dunnett")
    first = dunnett.comparisons[0]
    assert first.pvalue_adjusted > first.pvalue  # many-to-one of t + 0.01 against c
    assert first.decision_interval.low < first.difference < first.decision_interval.high


def test_noninferior_needs_a_margin_and_a_metric_direction():
    with pytest.raises(AnalysisError, match="direction 'noninferior' needs a margin"):
        analyze({"c": C, "t": T}, control="c", direction="noninferior")
    with pytest.raises(AnalysisError, match="direction 'noninferior' needs to know whether higher 'score'"):
        analyze({"c": C, "t": T}, control="c", direction="noninferior", margin=0.01, metric="score")
    c = analyze({"c": C, "t": T}, control="c", direction="noninferior", margin=0.01, metric="score",
                higher_is_better=True).comparisons[0]
    assert c.pvalue == pytest.approx(0.0725401026168903, rel=1e-12)
    with pytest.raises(AnalysisError, match="a dose series \\(ordered\\) has no non-inferiority verdict"):
        analyze({"c": C, "t": T, "u": T[::-1]}, control="c", direction="noninferior", margin=0.01,
                metric="test_accuracy", ordered=True)


def test_hypolab_analyze_takes_direction_noninferior(runner, tmp_path):
    from hypolab.cli import main

    rows = ["arm,seed,test_accuracy"] + [f"c,{i},{v}" for i, v in enumerate(C)] + [f"t,{i},{v}" for i, v in enumerate(T)]
    (tmp_path / "runs.csv").write_text("\n".join(rows) + "\n")
    result = runner.invoke(main, ["analyze", "runs.csv", "--metric", "test_accuracy", "--control", "c",
                                  "--direction", "noninferior", "--margin", "0.01", "--pairing", "seed"])
    assert result.exit_code == 0, result.output
    assert "direction: noninferior" in result.output
    assert "t is not worse than c by more than 0.01 test accuracy: the difference is " in result.output
    result = runner.invoke(main, ["analyze", "runs.csv", "--metric", "test_accuracy", "--control", "c",
                                  "--direction", "noninferior"])
    assert result.exit_code == 1 and "Error: direction 'noninferior' needs a margin" in result.output
