"""Real, tiny Keras Tuner searches on digits: baseline, report, seeds, resume, --confirm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

SEARCH = """\
description: Tiny <script>alert(1)</script> search
data: {{name: digits, subset: 240, split_seed: 0}}
base:
  model: {{kind: mlp, activation: relu, units: [8]}}
  optimizer: {{name: adam}}
space:
  optimizer.learning_rate: {{type: choice, values: [0.003, 0.01, 0.03]}}
  batch_size: {{type: choice, values: [32, 64]}}
tuner: {tuner}
keep_trials: 2
"""
RANDOM = "{kind: random, objective: val_accuracy, max_epochs: 2, max_trials: 3, seed: 5}"
RANDOM_2 = "{kind: random, objective: val_accuracy, max_epochs: 1, max_trials: 2, seed: 5}"
HYPERBAND = "{kind: hyperband, objective: val_loss, max_epochs: 2, factor: 2, seed: 5}"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("searches").mkdir()
    return tmp_path


class _Untouchable:
    """Stands in for the test split: any use of it fails the test."""

    touched: ClassVar[list[str]] = []

    def __getattr__(self, name):
        _Untouchable.touched.append(name)
        raise AssertionError(f"the test split was touched ({name})")

    def __len__(self):
        _Untouchable.touched.append("len")
        raise AssertionError("the test split was touched (len)")

    def __array__(self, *args, **kwargs):
        _Untouchable.touched.append("array")
        raise AssertionError("the test split was touched (as an array)")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """One real random search (3 trials, 2 epochs) shared by the tests below.

    The data set it sees has a test split that fails on any use.
    """
    from dataclasses import replace

    from hypolab import datasets
    from hypolab.tuning.tune import tune

    folder = tmp_path_factory.mktemp("tiny")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        Path("searches").mkdir()
        real_load = datasets.load
        patch.setattr(
            datasets, "load", lambda *a, **k: replace(real_load(*a, **k), x_test=_Untouchable(), y_test=_Untouchable())
        )
        outcome = tune(_write("tiny", RANDOM), device="cpu", command="hypolab tune searches/tiny.yaml")
    return folder, outcome


def _write(name: str, tuner: str) -> str:
    path = Path("searches") / f"{name}.yaml"
    path.write_text(SEARCH.format(tuner=tuner), encoding="utf-8")
    return path.as_posix()


def _executions(name: str) -> list[dict]:
    log = Path("reports") / f"tune-{name}" / "kt" / name / "hypolab_executions.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_a_search_writes_a_baseline_that_a_hypothesis_file_uses(tiny, monkeypatch):
    from hypolab.hypothesis import load as load_hypothesis, yamlsource
    from hypolab.plan import plan as make_plan

    folder, outcome = tiny
    monkeypatch.chdir(folder)
    assert len(outcome.trials) == 3 and len(outcome.ranked) == 3
    scores = [t.score for t in outcome.ranked]
    assert scores == sorted(scores, reverse=True)  # val_accuracy: best first

    text = outcome.baseline_path.read_text(encoding="utf-8")
    assert outcome.baseline_path == Path("baselines/tiny.yaml")
    assert text.startswith("# Written by `hypolab tune searches/tiny.yaml`")
    baseline = yamlsource.parse(text, "b").data
    best = outcome.ranked[0]
    assert baseline["score"] == pytest.approx(best.score)
    assert baseline["objective"] == {"name": "val_accuracy", "direction": "max"}
    assert baseline["base"]["optimizer"]["learning_rate"] == best.values["optimizer.learning_rate"]
    assert baseline["base"]["epochs"] == 2
    assert [t["trial_id"] for t in baseline["trials"]] == [t.trial_id for t in outcome.ranked[:2]]
    assert baseline["chosen_by"] == "tuner" and baseline["confirmed"] is None

    Path("hypotheses").mkdir(exist_ok=True)
    Path("hypotheses/h.yaml").write_text(
        "claim: Dropout helps the tuned MLP.\nmetric: test_accuracy\ndirection: greater\nseeds: 2\n"
        "data: {name: digits, subset: 240}\nbaseline: ../baselines/tiny.yaml\n"
        "control: {name: tuned, set: {}}\ntreatments: [{name: dropout, set: {model.dropout: 0.25}}]\n",
        encoding="utf-8",
    )
    h = load_hypothesis("hypotheses/h.yaml")
    assert h.control.config.to_dict() == baseline["base"]
    runs = make_plan(h)
    assert {r.arm for r in runs} == {"tuned", "dropout"} and len(runs) == 4

    html = outcome.report_path.read_text(encoding="utf-8")
    assert outcome.report_path == Path("reports/tune-tiny/index.html")
    for section in ("<h2>Trials</h2>", "<h2>Objective by hyperparameter</h2>", "<h2>Learning curve of the best trial</h2>"):
        assert section in html
    assert html.count("data:image/svg+xml;base64,") == 3  # objective panels, parallel coordinates, learning curve
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_hyperband_bookkeeping_never_leaks_into_the_baseline(workdir):
    from hypolab.tuning.tune import tune

    outcome = tune(_write("hb", HYPERBAND), device="cpu")
    trial_files = list(Path("reports/tune-hb/kt/hb").glob("trial_*/trial.json"))
    assert any("tuner/epochs" in f.read_text() for f in trial_files)  # Keras Tuner did use them
    text = outcome.baseline_path.read_text(encoding="utf-8")
    assert "tuner/" not in text
    assert {t.epochs for t in outcome.trials} == {1, 2}  # Hyperband's rungs
    scores = [t.score for t in outcome.ranked]
    assert scores == sorted(scores)  # val_loss: lowest first
    assert "tuner/" not in outcome.report_path.read_text(encoding="utf-8")


def test_tuning_never_touches_the_test_split(tiny):
    _, outcome = tiny
    assert len(outcome.ranked) == 3  # the search ran to the end on a data set whose test split fails on use
    assert _Untouchable.touched == []


def test_a_trial_reproduces_on_its_own_from_its_seed(tiny, monkeypatch):
    from hypolab import datasets
    from hypolab.tuning.hypermodel import TuningData, reproduce
    from hypolab.tuning.searchspec import load_search

    folder, outcome = tiny
    monkeypatch.chdir(folder)
    search = load_search("searches/tiny.yaml")
    trial = outcome.trials[1]
    assert trial.seeds == (trial.seeds[0],) and trial.seeds[0] >= 2**30
    data = TuningData.from_dataset(datasets.load(search.data))
    history = reproduce(search, data, trial.values, trial.trial_id)
    assert history["val_loss"] == pytest.approx(trial.histories[0]["val_loss"], rel=1e-5)
    assert max(history["val_accuracy"]) == pytest.approx(trial.score, rel=1e-5)


def test_an_interrupted_search_resumes_keeping_finished_trials(workdir, monkeypatch):
    from hypolab.tuning import hypermodel
    from hypolab.tuning.tune import tune

    path = _write("cut", RANDOM_2)
    real_fit = hypermodel.HypolabHyperModel.fit
    calls = []

    def interrupted_fit(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second trial
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(hypermodel.HypolabHyperModel, "fit", interrupted_fit)
    with pytest.raises(KeyboardInterrupt):
        tune(path, device="cpu")
    first = _executions("cut")
    assert [e["trial_id"] for e in first] == ["0"]

    monkeypatch.setattr(hypermodel.HypolabHyperModel, "fit", real_fit)
    outcome = tune(path, device="cpu")
    assert outcome.resumed and outcome.trials_before == 1
    runs = _executions("cut")
    assert sorted(e["trial_id"] for e in runs) == ["0", "1"]  # trial 0 was not trained again
    assert [t.status for t in outcome.trials] == ["COMPLETED"] * 2


def test_confirm_retrains_the_top_configs_on_fresh_seeds_and_chooses_on_validation(tiny, monkeypatch):
    from hypolab.cli import main
    from hypolab.store import RunStore
    from hypolab.tuning.seeds import CONFIRM_SEED_START

    folder, _ = tiny
    monkeypatch.chdir(folder)
    path = "searches/tiny.yaml"  # the finished search: confirming trains no trial again
    result = CliRunner().invoke(main, ["tune", path, "--confirm", "2", "--top", "2", "--device", "cpu", "--store", "runs.sqlite", "--baselines", "confirmed"])
    assert result.exit_code == 0, result.output
    assert "3 trials, 3 finished (3 kept from an earlier run)" in result.output
    assert "Confirmed on 2 fresh seeds (val_accuracy, mean over seeds):" in result.output
    assert "Baseline: confirmed/tiny.yaml" in result.output

    from hypolab.hypothesis import yamlsource

    baseline = yamlsource.parse(Path("confirmed/tiny.yaml").read_text(encoding="utf-8"), "b").data
    confirmed = baseline["confirmed"]
    assert baseline["chosen_by"] == "confirm"
    assert confirmed["seeds"] == [CONFIRM_SEED_START, CONFIRM_SEED_START + 1]
    tuner_seeds = {s for t in baseline["trials"] for s in t["seeds"]}
    assert not tuner_seeds & set(confirmed["seeds"])

    with RunStore("runs.sqlite") as store:
        planned = store.planned("tune-tiny-confirm")
        results = store.results_for(key for key, _, _ in planned)
    assert len(planned) == 4 and len(results) == 4
    by_arm: dict[str, list[float]] = {}
    for key, arm, seed in planned:
        assert seed in confirmed["seeds"]
        by_arm.setdefault(arm, []).append(results[key].metrics["val_accuracy"])
    means = {arm: sum(v) / len(v) for arm, v in by_arm.items()}
    best_arm = max(means, key=means.get)
    assert f"trial {confirmed['trial_id']}" == best_arm
    assert confirmed["mean"] == pytest.approx(means[best_arm])
    chosen = next(t for t in baseline["trials"] if t["trial_id"] == confirmed["trial_id"])
    assert baseline["score"] == pytest.approx(chosen["score"])  # the tuner's score, shown beside it
    assert confirmed["tuner_score"] == pytest.approx(chosen["score"])
    html = Path("reports/tune-tiny/index.html").read_text(encoding="utf-8")
    assert "<h2>Confirmation on fresh seeds</h2>" in html and "tuner − confirmed" in html

    # Rerunning reuses the stored confirmation runs and the finished trials.
    again = CliRunner().invoke(main, ["tune", path, "--confirm", "2", "--top", "2", "--device", "cpu", "--store", "runs.sqlite", "--baselines", "confirmed"])
    assert again.exit_code == 0, again.output
    with RunStore("runs.sqlite") as store:
        assert store.count() == 4
    assert len(_executions("tiny")) == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    ("tuner", "trials"),
    [("{kind: bayesian, objective: val_loss, max_epochs: 1, max_trials: 3, seed: 2}", 3),
     ("{kind: grid, objective: val_loss, max_epochs: 1, seed: 2}", 6)],
    ids=["bayesian", "grid"],
)
def test_bayesian_and_grid_searches_run_to_a_baseline(workdir, tuner, trials):
    from hypolab.tuning.tune import tune

    outcome = tune(_write("other", tuner), device="cpu")
    assert len(outcome.trials) == trials  # grid: 3 learning rates x 2 batch sizes, then it stops
    assert all(t.status == "COMPLETED" for t in outcome.trials)
    assert "tuner/" not in outcome.baseline_path.read_text(encoding="utf-8")


BUILDER = '''
import keras

def build(input_shape, num_classes, fail=False):
    if fail:
        raise ValueError("this width does not fit")
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(keras.layers.Flatten()(inputs)))
'''


def test_failed_trials_are_reported_and_the_rest_still_give_a_baseline(workdir):
    from hypolab.tuning.tune import tune

    Path("searches/fragile_models.py").write_text(BUILDER, encoding="utf-8")
    Path("searches/fragile.yaml").write_text(
        "data: {name: digits, subset: 120}\n"
        "base: {model: {kind: custom, builder: 'fragile_models:build'}, optimizer: {name: adam}}\n"
        "space: {model.args.fail: {type: boolean}}\n"
        "tuner: {kind: grid, objective: val_accuracy, max_epochs: 1, seed: 1}\n",
        encoding="utf-8",
    )
    outcome = tune("searches/fragile.yaml", device="cpu")
    assert sorted(t.status for t in outcome.trials) == ["COMPLETED", "FAILED"]
    failed = next(t for t in outcome.trials if t.status == "FAILED")
    assert "this width does not fit" in failed.message
    assert outcome.ranked[0].values == {"model.args.fail": False}
    html = outcome.report_path.read_text(encoding="utf-8")
    assert "this width does not fit" in html and "1 finished, 1 failed, 2 in all" in html


def test_an_objective_the_data_cannot_give_is_refused_before_any_trial(workdir):
    import numpy as np

    from hypolab.errors import TuningError
    from hypolab.tuning.tune import tune

    rng = np.random.default_rng(0)
    np.savez("searches/prices.npz", x_train=rng.normal(size=(60, 3)), y_train=rng.normal(size=60))
    Path("searches/prices.yaml").write_text(
        "data: {name: prices.npz}\nbase: {model: {kind: mlp, units: [4]}}\n"
        "space: {batch_size: {type: choice, values: [8, 16]}}\n"
        "tuner: {kind: random, objective: val_accuracy, max_epochs: 1, max_trials: 2}\n",
        encoding="utf-8",
    )
    expected = r"tuner.objective: val_accuracy does not exist for .*prices.npz'?, a regression data set\."
    with pytest.raises(TuningError, match=expected + r" Expected val_loss or val_mae."):
        tune("searches/prices.yaml", device="cpu")
    assert not Path("reports/tune-prices").exists()


@pytest.mark.parametrize("option", ["--reports", "--baselines"])
def test_an_output_folder_under_a_file_is_refused_before_any_trial(workdir, option):
    from hypolab.cli import main

    # Found by the bad-input sweep: Keras Tuner's mkdir under --reports raised NotADirectoryError.
    path = _write("tiny", RANDOM_2)
    Path("blocker").write_text("x")
    result = CliRunner().invoke(main, ["tune", path, "--device", "cpu", option, "blocker/out"])
    assert result.exit_code == 2
    assert (f"Invalid value for '{option}': cannot create the folder blocker/out: blocker is a file, "
            "not a folder. Expected a folder you can write to.") in result.output
    assert not Path("reports/tune-tiny").exists()
