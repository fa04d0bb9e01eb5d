"""Issue 12, section 4: constant arms, float rounding, digits, intervals, bounds; section 5: the JSON.

The audit's grid: arms constant at k/360 on every seed (k = 300..360), which
float arithmetic turns into variances of about 1e-32; before issue 12 they
gave TOST p about 1e-108, Hedges' g 1.03e14, NaN power, "despite nan%
power" and a traceback from ``hypolab analyze --json``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from verdict_cases import lower_limit, upper_limit

from hypolab.cli.analyze_command import analyze as analyze_command
from hypolab.stats import analyze
from hypolab.stats.effsize import hedges_g, prob_superiority_ci
from hypolab.stats.ttests import welch
from hypolab.stats.values import tie_keys, tolerance

GRID = [k / 360 for k in range(300, 361)]


def _finite_everywhere(value, path="$"):
    if isinstance(value, float):
        assert math.isfinite(value), path
    elif isinstance(value, dict):
        for key, item in value.items():
            _finite_everywhere(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _finite_everywhere(item, f"{path}[{i}]")
    elif isinstance(value, str):
        assert "nan" not in value.lower().split() and "nan%" not in value.lower(), path


def _noisy(value: float, n: int) -> list[float]:
    # The same accuracy reached by different float paths: equal up to the last bits.
    return [value * (1 + e) for e in np.linspace(-2e-16, 2e-16, n)]


@pytest.mark.parametrize("direction", ["greater", "two-sided", "equivalent"])
def test_constant_arms_over_the_grid_give_finite_json_and_a_defined_verdict(direction):
    for value in GRID:
        for other in (value, value - 1 / 360):
            analysis = analyze({"c": _noisy(value, 5), "t": _noisy(other, 5)}, control="c",
                               direction=direction, margin=0.01, metric="test_accuracy")
            data = analysis.to_dict()
            json.dumps(data, allow_nan=False)
            _finite_everywhere(data)
            c = analysis.comparisons[0]
            assert c.hedges_g is None and c.power_at_margin is None and c.seeds_needed is None
            assert c.test == "permutation" and c.tost.test == "tost_permutation"
            if other == value:
                # Every seed of both arms gave the same value: shown equivalent, exactly.
                assert c.difference == 0.0 and c.verdict.value == "equivalent", (value, c.sentence)
                assert c.tost.pvalue == pytest.approx(1 / 252)
            else:  # t is 1/360 lower on every seed: exact permutation p = 1/252 (2/252 two-sided)
                expected = {"greater": "contradicted", "two-sided": "supported",
                            "equivalent": "equivalent"}[direction]
                assert c.verdict.value == expected, (value, c.sentence)


def test_a_difference_of_float_rounding_is_no_difference():
    # Found by the audit: a 5e-12 gap printed as 0.0000000000 and could be "significant".
    analysis = analyze({"c": [357 / 360] * 5, "t": [357 / 360 + 5e-12] * 5}, control="c",
                       direction="greater", metric="test_accuracy")
    c = analysis.comparisons[0]
    assert c.difference == 0.0 and c.verdict.value == "inconclusive"
    assert c.pvalue == 1.0
    assert "0.0000000000" not in c.sentence and "the difference is 0.000 test accuracy" in c.sentence
    assert "every seed of each arm gave the same value" in c.verdict_reason


def test_rank_tests_read_float_rounding_as_ties():
    x = np.array([0.1 + 0.2, 0.3, 0.5])
    assert tie_keys(x, tolerance(x)).tolist() == [0.0, 0.0, 1.0]
    assert welch([0.3, 0.1 + 0.2, 0.3], [0.3, 0.3, 0.1 + 0.2]).statistic is None


def test_the_analyze_command_sweeps_the_grid_without_a_traceback(tmp_path):
    runner = CliRunner()
    for value in GRID[::6]:
        rows = [f"c,{i},{value}" for i in range(5)] + [f"t,{i},{value}" for i in range(5)]
        path = tmp_path / "runs.csv"
        path.write_text("arm,seed,test_accuracy\n" + "\n".join(rows) + "\n", encoding="utf-8")
        out = tmp_path / "a.json"
        result = runner.invoke(analyze_command, [str(path), "--metric", "test_accuracy",
                                                 "--control", "c", "--margin", "0.01",
                                                 "--json", str(out)])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output and "nan" not in result.output
        json.loads(out.read_text(encoding="utf-8"))


def test_a_directional_verdict_prints_the_bound_it_rests_on():
    rng = np.random.default_rng(4)
    for _ in range(200):
        values = {"c": rng.normal(0.9, 0.01, 6), "t": rng.normal(0.91, 0.01, 6)}
        c = analyze(values, control="c", direction="greater", margin=0.01,
                    metric="test_accuracy", n_resamples=199).comparisons[0]
        low, high = c.decision_interval.low, c.decision_interval.high
        assert (c.verdict.value == "supported") == (low > 0)  # the bound agrees with the verdict
        assert (c.verdict.value == "contradicted") == (high < 0)
        if c.verdict.value == "supported":
            assert "with 95% confidence" in c.sentence


def test_with_holm_each_bound_agrees_with_its_adjusted_verdict():
    rng = np.random.default_rng(6)
    for _ in range(60):
        values = {"c": rng.normal(0.9, 0.01, 6),
                  **{f"t{i}": rng.normal(0.9 + 0.008 * i, 0.01, 6) for i in range(4)}}
        for c in analyze(values, control="c", direction="greater", n_resamples=199).comparisons:
            assert (c.verdict.value == "supported") == (c.decision_interval.low > 0)


def test_an_accuracys_interval_stays_inside_its_bounds():
    # Found by the audit: a mean's t-interval of an accuracy read [0.9838, 1.004].
    analysis = analyze({"c": [0.97, 0.98, 0.99, 1.0, 1.0], "t": [1.0, 0.99, 1.0, 1.0, 0.98]},
                       control="c", metric="test_accuracy")
    for arm in analysis.arms:
        assert 0.0 <= arm.ci_low <= arm.ci_high <= 1.0
    assert any("is cut at 1, the largest possible test_accuracy" in n for n in analysis.notes)
    unbounded = analyze({"c": [0.97, 0.98, 0.99, 1.0, 1.0], "t": [1.0, 0.99, 1.0, 1.0, 0.98]},
                        control="c", metric="score")
    assert unbounded.arms[1].ci_high > 1.0 and not unbounded.notes


def test_hedges_g_interval_covers_at_least_94_percent_on_normal_data():
    # Before issue 12 J shrank the limits: 0.922-0.934 at g = 2-4 with 5 seeds.
    total = hits = 0
    for n in (5, 10, 20):
        for effect in (0.0, 2.0, 4.0):
            rng = np.random.default_rng(100 * n + int(effect))
            reps = 400
            covered = sum(lo <= effect <= hi for lo, hi in
                          (hedges_g(rng.normal(effect, 1, n), rng.normal(0, 1, n))[1]
                           for _ in range(reps)))
            assert upper_limit(covered / reps, reps) >= 0.94, (n, effect)  # no cell below
            total, hits = total + reps, hits + covered
    assert hits / total >= 0.94 and lower_limit(hits / total, total) >= 0.93


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_paired_intervals_account_for_the_pairing(rho):
    rng = np.random.default_rng(int(rho * 10))
    reps, n, effect = 500, 8, 1.0
    g_cov = ps_cov = 0
    ps_true = 0.5 + 0.5 * math.erf(effect / math.sqrt(2 * (1 - rho)) / math.sqrt(2)) if rho < 1 else 1
    for _ in range(reps):
        seed = rng.normal(size=n) * math.sqrt(rho)
        t = effect + seed + rng.normal(size=n) * math.sqrt(1 - rho)
        c = seed + rng.normal(size=n) * math.sqrt(1 - rho)
        lo, hi = hedges_g(t, c, paired=True)[1]
        g_cov += lo <= effect <= hi
        lo, hi = prob_superiority_ci(t, c, paired=True)
        ps_cov += lo <= ps_true <= hi
    assert g_cov / reps >= 0.93 and ps_cov / reps >= 0.93


def test_equivalence_claims_report_tost_as_their_p_value():
    # Found by the audit: pvalue 0.72 (the difference test) beside the verdict equivalent.
    c = analyze({"c": [0.9655, 0.9671, 0.9640, 0.9689, 0.9662, 0.9648, 0.9677, 0.9659],
                 "t": [0.9661, 0.9668, 0.9652, 0.9680, 0.9671, 0.9650, 0.9690, 0.9645]},
                control="c", direction="equivalent", margin=0.003).comparisons[0]
    assert c.verdict.value == "equivalent"
    assert c.pvalue == c.tost.pvalue and c.pvalue_adjusted == c.tost.pvalue_adjusted
    assert c.decision_pvalue == c.tost.pvalue_adjusted and c.decided_by == "tost"
    assert c.difference_test.alternative == "two-sided" and c.difference_test.pvalue > 0.5
    assert c.apa.startswith("TOST Welch t(")


def test_a_note_writes_a_negative_number_with_the_sentences_minus_sign():
    # Issue 16: one minus sign everywhere (U+2212), the notes included.
    analysis = analyze({"c": [0.0, 0.02, 0.0, 0.01, 0.0], "t": [0.0, 0.03, 0.01, 0.0, 0.02]},
                       control="c", metric="test_accuracy")
    cut = [n for n in analysis.notes if "is cut at 0, the smallest possible test_accuracy" in n]
    assert cut and all("reaches \u2212" in n and "reaches -" not in n for n in cut), analysis.notes
