"""The verdict rule of docs/verdict.md, case by case, and its wording."""

from __future__ import annotations

import pytest

from hypolab.records import DecisionInterval, Direction, Verdict
from hypolab.stats.verdict import Evidence, decide, decision_of, hypothesis_verdict
from hypolab.stats.wording import apa, decimals_for, format_p, sentence

GREATER = Direction.GREATER


def evidence(**kwargs) -> Evidence:
    base = {"direction": GREATER, "alpha": 0.05, "margin": 0.01, "pvalue": 0.5,
            "pvalue_opposite": 0.5, "tost_pvalue": 0.5, "nonequivalence_pvalue": 0.9,
            "power": 0.9, "seeds_needed": 6, "seeds": (10, 10)}
    base.update(kwargs)
    return Evidence(**base)


CASES = [
    ("significant-as-predicted", evidence(pvalue=0.01), Verdict.SUPPORTED,
     "significant in the predicted direction"),
    ("significant-opposite", evidence(pvalue=0.99, pvalue_opposite=0.001),
     Verdict.CONTRADICTED, "opposite direction (adjusted p = .001, below 0.005"),
    # The opposite direction spends min(alpha / 10, 0.005), not alpha (docs/verdict.md).
    ("opposite-below-alpha-is-not-enough", evidence(pvalue=0.99, pvalue_opposite=0.01),
     Verdict.INCONCLUSIVE, "not significant (adjusted p = .990)"),
    ("opposite-level-follows-alpha", evidence(alpha=0.01, pvalue=0.99, pvalue_opposite=0.0015),
     Verdict.INCONCLUSIVE, "not significant"),
    ("at-alpha-is-not-significant", evidence(pvalue=0.05), Verdict.INCONCLUSIVE,
     "not significant"),
    # The panel is shown and flagged but never overrides the primary test.
    ("tests-disagree", evidence(pvalue=0.01, disagreement="Welch is significant but ..."),
     Verdict.SUPPORTED, "; the robustness panel disagrees: Welch is significant but"),
    ("opposite-but-tests-disagree",
     evidence(pvalue=0.99, pvalue_opposite=0.001, disagreement="x"),
     Verdict.CONTRADICTED, "the robustness panel disagrees: x"),
    ("too-many-failures", evidence(pvalue=0.001, problem="too many failed runs: 3 of 10"),
     Verdict.INCONCLUSIVE, "too many failed runs"),
    ("equivalent-by-tost", evidence(tost_pvalue=0.01), Verdict.EQUIVALENT,
     "within ±0.01"),
    ("underpowered", evidence(power=0.31, seeds_needed=23), Verdict.INCONCLUSIVE,
     ("underpowered at the margin: 31% power to detect 0.01 with 10 seeds per arm; "
     "about 23 seeds per arm would give 80%")),
    ("powered-but-not-shown", evidence(power=0.95), Verdict.INCONCLUSIVE,
     "despite 95% power at the margin, and equivalence within ±0.01 is not shown"),
    ("no-margin", evidence(margin=None, tost_pvalue=None, power=None, seeds_needed=None),
     Verdict.INCONCLUSIVE, "no margin is set"),
    ("undefined-test", evidence(pvalue=None, pvalue_opposite=None), Verdict.INCONCLUSIVE,
     "undefined"),
    ("two-sided-significant", evidence(direction=Direction.TWO_SIDED, pvalue=0.001,
                                       pvalue_opposite=None), Verdict.SUPPORTED,
     "significant"),
    ("equivalence-shown", evidence(direction=Direction.EQUIVALENT, tost_pvalue=0.02),
     Verdict.EQUIVALENT, "TOST shows"),
    ("equivalence-beyond-margin",
     evidence(direction=Direction.EQUIVALENT, tost_pvalue=0.9, nonequivalence_pvalue=0.01),
     Verdict.CONTRADICTED, "significantly beyond ±0.01"),
    ("equivalence-underpowered",
     evidence(direction=Direction.EQUIVALENT, tost_pvalue=0.2, power=0.4),
     Verdict.INCONCLUSIVE, "equivalence within ±0.01 is not shown"),
]


@pytest.mark.parametrize(("given", "verdict", "reason"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_rule_gives_the_documented_verdict(given, verdict, reason):
    got, why = decide(given)
    assert got is verdict
    assert reason in why


@pytest.mark.parametrize(("p", "text"), [(0.0004, "< .001"), (0.001, ".001"),
                                         (0.0342, ".034"), (0.9996, "1"), (None, "n/a")])
def test_p_values_are_written_apa_style(p, text):
    assert format_p(p) == text


@pytest.mark.parametrize(("spread", "value", "decimals"),
                         [(0.03, 0.21, 3), (0.003, 0.005, 4), (2.5, 10.0, 1), (None, 0.5, 3)])
def test_decimals_keep_two_significant_digits_of_the_interval(spread, value, decimals):
    assert decimals_for(spread, value) == decimals


def test_apa_string_matches_the_issue_example():
    text = apa("welch", 9.4123, 13.14, 0.0000002, hedges_g=4.1234, seeds=(10, 10))
    assert text == "Welch t(13.1) = 9.41, p < .001, g = 4.1, 10 seeds per arm"


def test_apa_string_names_the_adjustment_and_unequal_seeds():
    text = apa("mannwhitney", 85.0, None, 0.0123, pvalue_adjusted=0.0246,
               correction="holm", seeds=(9, 10))
    assert text == "Mann-Whitney U = 85, p = .012, holm-adjusted p = .025, 9 and 10 seeds"


def interval(low, high, low_confidence=0.95, high_confidence=0.995, test="welch"):
    return DecisionInterval(low=low, high=high, low_confidence=low_confidence,
                            high_confidence=high_confidence,
                            confidence=low_confidence + high_confidence - 1, test=test)


def test_supported_sentence_gives_the_bound_the_verdict_rests_on():
    text = sentence(verdict=Verdict.SUPPORTED, reason="", direction=GREATER,
                    treatment="batch 4", control="batch 128", metric="accuracy",
                    difference=0.2104, interval=interval(0.1801, 0.2512),
                    stats_text="Welch t(13.1) = 9.41, p < .001, g = 4.1, 10 seeds per arm")
    assert text == ("batch 4 is higher than batch 128 by 0.210 accuracy (by at least 0.180 "
                    "with 95% confidence; Welch t(13.1) = 9.41, p < .001, g = 4.1, 10 seeds "
                    "per arm).")


def test_contradicted_sentence_gives_the_bound_against_the_prediction_as_a_magnitude():
    text = sentence(verdict=Verdict.CONTRADICTED, reason="", direction=GREATER,
                    treatment="t", control="c", metric="test_accuracy", difference=-0.05,
                    interval=interval(-0.07, -0.02), stats_text="s")
    assert text == ("t is lower than c by 0.050 test accuracy (by at least 0.020 with 99.5% "
                    "confidence; s), the opposite of the prediction.")


def test_inconclusive_sentence_shows_both_bounds_with_their_joint_level():
    text = sentence(verdict=Verdict.INCONCLUSIVE, reason="not significant", direction=GREATER,
                    treatment="t", control="c", metric="loss", difference=0.004,
                    interval=interval(-0.002, 0.013), stats_text="s")
    assert "(94.5% CI −0.0020 to 0.0130; s); inconclusive: not significant." in text


def test_a_difference_below_the_data_resolution_reads_zero():
    # Found by the audit: a 5e-12 difference printed as 0.0000000000.
    text = sentence(verdict=Verdict.INCONCLUSIVE, reason="r", direction=GREATER,
                    treatment="t", control="c", metric="accuracy", difference=5e-12,
                    interval=interval(5e-12, 5e-12), stats_text="s", resolution=1e-9)
    assert "the difference is 0.000 accuracy" in text
    assert decimals_for(1e-12, 5e-12, resolution=1e-9) == 9


def test_the_decision_p_value_is_the_one_of_the_verdicts_test():
    e = evidence(pvalue=0.99, pvalue_opposite=0.001)
    assert decision_of(e, decide(e)[0]) == (0.001, 0.005, "opposite")
    e = evidence(pvalue=0.01)
    assert decision_of(e, decide(e)[0]) == (0.01, 0.05, "predicted")
    e = evidence(direction=Direction.EQUIVALENT, tost_pvalue=0.02)
    assert decision_of(e, decide(e)[0]) == (0.02, 0.05, "tost")
    e = evidence(problem="too few values")
    assert decision_of(e, decide(e)[0]) == (None, None, "")


HYPOTHESIS_CASES = [
    ("one", [("a", Verdict.CONTRADICTED)], Verdict.CONTRADICTED, "the one comparison (a)"),
    ("any-supported", [("a", Verdict.SUPPORTED), ("b", Verdict.INCONCLUSIVE)], Verdict.SUPPORTED,
     "1 of 2 treatments supported (supported: a; inconclusive: b)"),
    ("any-contradicted", [("a", Verdict.CONTRADICTED), ("b", Verdict.EQUIVALENT)],
     Verdict.CONTRADICTED, "1 of 2 treatments contradicted"),
    ("both-ways", [("a", Verdict.SUPPORTED), ("b", Verdict.CONTRADICTED)],
     Verdict.INCONCLUSIVE, "the treatments disagree"),
    ("all-equivalent", [("a", Verdict.EQUIVALENT), ("b", Verdict.EQUIVALENT)],
     Verdict.EQUIVALENT, "all 2 treatments equivalent"),
    ("some-equivalent", [("a", Verdict.EQUIVALENT), ("b", Verdict.INCONCLUSIVE)],
     Verdict.INCONCLUSIVE, "no treatment is supported or contradicted"),
]


@pytest.mark.parametrize(("verdicts", "verdict", "reason"), [c[1:] for c in HYPOTHESIS_CASES],
                         ids=[c[0] for c in HYPOTHESIS_CASES])
def test_a_hypothesis_gets_one_verdict_by_the_documented_rule(verdicts, verdict, reason):
    got, why = hypothesis_verdict(verdicts)
    assert got is verdict and reason in why


def test_a_dose_series_verdict_is_the_hypothesis_verdict():
    got, why = hypothesis_verdict([("a", Verdict.SUPPORTED)], (Verdict.INCONCLUSIVE, "no trend"))
    assert got is Verdict.INCONCLUSIVE and why == "the dose series as a whole: no trend"


@pytest.mark.parametrize("direction", list(Direction), ids=[d.value for d in Direction])
def test_non_significant_results_are_never_worded_as_no_effect(direction):
    text = sentence(verdict=Verdict.INCONCLUSIVE, reason="not significant",
                    direction=direction, treatment="t", control="c", metric="loss",
                    difference=0.0001, interval=interval(-0.01, 0.01, 0.975, 0.975),
                    stats_text="s")
    assert "no effect" not in text.lower()
    assert "no difference" not in text.lower()
    assert text.startswith("The data do not show that t is ")
    assert "(95% CI −0.010 to 0.010; s); inconclusive: not significant." in text
