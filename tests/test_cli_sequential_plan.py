"""``hypolab plan`` of a sequential file: the boundaries, the seeds to expect, the power beside the fixed design's."""

from __future__ import annotations

from runner_cases import FakeTrainer

from hypolab import pipeline
from hypolab.cli import main

FILE = """\
claim: A batch size of 8 gives higher test accuracy than 64 for a tiny MLP on digits.
metric: test_accuracy
direction: {direction}
margin: 0.01
seeds: 40
pack: 1
sequential:
  looks: [5, 10, 20, 40]
  futility: {futility}
data: {{name: digits, subset: 120}}
base:
  model: {{kind: mlp, units: [8]}}
  epochs: 1
control:
  name: batch 64
  set: {{batch_size: 64}}
treatments:
  - name: batch 8
    set: {{batch_size: 8}}
"""


def _write(tmp_path, direction="greater", futility="true"):
    path = tmp_path / "seq.yaml"
    path.write_text(FILE.format(direction=direction, futility=futility))
    return path


def test_plan_prints_the_boundaries_pinned_to_rpact_and_the_seeds_to_expect(runner, tmp_path):
    result = runner.invoke(main, ["plan", str(_write(tmp_path))])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert ("sequential design: O'Brien-Fleming-type alpha spending, 4 looks, non-binding futility stops "
            "(beta spending at 80% power)") in lines  # fmt: skip
    # getDesignGroupSequential(kMax = 4, alpha = 0.05, beta = 0.2, sided = 1, typeOfDesign = "asOF",
    #   typeBetaSpending = "bsOF", informationRates = c(5, 10, 20, 40) / 40, bindingFutility = FALSE):
    #   criticalValues 5.421 3.750 2.540 1.662, futilityBounds -2.533 -1.031 0.317
    look = [line.split() for line in lines if line.startswith("  1 ") or line.startswith("  3 ")]
    assert look[0][4:] == ["5.421", "2.96e-08", "-2.533"] and look[1][4:] == ["2.540", "0.00554", "0.317"]
    # getPowerAndAverageSampleNumber(f, theta = 1, nMax = (qnorm(.95) + qnorm(.8))^2): ASN 5.241123 of 6.183 = 33.9 of 40
    # seeds, and 3.981390 under no effect (25.8 of 40); overallReject 0.7765125
    assert any(line.startswith("seeds per arm: at most 40; expected (normal theory) 25.8 under no effect, 33.9 at "
                               "the margin, read as 0.556 SD") for line in lines), result.output  # fmt: skip
    assert "  power at the margin: 77.7% (normal theory; the fixed design with 40 seeds per arm: 80.0%)" in lines


def test_plan_reads_the_margin_against_the_stored_runs_sd(runner, tmp_path, monkeypatch):
    path = _write(tmp_path, futility="false")
    FakeTrainer().install(monkeypatch)
    pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    result = runner.invoke(main, ["plan", str(path), "--store", str(tmp_path / "runs.sqlite")])
    assert result.exit_code == 0, result.output
    # the fake runs score 0.5 + 0.01 seed (batch 8: 0.1 more), so look 2 (seeds 0-9) decided: SD 0.0303
    assert "at the margin 0.01 (0.33 SD of the stored runs)" in result.output
    assert "power at the margin: 43.0% (normal theory; the fixed design with 40 seeds per arm: 43.3%)" in result.output


def test_plan_of_a_non_inferiority_claim_reads_its_scenarios_the_other_way(runner, tmp_path):
    result = runner.invoke(main, ["plan", str(_write(tmp_path, direction="noninferior"))])
    assert result.exit_code == 0, result.output
    assert "33.9 under no effect, 25.8 worse by the margin, read as 0.556 SD" in result.output
    assert "  power with no difference: 77.7%" in result.output
