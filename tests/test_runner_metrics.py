"""The keras_fit engine (``hypolab.runner``) with issue 15's settings: Keras metrics, regression units, schedules,
ReduceLROnPlateau, saved models. Real Keras, tiny data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np
import pytest

from factories import TINY_CONFIG
from hypolab import datasets, runner
from hypolab.records import DataConfig, Engine, RunSpec, RunStatus, TrainingConfig

ROOT = Path(__file__).resolve().parent.parent
DIGITS = DataConfig(name="digits", subset=120, fingerprint="digits")
DIABETES = DataConfig(name=str(ROOT / "hypotheses" / "data" / "diabetes.csv"), target="progression",
                      task="regression", fingerprint="sha256:test")  # fmt: skip


def spec(data=DIGITS, seed=0, **changes) -> RunSpec:
    config = TrainingConfig.from_dict({**TINY_CONFIG, **changes})
    return RunSpec(key=f"k{seed}", hypothesis="h", arm="a", seed=seed, config=config, data=data, engine=Engine.KERAS_FIT)


@pytest.fixture(scope="module")
def digits():
    return datasets.load(DIGITS)


@pytest.fixture(scope="module")
def diabetes():
    return datasets.load(DIABETES)


def test_listed_keras_metrics_are_recorded_per_epoch_and_as_final_values(digits):
    metrics = [{"name": "auc"}, {"name": "top_k_categorical_accuracy", "k": 3, "as": "top3"},
               {"name": "sparse_categorical_crossentropy", "as": "xent"}]  # fmt: skip
    result = runner.train_one(spec(metrics=metrics, epochs=3), digits, device="cpu")
    assert result.status is RunStatus.FINISHED, result.error
    for name, better in (("auc", max), ("top3", max), ("xent", min)):
        values = result.history[f"val_{name}"]
        assert len(values) == 3 and len(result.history[name]) == 3
        assert result.metrics[f"val_{name}"] == values[-1]
        assert result.metrics[f"best_val_{name}"] == better(values)
        assert 0 <= result.metrics[f"test_{name}"]
    # The cross-entropy metric is the loss the run minimises: the same numbers.
    assert result.metrics["test_xent"] == pytest.approx(result.metrics["test_loss"], rel=1e-5)
    assert result.metrics["test_top3"] >= result.metrics["test_accuracy"]


def test_regression_trains_on_standardised_targets_and_reports_the_data_units(diabetes, tmp_path):
    result = runner.train_one(spec(DIABETES, metrics=[{"name": "root_mean_squared_error", "as": "rmse"}], epochs=3,
                                   optimizer={"name": "adam", "learning_rate": 0.01}),
                              diabetes, device="cpu", models_dir=tmp_path)  # fmt: skip
    assert result.status is RunStatus.FINISHED, result.error
    assert any("standardised with the training split's mean 1" in note for note in result.notes)
    # The saved model predicts in the data's units; its errors are the recorded ones.
    model = keras.models.load_model(result.model_path)
    predicted = model.predict(diabetes.x_test, verbose=0)[:, 0]
    error = predicted - diabetes.y_test
    assert result.metrics["test_mae"] == pytest.approx(float(np.mean(np.abs(error))), rel=1e-4)
    assert result.metrics["test_rmse"] == pytest.approx(float(np.sqrt(np.mean(error**2))), rel=1e-4)
    # The loss is the standardised one: mse of standardised targets, far below the data's squared units.
    standard = (predicted - diabetes.target_mean) / diabetes.target_std - diabetes.standardised(diabetes.y_test)
    assert result.metrics["test_loss"] == pytest.approx(float(np.mean(standard**2)), rel=1e-4)


def test_a_schedule_is_the_learning_rate_of_each_step(digits):
    constant = runner.train_one(spec(epochs=2), digits, device="cpu")
    # Piecewise constant at the constant rate until far beyond training: the same numbers.
    same = {"schedule": "piecewise_constant_decay", "boundaries": [10_000], "values": [0.01, 0.5]}
    late = runner.train_one(spec(epochs=2, optimizer={"name": "adam", "learning_rate": same}), digits, device="cpu")
    assert late.metrics["test_loss"] == constant.metrics["test_loss"]
    # The same schedule, switching after the first step: other numbers.
    early = {**same, "boundaries": [1]}
    switched = runner.train_one(spec(epochs=2, optimizer={"name": "adam", "learning_rate": early}), digits, device="cpu")
    assert switched.metrics["test_loss"] != constant.metrics["test_loss"]


def test_reduce_lr_on_plateau_lowers_the_rate_and_the_history_keeps_it(digits):
    plateau = {"monitor": "val_loss", "factor": 0.5, "patience": 1, "min_delta": 10.0, "cooldown": 0, "min_lr": 0.0025}
    result = runner.train_one(spec(epochs=4, reduce_lr_on_plateau=plateau), digits, device="cpu")
    assert result.status is RunStatus.FINISHED, result.error
    # Nothing improves by 10: after the first epoch every epoch lowers it, down to min_lr.
    assert result.history["learning_rate"] == pytest.approx([0.01, 0.01, 0.005, 0.0025])


def test_a_metric_of_the_wrong_task_fails_its_run_with_the_message(diabetes):
    result = runner.train_one(spec(DIABETES, metrics=[{"name": "auc"}]), diabetes, device="cpu")
    assert result.status is RunStatus.FAILED
    assert "metrics: 'auc' is for classification, but the data is regression" in result.error


def test_class_id_beyond_the_classes_fails_its_run(digits):
    bad = dataclasses.replace(spec(metrics=[{"name": "precision", "class_id": 12}]))
    result = runner.train_one(bad, digits, device="cpu")
    assert "class_id 12 is beyond the 10 column(s) it is given (10 classes)" in result.error


def test_a_warm_up_climbs_linearly_then_decays_and_trains_other_numbers(digits):
    from hypolab.models import make_optimizer

    warm = {"schedule": "cosine_decay", "initial_learning_rate": 0.001, "decay_steps": 10, "warmup_target": 0.05,
            "warmup_steps": 4}  # fmt: skip
    optimizer = make_optimizer(TrainingConfig.from_dict({**TINY_CONFIG, "optimizer": {"name": "sgd",
                                                                                       "learning_rate": warm}}).optimizer)
    rates = []
    for step in (0, 2, 4, 9, 14):
        optimizer.iterations.assign(step)
        rates.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))
    # Linear from the initial rate to the target over 4 steps, then cosine from the target to 0 over 10 steps.
    expected = [0.001, 0.001 + (0.05 - 0.001) / 2, 0.05, 0.05 * 0.5 * (1 + np.cos(np.pi * 5 / 10)), 0.0]
    assert rates == pytest.approx(expected, abs=1e-7)
    cold = {key: value for key, value in warm.items() if not key.startswith("warmup")}
    with_warm_up = runner.train_one(spec(epochs=2, optimizer={"name": "sgd", "learning_rate": warm}), digits,
                                    device="cpu")  # fmt: skip
    without = runner.train_one(spec(epochs=2, optimizer={"name": "sgd", "learning_rate": cold}), digits, device="cpu")
    assert with_warm_up.status is RunStatus.FINISHED, with_warm_up.error
    assert with_warm_up.metrics["test_loss"] != without.metrics["test_loss"]
