"""``hypolab.stats.analyze``: the fields of issue 4, failures, pairing, families, errors."""

from __future__ import annotations

import json

import pytest

from hypolab.errors import AnalysisError
from hypolab.records import Analysis
from hypolab.stats import analyze, seeds_needed
from hypolab.stats.ttests import paired_t, welch

CONTROL = [0.9655, 0.9671, 0.9640, 0.9689, 0.9662, 0.9648, 0.9677, 0.9659, 0.9683, 0.9666]
BETTER = [0.9712, 0.9688, 0.9745, 0.9701, 0.9733, 0.9694, 0.9720, 0.9751, 0.9679, 0.9726]
SAME = [0.9661, 0.9668, 0.9652, 0.9680, 0.9671, 0.9650, 0.9690, 0.9645, 0.9675, 0.9663]
WORSE = [v - 0.006 for v in CONTROL]

ARM_KEYS = {"name", "n", "n_failed", "mean", "std", "median", "ci_low", "ci_high"}
COMPARISON_KEYS = {"control", "treatment", "test", "test_reason", "statistic", "df", "pvalue",
                   "pvalue_adjusted", "difference", "ci_low", "ci_high", "hedges_g",
                   "cliffs_delta", "prob_superiority", "power_at_margin", "seeds_needed",
                   "verdict", "sentence"}


def family(**kwargs) -> Analysis:
    values = {"batch 128": CONTROL, "batch 4": BETTER, "batch 32": SAME, "batch 512": WORSE}
    settings = {"control": "batch 128", "direction": "greater", "margin": 0.002,
                "metric": "test_accuracy"}
    settings.update(kwargs)
    return analyze(values, **settings)


def test_to_dict_has_every_fixed_field_of_issue_4():
    data = family(ordered=True).to_dict()
    assert {"metric", "direction", "alpha", "margin", "arms", "comparisons", "omnibus",
            "trend"} <= set(data)
    assert all(ARM_KEYS <= set(arm) for arm in data["arms"])
    assert all(COMPARISON_KEYS <= set(c) for c in data["comparisons"])
    json.dumps(data, allow_nan=False)  # plain JSON: no NaN, no numpy types


def test_from_dict_round_trips():
    analysis = family(ordered=True)
    assert Analysis.from_dict(json.loads(json.dumps(analysis.to_dict()))) == analysis


def test_each_treatment_gets_the_verdict_its_data_support():
    verdicts = {c.treatment: c.verdict.value for c in family().comparisons}
    assert verdicts == {"batch 4": "supported", "batch 32": "equivalent",
                        "batch 512": "contradicted"}
    wider = {c.treatment: c.verdict.value for c in family(margin=0.0005).comparisons}
    assert wider["batch 32"] == "inconclusive"


def test_comparison_is_oriented_treatment_minus_control():
    comparison = family().comparisons[0]
    reference = welch(BETTER, CONTROL, alternative="greater")
    assert comparison.treatment == "batch 4"
    assert comparison.statistic == pytest.approx(reference.statistic, rel=1e-12)
    assert comparison.pvalue == pytest.approx(reference.pvalue, rel=1e-12)
    assert comparison.difference == pytest.approx(sum(BETTER) / 10 - sum(CONTROL) / 10)
    assert comparison.cliffs_delta > 0.5
    assert comparison.prob_superiority == pytest.approx((1 + comparison.cliffs_delta) / 2)


def test_holm_adjusts_the_primary_p_values():
    comparisons = family().comparisons
    raw = [c.pvalue for c in comparisons]
    smallest = min(range(3), key=lambda i: raw[i])
    assert comparisons[smallest].pvalue_adjusted == pytest.approx(3 * raw[smallest])


def test_ci_is_two_sided_at_one_minus_alpha_whatever_the_direction():
    comparison = family(alpha=0.1).comparisons[0]
    reference = welch(BETTER, CONTROL, alpha=0.1)
    assert (comparison.ci_low, comparison.ci_high) == pytest.approx(
        (reference.ci_low, reference.ci_high), rel=1e-12)


def test_power_is_prospective_at_the_margin_not_at_the_observed_effect():
    a = family(margin=0.002).comparisons[0]
    b = family(margin=0.004).comparisons[0]
    assert a.power_at_margin < b.power_at_margin
    assert a.seeds_needed > b.seeds_needed


def test_seeds_needed_is_exposed_at_the_package_level():
    assert seeds_needed(1.0, 1.0) == 17  # ceiling(power.t.test(delta = 1, power = .8)$n)


def test_auto_picks_welch_and_says_why():
    comparison = family().comparisons[0]
    assert comparison.test == "welch"
    assert "Welch" in comparison.test_reason and "auto" in comparison.test_reason


def test_auto_never_lets_the_data_pick_the_direction():
    # Same data, opposite prediction: the test is one-sided the way the claim says.
    greater = family(direction="greater").comparisons[2]
    less = family(direction="less").comparisons[2]
    assert greater.alternative == "greater" and less.alternative == "less"
    assert greater.verdict.value == "contradicted"
    assert less.verdict.value == "supported"
    assert greater.pvalue == pytest.approx(1 - less.pvalue)


def test_pairing_by_seed_matches_values_by_seed_not_position():
    values = {"c": [0.90, 0.91, 0.92, 0.93], "t": [0.937, 0.915, 0.922, 0.906]}
    seeds = {"c": [0, 1, 2, 3], "t": [3, 1, 2, 0]}
    comparison = analyze(values, control="c", pairing="seed", seeds=seeds).comparisons[0]
    expected = paired_t([0.906, 0.915, 0.922, 0.937], [0.90, 0.91, 0.92, 0.93])
    assert comparison.test == "paired_t"
    assert comparison.statistic == pytest.approx(expected.statistic)
    assert comparison.n_pairs == 4


def test_pairing_drops_seeds_missing_from_either_arm():
    values = {"c": [0.90, 0.91, 0.92], "t": [0.95, 0.96, 0.97]}
    seeds = {"c": [0, 1, 2], "t": [1, 2, 3]}
    comparison = analyze(values, control="c", pairing="seed", seeds=seeds).comparisons[0]
    assert comparison.n_pairs == 2


def test_failed_runs_are_counted_and_reported():
    values = {"c": CONTROL, "t": BETTER[:8]}
    analysis = analyze(values, control="c", direction="greater", n_failed={"t": 2})
    assert [a.n_failed for a in analysis.arms] == [0, 2]
    comparison = analysis.comparisons[0]
    assert comparison.verdict.value == "supported"  # 2 of 10 = 20% is not "too many"
    assert "2 of 10 runs of t failed or diverged and were dropped." in comparison.sentence


def test_too_many_failed_runs_make_the_verdict_inconclusive():
    values = {"c": CONTROL, "t": BETTER[:7]}
    comparison = analyze(values, control="c", direction="greater",
                         n_failed={"t": 3}).comparisons[0]
    assert comparison.verdict.value == "inconclusive"
    assert "too many failed runs: 3 of 10 runs of t failed" in comparison.verdict_reason


def test_failed_as_worst_counts_failures_as_the_worst_value_seen():
    values = {"c": CONTROL, "t": BETTER[:7]}
    analysis = analyze(values, control="c", direction="greater", n_failed={"t": 3},
                       failed_as_worst=True, metric="test_accuracy")
    treatment = analysis.arms[1]
    assert treatment.n == 10 and treatment.failed_as_worst
    assert treatment.mean == pytest.approx((sum(BETTER[:7]) + 3 * min(CONTROL)) / 10)
    assert "counted as the worst value" in analysis.comparisons[0].sentence


def test_failed_as_worst_uses_the_metrics_direction_for_losses():
    values = {"c": [0.30, 0.32, 0.31], "t": [0.25, 0.26]}
    analysis = analyze(values, control="c", n_failed={"t": 1}, failed_as_worst=True,
                       metric="val_loss")
    assert analysis.arms[1].mean == pytest.approx((0.25 + 0.26 + 0.32) / 3)


def test_an_arm_with_one_value_is_inconclusive_not_an_error():
    analysis = analyze({"c": CONTROL, "t": [0.97]}, control="c", n_failed={"t": 9})
    comparison = analysis.comparisons[0]
    assert comparison.verdict.value == "inconclusive"
    assert comparison.pvalue is None
    assert "too few values to compare: t has 1 (9 failed)" in comparison.sentence


def test_constant_arms_switch_auto_to_the_permutation_test():
    comparison = analyze({"c": [0.9] * 5, "t": [0.95] * 5}, control="c",
                         direction="greater").comparisons[0]
    assert comparison.test == "permutation"
    assert comparison.pvalue == pytest.approx(1 / 252)
    assert comparison.verdict.value == "supported"


def test_welch_on_constant_arms_is_inconclusive_with_the_reason():
    comparison = analyze({"c": [0.9] * 5, "t": [0.95] * 5}, control="c", test="welch",
                         direction="greater").comparisons[0]
    assert comparison.verdict.value == "inconclusive"
    assert "both arms are constant" in comparison.verdict_reason


def test_robustness_panel_lists_the_other_tests_and_flags_disagreement():
    values = {"c": [0.9080, 0.9010, 0.9100, 0.9050],
              "t": [0.9150, 0.9125, 0.9225, 0.9075]}
    comparison = analyze(values, control="c", direction="greater").comparisons[0]
    assert [r.test.value for r in comparison.robustness] == ["student", "mannwhitney",
                                                            "permutation"]
    assert [r.agrees for r in comparison.robustness] == [True, False, True]
    assert comparison.pvalue < 0.05
    # The panel is flagged but does not override the primary test (docs/verdict.md).
    assert comparison.verdict.value == "supported"
    assert comparison.disagreement.startswith("Welch is significant (adjusted p = .0")
    assert "but Mann-Whitney (adjusted p = .057) is not" in comparison.disagreement
    assert comparison.verdict_reason.endswith(
        f"; the robustness panel disagrees: {comparison.disagreement}")


def test_equivalence_claim_uses_tost():
    comparison = analyze({"c": CONTROL, "t": SAME}, control="c", direction="equivalent",
                         margin=0.003).comparisons[0]
    assert comparison.verdict.value == "equivalent"
    assert comparison.tost.pvalue < 0.05
    assert comparison.sentence.startswith("t is equivalent to c within ±0.003")


def test_dunnett_replaces_the_adjusted_p_values():
    holm = family(correction="holm").comparisons
    dunnett = family(correction="dunnett").comparisons
    assert [c.pvalue for c in holm] == [c.pvalue for c in dunnett]
    assert [c.pvalue_adjusted for c in holm] != [c.pvalue_adjusted for c in dunnett]
    assert dunnett[0].verdict.value == "supported"


def test_three_arms_get_an_omnibus_and_ordered_arms_a_trend():
    analysis = family(ordered=True)
    assert analysis.omnibus.welch_anova.pvalue < 0.05
    assert analysis.omnibus.kruskal_wallis.pvalue < 0.05
    assert analysis.trend.test == "linear_contrast"
    assert analysis.trend.arms == ("batch 128", "batch 4", "batch 32", "batch 512")
    assert family().trend is None
    assert analyze({"c": CONTROL, "t": BETTER}, control="c").omnibus is None


def test_resampling_is_seeded():
    first = family(rng=3).comparisons[0].bootstrap_ci
    assert first == family(rng=3).comparisons[0].bootstrap_ci
    assert first != family(rng=4).comparisons[0].bootstrap_ci


ERRORS = [
    ({"control": "batch 1"}, "control arm 'batch 1' is not among the arms"),
    ({"direction": "up"}, ("direction must be one of 'greater', 'less', 'two-sided', "
                          "'equivalent', 'noninferior'. Got 'up'.")),
    ({"alpha": 5}, "alpha must be a number in (0, 1). Got 5."),
    ({"margin": -0.1}, "margin must be a positive number. Got -0.1."),
    ({"margin": "small"}, "margin must be a positive number. Got 'small'."),
    ({"alpha": "0.05"}, "alpha must be a number in (0, 1). Got '0.05'."),
    ({"direction": "equivalent", "margin": None}, "direction 'equivalent' needs a margin"),
    ({"test": "wilcoxon"}, ("test 'wilcoxon' does not fit pairing 'independent'. Expected "
                           "one of: welch, student, mannwhitney, permutation (or auto).")),
    ({"correction": "dunnett", "test": "mannwhitney"},
     "correction 'dunnett' is a many-to-one t-test for independent arms"),
    ({"n_failed": {"batch 9": 1}}, "failed runs given for unknown arms ['batch 9']"),
]


@pytest.mark.parametrize(("settings", "message"), ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_bad_settings_raise_a_clear_error(settings, message):
    with pytest.raises(AnalysisError) as error:
        family(**settings)
    assert message in str(error.value)


def test_non_finite_values_are_refused_with_the_position():
    with pytest.raises(AnalysisError, match=r"arm 't': value 1 is nan; expected a finite"):
        analyze({"c": CONTROL, "t": [0.9, float("nan"), 0.8]}, control="c")


def test_values_that_would_overflow_the_statistics_are_refused():
    # 1e300 squared is inf: before this check the BCa interval died in np.percentile.
    with pytest.raises(AnalysisError, match=r"arm 't': value 2 is 1e\+300; expected a number "
                       r"of magnitude at most 1e\+50 .* Rescale the metric\."):
        analyze({"c": CONTROL, "t": [0.9, 0.8, 1e300]}, control="c")


def test_a_margin_needing_over_10_million_seeds_leaves_seeds_needed_empty():
    # seeds_needed raises past 10**7 seeds; the analysis reports no count rather than failing.
    comparison = family(margin=1e-9).comparisons[0]
    assert comparison.seeds_needed is None and comparison.power_at_margin < 0.1


def test_pairing_needs_seeds_when_arms_differ_in_size():
    with pytest.raises(AnalysisError, match="pairing 'seed' needs the seed of each value"):
        analyze({"c": CONTROL, "t": BETTER[:5]}, control="c", pairing="seed")
