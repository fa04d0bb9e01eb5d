"""The sequential driver with a fake trainer: looks trained in balanced rounds, recorded, resumed, final.

The trainer is faked (orchestration is what these tests are about): each
run's test accuracy is a fixed draw per arm and seed, so one treatment is far
better than the control and one is not.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from factories import run_result
from runner_cases import FakeTrainer

from hypolab import pipeline
from hypolab.errors import HypolabError
from hypolab.hypothesis import load as load_hypothesis
from hypolab.pipeline.looks import design_key
from hypolab.plan import plan
from hypolab.records import LookDecision, RunStatus
from hypolab.store import RunStore

FILE = """\
claim: A batch size of 8 gives higher test accuracy than 64 for a tiny MLP on digits.
metric: test_accuracy
direction: greater
margin: 0.01
seeds: 12
pack: 1
sequential:
  looks: {looks}
  spending: obrien_fleming
  futility: true
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
  - name: batch 32
    set: {{batch_size: 32}}
"""

#: Mean test accuracy of each arm: batch 8 is 7 SDs better, batch 32 no better than the control.
MEANS = {"batch 64": 0.90, "batch 8": 0.97, "batch 32": 0.899}


class ArmTrainer(FakeTrainer):
    """``FakeTrainer`` whose runs score ``MEANS[arm]`` plus a fixed draw per arm and seed (SD 0.01)."""

    def _train(self, spec):
        if self.interrupt_at is not None and len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        self.calls.append((spec.arm, spec.seed))
        noise = np.random.default_rng([spec.seed, sorted(MEANS).index(spec.arm)]).normal(0, 0.01)
        return run_result(spec, status=RunStatus.FINISHED, device="cpu",
                          metrics={"test_accuracy": MEANS[spec.arm] + float(noise)})  # fmt: skip


def _write(tmp_path, looks="[4, 8, 12]"):
    path = tmp_path / "seq.yaml"
    path.write_text(FILE.format(looks=looks))
    return path


@pytest.fixture
def trainer(monkeypatch):
    fake = ArmTrainer()
    fake.install(monkeypatch)
    return fake


def _looks(path, store_path):
    h = load_hypothesis(path)
    with RunStore(store_path, read_only=True) as store:
        return store.looks(h.name, design_key(h, plan(h)))


def test_a_decided_treatment_stops_training_while_the_others_go_on(tmp_path, trainer):
    path, store_path = _write(tmp_path), tmp_path / "runs.sqlite"
    results = pipeline.run_hypothesis(path, store=store_path, device="cpu")
    looks = _looks(path, store_path)
    decided = {look.treatment: look for look in looks if look.decision.stops}
    assert decided["batch 8"].decision is LookDecision.SUPPORTED and decided["batch 8"].look == 1
    assert [look.look for look in looks if look.treatment == "batch 32"] == [1, 2]
    assert decided["batch 32"].decision is LookDecision.FUTILITY  # no better than the control
    trained = {arm: sorted(seed for a, seed in trainer.calls if a == arm) for arm in MEANS}
    assert trained == {"batch 64": list(range(8)), "batch 8": list(range(4)), "batch 32": list(range(8))}
    # each look in the balanced rounds of a fixed design: seed 0 of every arm, then seed 1, ...
    assert trainer.calls[:6] == [("batch 64", 0), ("batch 8", 0), ("batch 32", 0), ("batch 64", 1), ("batch 8", 1),
                                 ("batch 32", 1)]  # fmt: skip
    assert trainer.calls[12:14] == [("batch 64", 4), ("batch 32", 4)]
    assert sorted((r.arm, r.seed) for r in results) == sorted(trainer.calls)


def test_an_interrupted_test_continues_at_the_right_look_and_decides_as_an_uninterrupted_one(tmp_path, monkeypatch):
    path = _write(tmp_path)
    ArmTrainer().install(monkeypatch)
    pipeline.run_hypothesis(path, store=tmp_path / "whole.sqlite", device="cpu")
    whole = _looks(path, tmp_path / "whole.sqlite")

    store_path = tmp_path / "runs.sqlite"
    ArmTrainer(interrupt_at=15).install(monkeypatch)  # look 1 (12 runs) is recorded; look 2 is cut short
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_hypothesis(path, store=store_path, device="cpu")
    assert {look.look for look in _looks(path, store_path)} == {1}
    resumed = ArmTrainer()
    resumed.install(monkeypatch)
    pipeline.run_hypothesis(path, store=store_path, device="cpu")
    assert resumed.calls[0] == ("batch 32", 5)  # seeds 4 and 5 of the control and seed 4 of batch 32 were stored
    assert len(resumed.calls) == 20 - 15  # 12 runs at look 1, then 4 each of the control and batch 32
    assert [(x.look, x.treatment, x.decision, x.pvalue) for x in _looks(path, store_path)] == [
        (x.look, x.treatment, x.decision, x.pvalue) for x in whole]  # fmt: skip


def test_recorded_looks_are_the_truth_and_are_never_decided_again(tmp_path, trainer):
    path, store_path = _write(tmp_path), tmp_path / "runs.sqlite"
    pipeline.run_hypothesis(path, store=store_path, device="cpu")
    before = _looks(path, store_path)
    h = load_hypothesis(path)
    specs = {(s.arm, s.seed): s for s in plan(h)}
    with RunStore(store_path) as store:  # the stored runs now say batch 8 is worse: the look stands
        for seed in range(4):
            store.put(run_result(specs["batch 8", seed], metrics={"test_accuracy": 0.5}, device="cpu"))
    trainer.calls.clear()
    outcome = pipeline.test(path, store=store_path, device="cpu", reports_root=tmp_path / "reports")
    assert trainer.calls == [] and _looks(path, store_path) == before
    first = outcome.analysis.comparisons[0]
    assert first.verdict.value == "supported" and first.decision_pvalue == before[0].pvalue
    with pytest.raises(HypolabError, match="--rerun would retrain runs whose looks are decided"):
        pipeline.run_hypothesis(path, store=store_path, device="cpu", rerun=True)


def test_the_report_says_where_each_treatment_stopped(tmp_path, trainer):
    path = _write(tmp_path)
    outcome = pipeline.test(path, store=tmp_path / "runs.sqlite", device="cpu", reports_root=tmp_path / "reports")
    data = json.loads((tmp_path / "reports" / "seq" / "results.json").read_text(encoding="utf-8"))
    sequential = data["sequential"]
    assert sequential["spending"] == "obrien_fleming" and sequential["looks_planned"] == [4, 8, 12]
    assert {"seeds", "information", "alpha_spent", "z_boundary", "p_boundary", "statistic", "pvalue",
            "decision"} <= set(sequential["looks"][0])  # fmt: skip
    assert sequential["stopped_at"] == 2 and sequential["stopped_early"] and sequential["seeds_spent"] == 8
    sentences = {c.treatment: c.sentence for c in outcome.analysis.comparisons}
    assert "Stopped early for efficacy at look 1 of 3 (4 of 12 seeds per arm)." in sentences["batch 8"]
    assert sentences["batch 32"].endswith("Stopped early for futility at look 2 of 3 (8 of 12 seeds per arm).")
    assert outcome.analysis.comparisons[0].seeds_per_arm == (4, 4)
    html = (tmp_path / "reports" / "seq" / "index.html").read_text(encoding="utf-8")
    assert "Sequential looks" in html and "look 1 of 3" in html


def test_an_edited_design_starts_its_own_sequential_test(tmp_path, trainer):
    store_path = tmp_path / "runs.sqlite"
    pipeline.run_hypothesis(_write(tmp_path), store=store_path, device="cpu")
    trainer.calls.clear()
    path = _write(tmp_path, looks="[6, 12]")
    pipeline.run_hypothesis(path, store=store_path, device="cpu")
    assert {look.look for look in _looks(path, store_path)} >= {1}
    assert ("batch 8", 4) in trainer.calls  # look 1 of the new design needs 6 seeds of batch 8
    assert ("batch 8", 0) not in trainer.calls  # the runs themselves are shared


def test_hypolab_report_renders_a_stopped_test_from_its_recorded_looks(tmp_path, trainer):
    from click.testing import CliRunner

    from hypolab.cli import main

    path, store_path = _write(tmp_path), tmp_path / "runs.sqlite"
    pipeline.run_hypothesis(path, store=store_path, device="cpu")
    result = CliRunner().invoke(main, ["report", str(path), "--store", str(store_path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "seq: 20 stored runs" in result.output
    assert "Stopped early for efficacy at look 1 of 3" in result.output
    data = json.loads((tmp_path / "r" / "seq" / "results.json").read_text(encoding="utf-8"))
    assert data["sequential"]["seeds_spent"] == 8 and data["verdict"] == "supported"


def test_a_sequential_hypothesis_is_not_analysed_without_its_looks(tmp_path, trainer):
    from hypolab.errors import AnalysisError

    path = _write(tmp_path)
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    with pytest.raises(AnalysisError, match="seq is a sequential test: its verdicts are what its recorded looks"):
        pipeline.analyze_hypothesis(load_hypothesis(path), results)


def test_the_report_panel_plots_each_look_against_its_boundaries_and_lists_the_seeds_spent(tmp_path, trainer):
    import base64
    import re
    from dataclasses import replace

    from hypolab.report.sequential import sequential_context

    path = _write(tmp_path)
    outcome = pipeline.test(path, store=tmp_path / "runs.sqlite", device="cpu", reports_root=tmp_path / "reports")
    html = (tmp_path / "reports" / "seq" / "index.html").read_text(encoding="utf-8")
    panel = html[html.index('<section id="sequential">'):]
    panel = panel[: panel.index("</section>")]
    assert "Stopped early at look 2 of 3: 8 of 12 seeds per arm were trained." in panel
    rows = re.findall(r"<tr[^>]*><td>([^<]+)</td><td>(look \d of 3)</td><td class=\"num\">(\d+ of 12)</td>.*?"
                      r"<strong>(\w+)</strong>", panel)  # fmt: skip
    assert rows == [("batch 8", "look 1 of 3", "4 of 12", "supported"),
                    ("batch 32", "look 1 of 3", "4 of 12", "continue"),
                    ("batch 32", "look 2 of 3", "8 of 12", "futility")]  # fmt: skip
    svg = base64.b64decode(re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="Sequential looks', panel)[1])
    labels = set(re.findall(rb"<!-- (batch \d+: [a-z ]+) -->", svg))
    assert {b"batch 8: statistic", b"batch 8: efficacy boundary", b"batch 32: futility boundary"} <= labels, labels
    no_futility = sequential_context(replace(outcome.analysis.sequential, futility=False), {}, two_sided=False)
    assert "futility stops" not in no_futility["design"] and "futility stops" in panel
