"""Issue 12, section 6: one verdict on a dose series, each step, and one verdict per hypothesis."""

from __future__ import annotations

import json

import numpy as np
import pytest
from verdict_cases import ALPHA, KINDS, draw_many, lower_limit

from hypolab.records import Analysis
from hypolab.stats import analyze
from hypolab.stats.trend import jonckheere, page

RISING = {"16 units": [0.900, 0.905, 0.898, 0.903, 0.901, 0.899],
          "32 units": [0.910, 0.908, 0.915, 0.906, 0.912, 0.909],
          "64 units": [0.918, 0.921, 0.915, 0.924, 0.919, 0.917]}


def series(values, **settings):
    base = {"control": "16 units", "direction": "greater", "margin": 0.005, "ordered": True,
            "metric": "test_accuracy", "n_resamples": 199}
    base.update(settings)
    return analyze(values, **base)


def test_a_rising_series_is_supported_and_the_verdict_is_at_the_top_level():
    analysis = series(RISING)
    assert analysis.series.verdict.value == "supported"
    assert analysis.verdict.value == "supported"
    assert analysis.verdict_reason.startswith("the dose series as a whole: the Jonckheere-Terpstra")
    assert analysis.series.sentence.startswith(
        "Along 16 units → 32 units → 64 units, test accuracy rises with the dose (Jonckheere-Terpstra J = 107.5, z = 4.33, one-sided p < .001")
    assert [s.conclusion.value for s in analysis.series.steps] == ["significant", "significant"]
    data = json.loads(json.dumps(analysis.to_dict(), allow_nan=False))
    assert data["verdict"] == "supported" and data["series"]["test"]["test"] == "jonckheere_terpstra"
    assert Analysis.from_dict(data) == analysis


def test_a_falling_series_contradicts_a_rising_claim():
    falling = dict(zip(RISING, reversed(list(RISING.values()))))
    analysis = series(falling)
    assert analysis.series.verdict.value == "contradicted"
    assert "against the claim" in analysis.series.reason
    assert "falls with the dose, the opposite of the prediction" in analysis.series.sentence


def test_a_significant_reversal_between_neighbours_makes_the_trend_inconclusive():
    values = {"a": [0.90, 0.901, 0.899, 0.902, 0.900, 0.898],
              "b": [0.95, 0.951, 0.949, 0.952, 0.950, 0.948],
              "c": [0.93, 0.931, 0.929, 0.932, 0.930, 0.928],
              "d": [0.97, 0.971, 0.969, 0.972, 0.970, 0.968]}
    analysis = series(values, control="a")
    assert analysis.series.test.pvalue < ALPHA  # rises overall
    assert analysis.series.verdict.value == "inconclusive"
    assert "falls significantly from b to c" in analysis.series.reason
    assert analysis.series.steps[1].conclusion.value == "significant, opposite"


def test_a_flat_series_is_inconclusive():
    rng = np.random.default_rng(2)
    flat = {name: rng.normal(0.9, 0.01, 6).tolist() for name in RISING}
    analysis = series(flat)
    assert analysis.series.verdict.value == "inconclusive"
    assert analysis.series.reason.startswith("no trend in the predicted direction is shown")


def test_the_middle_arm_counts():
    # Control low, the middle and top doses alike: the linear contrast's middle weight is 0,
    # Jonckheere-Terpstra counts the middle arm's pairs with both neighbours.
    values = {"a": [0.90, 0.91, 0.905, 0.895], "b": [0.93, 0.94, 0.935, 0.925],
              "c": [0.93, 0.94, 0.935, 0.925]}
    analysis = series(values, control="a")
    assert analysis.trend.coefficients == (-1.0, 0.0, 1.0)
    with_middle = jonckheere("abc", list(values.values())).statistic
    without_middle = jonckheere("ac", [values["a"], values["c"]]).statistic
    assert with_middle == without_middle + 16 + 8  # a < b on every pair, b and c half ties


def test_two_sided_and_equivalent_series_follow_their_rules():
    two = series(RISING, direction="two-sided")
    assert two.series.verdict.value == "supported" and "rises with the dose" in two.series.sentence
    same = {k: [0.9 + 0.001 * (i % 3) for i in range(6)] for k in RISING}
    eq = series(same, direction="equivalent", margin=0.01)
    assert eq.series.verdict.value == "equivalent"
    assert eq.series.reason == "every dose is shown equivalent to the control (TOST, adjusted)"


def test_a_paired_series_ranks_within_seeds():
    # Seed effects five times the dose effect: Jonckheere-Terpstra across seeds sees no
    # trend; Page's test within seeds and the paired steps do.
    values = {name: [v + 0.05 * s for s, v in enumerate(vals)] for name, vals in RISING.items()}
    analysis = series(values, pairing="seed")
    assert analysis.series.test.test == "page"
    assert {s.test for s in analysis.series.steps} == {"paired_t"}
    assert analysis.series.verdict.value == "supported"
    assert "Page L = " in analysis.series.sentence
    assert jonckheere("abc", list(values.values())).pvalue > 0.2


def _significant_share(run, values) -> float:
    """The share of replicates in which ``run`` (a series test) is significant either way."""
    hits = 0
    for v in values:
        test = run("abcd", list(v))
        hits += (test.pvalue is not None and test.pvalue < ALPHA) or (
            test.pvalue_opposite is not None and test.pvalue_opposite < 0.005)
    return hits / len(values)


@pytest.mark.parametrize("kind", ["normal", "ceiling"])
def test_a_flat_paired_series_stays_within_alpha_plus_one_point(kind):
    values = draw_many(kind, np.random.default_rng(7), 1500, 4, 5, paired=True)
    rate = _significant_share(page, values)
    assert lower_limit(rate, len(values)) <= ALPHA + 0.01, rate


def test_every_hypothesis_has_one_verdict():
    rng = np.random.default_rng(3)
    one = analyze({"c": rng.normal(0.9, 0.01, 5), "t": rng.normal(0.95, 0.01, 5)}, control="c",
                  direction="greater")
    assert one.verdict is one.comparisons[0].verdict and one.series is None
    several = analyze({"c": rng.normal(0.9, 0.01, 5), "t": rng.normal(0.95, 0.01, 5),
                       "u": rng.normal(0.9, 0.01, 5)}, control="c", direction="greater")
    assert several.verdict.value == "supported"
    assert several.verdict_reason.startswith("1 of 2 treatments supported")


@pytest.mark.parametrize("kind", ["normal", "tied", "ceiling"])
@pytest.mark.parametrize("n", [5, 10, 20])
def test_a_flat_series_gets_a_significant_verdict_at_most_alpha_plus_one_point(kind, n):
    values = draw_many(kind, np.random.default_rng(n), 1200, 4, n)
    rate = _significant_share(jonckheere, values)
    assert lower_limit(rate, len(values)) <= ALPHA + 0.01, rate


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [5, 10, 20])
def test_full_2000_flat_series_through_analyze(kind, n):
    values = draw_many(kind, np.random.default_rng(100 + n), 2000, 4, n)
    hits = 0
    for r, v in enumerate(values):
        a = analyze(dict(zip("abcd", v)), control="a", direction="greater", margin=0.01,
                    ordered=True, metric="test_accuracy", rng=r, n_resamples=199)
        hits += a.series.verdict.value in ("supported", "contradicted")
    assert lower_limit(hits / 2000, 2000) <= ALPHA + 0.01, hits / 2000
