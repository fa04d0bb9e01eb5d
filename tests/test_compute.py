"""Optimizer steps per run per arm, and the unequal-compute flag, in ``hypolab plan`` and the report."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hypolab.cli import main
from hypolab.compute import ArmSteps, arm_steps, compute_warning, train_examples
from hypolab.hypothesis import load
from hypolab.records import DataConfig

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_train_examples_follow_the_split_rule_of_the_loader():
    # digits: 1797 -> 360 test -> 1437 -> 288 validation -> 1149 train (what the runs record)
    assert train_examples(DataConfig(name="digits", validation_split=0.2, test_split=0.2)) == 1149
    assert train_examples(DataConfig(name="mnist", validation_split=0.1, test_split=0.2)) == 54000
    assert train_examples(DataConfig(name="digits", subset=300)) == 300
    assert train_examples(DataConfig(name="data/points.csv")) is None


def test_the_flagship_example_is_flagged_32x_in_plan():
    out = CliRunner().invoke(main, ["plan", str(ROOT / "hypotheses" / "batchsize.yaml")]).output
    assert "  batch 128: 45 (5 epochs x 9 steps of 128)" in out
    assert "  batch 4: 1,440 (5 epochs x 288 steps of 4)" in out
    assert "warning: Unequal compute: batch 4 makes 32x the optimizer steps per run of batch 128." in out


def test_arms_within_2x_are_not_flagged_and_unknown_sizes_compare_epochs_per_batch():
    even = [ArmSteps("a", 32, 5, 36, 180, False), ArmSteps("b", 64, 9, 18, 162, False)]
    assert compute_warning(even) is None
    unknown = [ArmSteps("a", 4, 5, None, None, False), ArmSteps("b", 128, 5, None, None, False)]
    assert "32x" in compute_warning(unknown)
    assert unknown[0].text() == "5 epochs of batches of 4"


def test_equal_updates_example_is_balanced():
    h = load(ROOT / "hypotheses" / "batchsize_equal_steps.yaml")
    rows = arm_steps(h.arms, train_examples(h.data))
    assert compute_warning(rows) is None
    assert max(r.steps for r in rows) / min(r.steps for r in rows) <= 1.1


@pytest.mark.slow
def test_the_equal_steps_example_settles_the_batch_size_question(tmp_path):
    """At 1,440 updates each, 10 seeds per arm decide it (batch 128 ahead, by more than the margin)."""
    import json

    result = CliRunner().invoke(main, ["test", str(ROOT / "hypotheses" / "batchsize_equal_steps.yaml"), "--store",
                                       str(tmp_path / "runs.db"), "--device", "cpu", "--reports",
                                       str(tmp_path / "reports")])  # fmt: skip
    assert result.exit_code == 0, result.output
    analysis = json.loads((tmp_path / "reports" / "batchsize_equal_steps" / "results.json").read_text())
    [comparison] = analysis["comparisons"]
    assert analysis["verdict"] == "supported"
    assert comparison["difference"] < -0.01  # batch 4 minus batch 128: the large batch is better at equal updates
    assert "Unequal compute" not in result.output
