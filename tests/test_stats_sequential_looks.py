"""One look's decisions, the final analysis of a sequential test, its repeated confidence intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from hypolab.errors import AnalysisError
from hypolab.records import Analysis, Correction, Direction, LookDecision, LookSettings, SequentialConfig, Spending
from hypolab.stats.sequential.boundaries import efficacy
from hypolab.stats.sequential.conclude import sequential_analysis
from hypolab.stats.sequential.looks import analyze_look
from hypolab.stats.ttests import bounds, welch

CONFIG = SequentialConfig(looks=(5, 10, 20), spending=Spending.OBRIEN_FLEMING)
#: An arm of 20 evenly spread values, in an order that spreads them over the looks too.
BASE = (np.linspace(-1.5, 1.5, 20) * 0.01 + 0.9)[np.random.default_rng(0).permutation(20)]


def _run(arms, config=CONFIG, **settings):
    """Every look as the driver runs it (``settings``: ``LookSettings`` fields); the looks and the final analysis."""
    settings = LookSettings(metric="test_accuracy", **settings)
    recorded, trained = [], {}
    family = [a for a in arms if a != "c"]
    for k, n in enumerate(config.looks, start=1):
        decided = {r.treatment for r in recorded if r.decision.stops}
        values = {a: list(v[:n]) for a, v in arms.items() if a not in decided}
        if len(values) == 1:
            break
        trained.update(values)
        recorded += analyze_look(values, control="c", config=config, look=k, settings=settings, recorded=recorded,
                                 family=family)  # fmt: skip
    seeds = {a: list(range(len(v))) for a, v in trained.items()}
    analysis = sequential_analysis(trained, control="c", config=config, looks=recorded,
                                   plan_seeds=range(config.looks[-1]), seeds=seeds, settings=settings)  # fmt: skip
    return recorded, analysis


def _shifted_to(p: float, n: int = 20) -> np.ndarray:
    """``BASE`` reordered and shifted so that Welch's one-sided p against ``BASE`` is ``p`` on all ``n`` seeds."""
    other = BASE[np.random.default_rng(1).permutation(20)]
    shift = optimize.brentq(lambda d: welch(other[:n] + d, BASE[:n], alternative="greater").pvalue - p, -1, 1)
    return other + shift


def test_holm_passes_alpha_on_within_a_look():
    # at the last look, t1 is far past any boundary and t2 sits between the levels of alpha / 2 and alpha
    info = CONFIG.information()
    half, whole = efficacy(info, 0.025, CONFIG.spending), efficacy(info, 0.05, CONFIG.spending)
    assert half.stage_levels[-1] < 0.035 < whole.stage_levels[-1]
    arms = {"c": BASE, "t1": BASE + 0.05, "t2": _shifted_to(0.035)}
    recorded, analysis = _run(arms, direction=Direction.GREATER, margin=0.01)
    final = {r.treatment: r for r in recorded}
    assert final["t1"].decision is LookDecision.SUPPORTED and final["t1"].level == 0.025
    assert final["t2"].decision is LookDecision.SUPPORTED and final["t2"].look == 3 and final["t2"].level == 0.05
    none_left = _run({"c": BASE, "t1": BASE, "t2": _shifted_to(0.035)}, direction=Direction.GREATER, margin=0.01)[0]
    assert {r.treatment: r for r in none_left}["t2"].decision is LookDecision.INCONCLUSIVE  # tested at alpha / 2
    bonferroni = _run(arms, direction=Direction.GREATER, margin=0.01, correction=Correction.BONFERRONI)[0]
    assert {r.treatment: r for r in bonferroni}["t2"].decision is LookDecision.INCONCLUSIVE


def test_the_repeated_interval_agrees_with_the_look_and_is_wider_than_the_plain_one():
    rng = np.random.default_rng(4)
    for effect in (0.0, 0.004, 0.008, 0.02):
        arms = {"c": rng.normal(0.9, 0.01, 20), "t": rng.normal(0.9 + effect, 0.01, 20)}
        recorded, analysis = _run(arms, direction=Direction.GREATER, margin=0.01)
        c = analysis.comparisons[0]
        last = recorded[-1]
        assert (c.decision_interval.low > 0) == (last.decision is LookDecision.SUPPORTED), effect
        plain = welch(arms["t"][: last.seeds], arms["c"][: last.seeds])
        assert c.decision_interval.low <= bounds(plain, 0.95, 0.5)[0] and c.decision_interval.low_confidence == 0.95
        assert c.decision_pvalue == last.pvalue and c.decision_alpha == last.p_boundary
        assert c.seeds_per_arm == (last.seeds, last.seeds) and c.pvalue_adjusted is None
        assert "repeated confidence interval" in c.decision_interval.note


def test_the_final_analysis_round_trips_through_its_json():
    arms = {"c": BASE, "t": BASE + 0.02, "u": BASE[::-1]}
    _, analysis = _run(arms, config=SequentialConfig(looks=(5, 10, 20), futility=True), direction=Direction.GREATER,
                       margin=0.01)  # fmt: skip
    assert Analysis.from_dict(analysis.to_dict()) == analysis
    assert analysis.sequential.looks_planned == (5, 10, 20)


@pytest.mark.parametrize(("direction", "margin", "win"), [(Direction.EQUIVALENT, 0.02, LookDecision.EQUIVALENT),
                                                          (Direction.NONINFERIOR, 0.01, LookDecision.SUPPORTED),
                                                          (Direction.TWO_SIDED, None, LookDecision.SUPPORTED)],
                         ids=["equivalent", "noninferior", "two-sided"])
def test_equivalence_non_inferiority_and_two_sided_claims_work_sequentially(direction, margin, win):
    shift = -0.03 if direction is Direction.TWO_SIDED else 0.0
    other = BASE[np.random.default_rng(1).permutation(20)]
    recorded, analysis = _run({"c": BASE, "t": other + shift}, direction=direction, margin=margin)
    assert recorded[-1].decision is win
    c = analysis.comparisons[0]
    assert c.verdict.value == win.value
    if direction is Direction.EQUIVALENT:
        assert -margin < c.decision_interval.low and c.decision_interval.high < margin  # TOST at the look's level
        assert c.decided_by == "tost"
    if direction is Direction.NONINFERIOR:
        assert "not worse than c by more than 0.01" in c.sentence
    if direction is Direction.TWO_SIDED:
        assert recorded[-1].statistic < -recorded[-1].z_boundary and "lower than c" in c.sentence


def test_a_look_of_a_treatment_already_decided_is_not_analysed_again():
    config = SequentialConfig(looks=(5, 10, 20))
    first = analyze_look({"c": BASE[:5], "t": BASE[:5] + 0.05}, control="c", config=config, look=1)
    assert first[0].decision is LookDecision.SUPPORTED
    assert analyze_look({"c": BASE[:10], "t": BASE[:10]}, control="c", config=config, look=2, recorded=first) == ()


def test_corrections_without_a_sequential_version_are_refused():
    with pytest.raises(AnalysisError, match="correction 'fdr_bh' has no sequential version"):
        analyze_look({"c": BASE[:5], "t": BASE[:5], "u": BASE[:5]}, control="c", config=CONFIG, look=1,
                     settings=LookSettings(correction=Correction.FDR_BH))  # fmt: skip
