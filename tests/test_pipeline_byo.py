"""The pipeline and CLI with issue 15's settings: secondary metrics beside the verdict, the task checked before the
first run, --save-models and save_models:, what plan says. Real Keras, tiny data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hypolab import pipeline
from hypolab.cli import main
from hypolab.errors import DataError
from hypolab.hypothesis import load
from hypolab.store import RunStore, models_dir

ROOT = Path(__file__).resolve().parent.parent

TEXT = """\
claim: Batch 8 gives higher test accuracy than batch 64.
metric: test_accuracy
direction: greater
secondary_metrics: [test_auc, test_loss]
seeds: 3
data: {{name: digits, subset: 100}}
base:
  model: {{kind: mlp, units: [8]}}
  metrics: [auc]
  epochs: 1
{top}
control: {{name: batch 64, set: {{batch_size: 64}}}}
treatments:
  - {{name: batch 8, set: {{batch_size: 8}}}}
  - {{name: batch 16, set: {{batch_size: 16}}}}
"""


def _write(tmp_path, top=""):
    path = tmp_path / "hypotheses" / "second.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(TEXT.format(top=top))
    return path


@pytest.fixture(scope="module")
def tested(tmp_path_factory):
    folder = tmp_path_factory.mktemp("byo")
    path = _write(folder, top="save_models: true")
    outcome = pipeline.test(path, store=folder / "runs.sqlite", device="cpu", reports_root=folder / "reports")
    return folder, outcome


def _holm(pvalues):
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    adjusted, running = [0.0] * len(pvalues), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(pvalues) - rank) * pvalues[index]))
        adjusted[index] = running
    return adjusted


def test_secondary_metrics_are_analysed_two_sided_in_their_own_family_and_never_change_the_verdict(tested):
    _, outcome = tested
    h = outcome.hypothesis
    assert outcome.analysis == pipeline.analyze_hypothesis(h, outcome.results)  # the verdict as without them
    assert [extra.metric for extra in outcome.secondary] == ["test_auc", "test_loss"]
    for extra in outcome.secondary:
        assert extra.direction.value == "two-sided" and extra.correction is h.correction and extra.margin is None
        raw = [c.pvalue for c in extra.comparisons]
        # Holm across this metric's two treatments alone (not pooled with the primary or the other metric).
        assert [c.pvalue_adjusted for c in extra.comparisons] == pytest.approx(_holm(raw))


def test_the_report_shows_the_secondary_metrics_and_links_the_saved_models(tested):
    folder, outcome = tested
    report = outcome.report_path.parent
    data = json.loads((report / "results.json").read_text())
    assert [entry["metric"] for entry in data["secondary"]] == ["test_auc", "test_loss"]
    assert data["metric"] == "test_accuracy" and "secondary" not in data["comparisons"][0]
    page = outcome.report_path.read_text()
    assert '<section id="secondary">' in page and "never part of its verdict" in page
    summary = (report / "summary.md").read_text()
    assert "Secondary metric `test_auc` (two-sided, correction `holm`; not part of the verdict):" in summary
    saved = models_dir(folder / "runs.sqlite")
    assert sorted(p.stem for p in saved.glob("*.keras")) == sorted(r.key for r in outcome.results)
    assert f'href="../../runs.models/{outcome.results[0].key}.keras"' in page


def test_the_task_is_checked_on_every_label_before_the_first_run(tmp_path):
    # 2,100 integer labels, then one decimal: validate reads the first 2,000 rows, test reads them all.
    rows = "".join(f"{i},{i % 3}\n" for i in range(2100)) + "5,1.5\n"
    (tmp_path / "late.csv").write_text("a,y\n" + rows)
    path = tmp_path / "late.yaml"
    path.write_text("claim: x\nmetric: test_accuracy\ndirection: greater\nseeds: 2\n"
                    "data: {name: late.csv, target: y}\ncontrol: {name: c}\n"
                    "treatments: [{name: t, set: {batch_size: 8}}]\n")  # fmt: skip
    load(path)  # valid on the sample
    with pytest.raises(DataError) as caught:
        pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert ("metric 'test_accuracy' is for classification, but the data is regression (data.task: auto, and the "
            "target column 'y' holds decimals, read as regression targets). Use test_mae or test_loss, or set "
            "data.task: classification. (found reading every label of") in str(caught.value)
    with RunStore(tmp_path / "runs.sqlite", read_only=True) as store:
        assert store.count() == 0


def test_cli_save_models_and_secondary_lines(runner, tmp_path):
    path = _write(tmp_path)
    store = tmp_path / "runs.sqlite"
    args = ["test", str(path), "--store", str(store), "--device", "cpu", "--reports", str(tmp_path / "reports"),
            "--save-models"]  # fmt: skip
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Secondary metric test_auc (two-sided, correction holm; not part of the verdict):" in result.output
    assert "  batch 8 vs batch 64: " in result.output
    assert len(list(models_dir(store).glob("*.keras"))) == 9


def test_plan_says_the_task_and_which_arms_train_one_seed_at_a_time(runner, tmp_path):
    shutil.copytree(ROOT / "hypotheses", tmp_path / "hypotheses", ignore=shutil.ignore_patterns("fashion_mnist"))
    regression = runner.invoke(main, ["plan", str(tmp_path / "hypotheses" / "diabetes_schedule.yaml")])
    assert regression.exit_code == 0, regression.output
    assert "task regression (data.task: regression)" in regression.output
    assert "targets standardised on the training split: losses in standardised units" in regression.output
    assert "secondary metrics (two-sided, own correction; never the verdict): test_root_mean_squared_error" in regression.output
    own = runner.invoke(main, ["plan", str(tmp_path / "hypotheses" / "own_trainer.yaml")])
    assert "engine: trainer" in own.output
    assert ("16 units: trains one seed at a time: trainer 'digits_trainer:fit': your own training function trains "
            "one model per run") in own.output


@pytest.mark.parametrize("example", ["diabetes_schedule", "own_trainer"])
def test_the_shipped_examples_run_offline(example, tmp_path):
    shutil.copytree(ROOT / "hypotheses", tmp_path / "hypotheses", ignore=shutil.ignore_patterns("fashion_mnist"))
    path = tmp_path / "hypotheses" / f"{example}.yaml"
    text = path.read_text()
    text = text.replace("seeds: 10\n", "seeds: 2\n").replace("seeds: 8\n", "seeds: 2\n")
    path.write_text(text.replace("epochs: 60\n", "epochs: 2\n").replace("epochs: 10\n", "epochs: 1\n"))
    outcome = pipeline.test(path, store=tmp_path / "runs.sqlite", device="cpu", reports_root=tmp_path / "reports")
    assert all(r.status.value == "finished" for r in outcome.results), [r.error for r in outcome.results]
    assert outcome.analysis is not None and outcome.report_path.is_file()
    assert len(outcome.secondary) == len(outcome.hypothesis.secondary_metrics)
