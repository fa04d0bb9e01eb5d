"""Arms still improving at their last epoch: the documented rule, and the flag in the verdict's reason."""

from __future__ import annotations

from dataclasses import replace

from report_cases import analysis_of, make_hypothesis, make_results

from hypolab.records import RunStatus
from hypolab.report import write_report
from hypolab.stats.convergence import TOLERANCE, curve_for, still_improving


def _climbing(results, arm: str, seeds=None):
    """The arm's validation accuracy still rising steeply at its last epoch (0.80 -> 0.90)."""
    out = []
    for r in results:
        if r.arm == arm and (seeds is None or r.seed in seeds):
            history = {**r.history, "val_accuracy": [0.5, 0.7, 0.8, 0.9]}
            r = replace(r, history=history)
        out.append(r)
    return out


def _flat(h):
    """Results whose validation accuracy is flat over the last epochs."""
    return [replace(r, history={**r.history, "val_accuracy": [0.5, 0.9, 0.9, 0.9]}) for r in make_results(h, epochs=20)]


def test_curve_is_the_validation_counterpart_of_the_metric():
    assert curve_for("test_accuracy") == "val_accuracy"
    assert curve_for("best_val_loss") == "val_loss"
    assert curve_for("train_seconds") == "val_loss"


def test_converged_arms_are_not_flagged_and_the_analysis_is_unchanged():
    h = make_hypothesis()
    results = make_results(h, epochs=20)  # exp(-20/3): flat at the end
    assert still_improving(results, h.metric) == []
    assert "still improving" not in analysis_of(h, results).verdict_reason


def test_an_arm_climbing_in_most_seeds_is_named_in_the_reasons_and_the_verdict_stays():
    h = make_hypothesis()
    flat = _flat(h)
    before = analysis_of(h, flat)
    results = _climbing(flat, "batch 128", seeds=range(6))  # 6 of 10 seeds
    [flag] = still_improving(results, h.metric)
    assert (flag.arm, flag.curve, flag.runs, flag.of) == ("batch 128", "val_accuracy", 6, 10)
    after = analysis_of(h, results)
    assert after.verdict == before.verdict
    assert [c.verdict for c in after.comparisons] == [c.verdict for c in before.comparisons]
    [c] = after.comparisons
    assert "Caution: batch 128 was still improving at its last epoch in 6 of 10 runs" in c.verdict_reason
    assert c.verdict_reason.startswith(before.comparisons[0].verdict_reason.rstrip())
    assert "batch 128 was still improving" in after.verdict_reason


def test_half_the_seeds_or_a_small_gain_is_not_enough():
    h = make_hypothesis()
    flat = _flat(h)
    assert still_improving(_climbing(flat, "batch 128", seeds=range(5)), h.metric) == []  # 5 of 10: not most
    small = [replace(r, history={**r.history, "val_accuracy": [0.5, 0.9, 0.9 * (1 + TOLERANCE / 2)]})
             for r in flat]  # fmt: skip
    assert still_improving(small, h.metric) == []
    # A last epoch that is not the best epoch is not "still improving" (it recovered from a dip).
    dip = [replace(r, history={**r.history, "val_accuracy": [0.5, 0.95, 0.8, 0.9]}) for r in flat]
    assert still_improving(dip, h.metric) == []


def test_failed_runs_do_not_count(tmp_path):
    h = make_hypothesis()
    results = _climbing(make_results(h, epochs=20, failures={("batch 128", 0): RunStatus.FAILED}), "batch 128")
    [flag] = still_improving(results, h.metric)
    assert flag.of == 9


def test_the_report_shows_the_caution_with_the_verdict(tmp_path):
    h = make_hypothesis()
    results = _climbing(make_results(h, epochs=20), "batch 128")
    page = write_report(h, results, analysis_of(h, results), tmp_path / "batchsize")
    html = page.read_text(encoding="utf-8")
    assert "batch 128 was still improving at its last epoch in 10 of 10 runs" in html
