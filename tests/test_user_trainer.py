"""``base.trainer``: your own fit(config, seed, data, callbacks), trained through the executor like any run."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from hypolab import datasets, pipeline
from hypolab.plan import plan
from hypolab.hypothesis import load
from hypolab.records import Engine, RunStatus
from hypolab.store import models_dir

TRAINER = '''\
import math

import keras
import numpy as np


def fit(config, seed, data, callbacks):
    """An ordinary Keras script: hypolab's callbacks passed on, the History returned."""
    model = keras.Sequential([keras.Input(data.input_shape), keras.layers.Flatten(),
                              keras.layers.Dense(config.args["units"], activation="relu"),
                              keras.layers.Dense(data.num_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    if config.args.get("explode") == seed:
        raise RuntimeError(f"seed {seed} exploded")
    return model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=config.epochs,
                     batch_size=config.batch_size, callbacks=callbacks, verbose=0)


def scores(config, seed, data, callbacks):
    """A trainer that returns final metrics only: here the seed and the arm's argument, to check the plumbing."""
    draw = float(np.random.uniform())  # seeded by hypolab: the same for the same seed
    if config.args["offset"] < 0:
        return {"test_f1": math.nan, "loss": math.nan}
    return {"test_f1": config.args["offset"] + seed / 100, "draw": draw, "data_rows": float(len(data.y_train))}


def wrong(config, seed, data, callbacks):
    return [1, 2]


def poisoned(config, seed, data, callbacks):
    """NaN inputs: the loss is NaN from the first batch; hypolab's callbacks stop the fit."""
    model = keras.Sequential([keras.Input(data.input_shape), keras.layers.Flatten(),
                              keras.layers.Dense(data.num_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model.fit(data.x_train * np.nan, data.y_train, validation_data=(data.x_val, data.y_val),
                     epochs=config.epochs, batch_size=config.batch_size, callbacks=callbacks, verbose=0)
'''

HYPOTHESIS = """\
claim: More units win.
metric: {metric}
direction: greater
seeds: 3
pack: auto
data: {{name: digits, subset: 100}}
base:
  trainer: mytrainer:{function}
  args: {{units: 4, offset: 0.5, explode: -1}}
  epochs: 2
{top}
control: {{name: narrow}}
treatments:
  - name: wide
    set: {set}
"""


def _write(tmp_path, function="fit", metric="test_accuracy", top="", set="{args.units: 32}"):
    folder = tmp_path / "hypotheses"
    folder.mkdir(exist_ok=True)
    (folder / "mytrainer.py").write_text(TRAINER)
    path = folder / "mine.yaml"
    path.write_text(HYPOTHESIS.format(metric=metric, function=function, top=top, set=set))
    return path


def test_a_trainer_that_returns_a_history_is_tested_stored_and_resumed(tmp_path):
    path = _write(tmp_path, set="{args.units: 32, args.explode: 1}", top="save_models: true")
    h = load(path)
    assert {spec.engine for spec in plan(h)} == {Engine.TRAINER}
    outcome = pipeline.test(path, store=tmp_path / "runs.sqlite", device="cpu", reports_root=tmp_path / "reports")
    by = {(r.arm, r.seed): r for r in outcome.results}
    failed = by[("wide", 1)]
    assert failed.status is RunStatus.FAILED and "RuntimeError: seed 1 exploded" in failed.error
    narrow = by[("narrow", 0)]
    assert narrow.status is RunStatus.FINISHED and narrow.engine is Engine.TRAINER
    # hypolab's callbacks kept the history; it tested history.model on the test split.
    assert len(narrow.history["val_accuracy"]) == 2 and narrow.epochs_run == 2
    assert {"test_accuracy", "test_loss", "val_accuracy", "best_val_accuracy", "best_val_loss"} <= set(narrow.metrics)
    assert narrow.metrics["best_val_accuracy"] == max(narrow.history["val_accuracy"])
    assert narrow.trainable_params == 64 * 4 + 4 + 4 * 10 + 10
    assert outcome.analysis is not None and outcome.report_path.is_file()
    # save_models: each finished run's model as the function returned it, the failed run's none.
    saved = models_dir(tmp_path / "runs.sqlite")
    assert sorted(p.stem for p in saved.glob("*.keras")) == sorted(r.key for r in outcome.results if r is not failed)
    model = keras.models.load_model(saved / f"{narrow.key}.keras")
    dataset = datasets.load(h.data)
    accuracy = float(np.mean(np.argmax(model.predict(dataset.x_test, verbose=0), axis=1) == dataset.y_test))
    assert accuracy == pytest.approx(narrow.metrics["test_accuracy"], abs=1e-9)
    # Resumed: only the failed run trains again.
    again = pipeline.test(path, store=tmp_path / "runs.sqlite", device="cpu", reports_root=tmp_path / "reports")
    assert again.trained == 1


def test_a_trainer_that_returns_metrics_gets_its_seed_set_and_the_arms_args(tmp_path):
    path = _write(tmp_path, function="scores", metric="test_f1", top="higher_is_better: {test_f1: true}",
                  set="{args.offset: 0.7}")
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    f1 = {(r.arm, r.seed): r.metrics["test_f1"] for r in results}
    assert f1[("narrow", 2)] == pytest.approx(0.52) and f1[("wide", 0)] == pytest.approx(0.7)
    draws = {(r.arm, r.seed): r.metrics["draw"] for r in results}
    assert draws[("narrow", 1)] == draws[("wide", 1)] != draws[("narrow", 2)]  # the seed is set before the call
    assert results[0].metrics["data_rows"] == 100.0


def test_a_nan_loss_is_a_diverged_run_and_a_wrong_return_a_failed_one(tmp_path):
    path = _write(tmp_path, function="scores", metric="test_f1", top="higher_is_better: {test_f1: true}",
                  set="{args.offset: -1}")
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert {r.status for r in results if r.arm == "wide"} == {RunStatus.DIVERGED}
    path = _write(tmp_path, function="wrong", metric="test_f1", top="higher_is_better: {test_f1: true}")
    results = pipeline.run_hypothesis(path, store=tmp_path / "other.sqlite", device="cpu")
    assert all(r.status is RunStatus.FAILED for r in results)
    assert ("TypeError: trainer 'mytrainer:wrong' returned list. Expected a keras.callbacks.History (what "
            "model.fit returns) or a mapping of final metrics.") in results[0].error


def test_hypolabs_callbacks_stop_a_trainers_fit_whose_loss_is_nan(tmp_path):
    path = _write(tmp_path, function="poisoned")
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert {r.status for r in results} == {RunStatus.DIVERGED}
    assert all(r.diverged_epoch == 1 and r.epochs_run == 1 for r in results), [(r.diverged_epoch, r.epochs_run)
                                                                               for r in results]  # fmt: skip


def test_a_trainer_that_cannot_be_imported_fails_each_run_with_the_reason(tmp_path):
    path = _write(tmp_path, function="fitt")
    results = pipeline.run_hypothesis(path, store=tmp_path / "runs.sqlite", device="cpu")
    assert all(r.status is RunStatus.FAILED for r in results)
    assert "trainer 'mytrainer:fitt': module 'mytrainer' has no function 'fitt'. Did you mean 'fit'?" in results[0].error


def test_a_metric_the_trainer_never_returns_is_named_in_the_analysis_error(tmp_path):
    path = _write(tmp_path, function="scores", metric="test_auc")
    outcome = pipeline.test(path, store=tmp_path / "runs.sqlite", device="cpu", reports_root=tmp_path / "reports")
    assert outcome.analysis is None
    assert "no finished run of mine recorded the metric 'test_auc'. They recorded: data_rows, draw" in outcome.analysis_error
