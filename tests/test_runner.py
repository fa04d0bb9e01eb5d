"""train_one: real, tiny Keras runs on digits; seeded, recorded, never crashing the test."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
from factories import TINY_CONFIG, training_config

from hypolab import datasets, runner
from hypolab.errors import DeviceError
from hypolab.records import DataConfig, RunSpec, RunStatus

DATA = DataConfig(name="digits", subset=120)


@pytest.fixture(scope="module")
def digits():
    return datasets.load(DATA)


def make_spec(seed: int = 0, *, arm: str = "control", key: str | None = None, **changes) -> RunSpec:
    return RunSpec(key=key or f"key-{arm}-{seed}", hypothesis="tiny", arm=arm, seed=seed,
                   config=training_config(**changes), data=DATA)  # fmt: skip


def without_timing(metrics: dict) -> dict:
    return {name: value for name, value in metrics.items() if name != "train_seconds"}


def test_same_seed_and_config_give_identical_numbers_on_cpu(digits):
    first = runner.train_one(make_spec(seed=3, model={**TINY_CONFIG["model"], "dropout": 0.0}), digits, device="cpu")
    second = runner.train_one(make_spec(seed=3), digits, device="cpu")
    assert first.status is RunStatus.FINISHED
    assert first.history == second.history
    assert without_timing(first.metrics) == without_timing(second.metrics)


def test_different_seeds_give_different_numbers(digits):
    seed0 = runner.train_one(make_spec(seed=0), digits, device="cpu")
    seed1 = runner.train_one(make_spec(seed=1), digits, device="cpu")
    assert seed0.history["loss"] != seed1.history["loss"]


def test_dropout_is_seeded_too(digits):
    spec = make_spec(seed=5, model={**TINY_CONFIG["model"], "dropout": 0.5})
    assert runner.train_one(spec, digits, device="cpu").history == runner.train_one(spec, digits, device="cpu").history


def test_finished_run_records_every_field(digits):
    epochs_seen = []
    result = runner.train_one(make_spec(seed=0), digits, device="cpu", on_epoch=lambda e, logs: epochs_seen.append((e, sorted(logs))))
    assert result.status is RunStatus.FINISHED and result.error is None
    assert epochs_seen == [(1, ["accuracy", "loss", "val_accuracy", "val_loss"]), (2, ["accuracy", "loss", "val_accuracy", "val_loss"])]
    assert sorted(result.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == 2 for values in result.history.values())
    assert set(result.metrics) == {
        "loss", "accuracy", "val_loss", "val_accuracy", "best_val_loss", "best_val_accuracy",
        "test_loss", "test_accuracy", "train_seconds", "epochs_run",
    }  # fmt: skip
    assert result.metrics["accuracy"] == result.history["accuracy"][-1]
    assert result.metrics["best_val_accuracy"] == max(result.history["val_accuracy"])
    assert 0.0 <= result.metrics["test_accuracy"] <= 1.0
    assert result.epochs_run == 2 and result.metrics["epochs_run"] == 2.0
    assert result.best_epoch == 1 + int(np.argmin(result.history["val_loss"]))
    assert result.trainable_params == 64 * 8 + 8 + 8 * 10 + 10
    assert result.train_seconds > 0 and result.metrics["train_seconds"] == result.train_seconds
    assert (result.device, result.backend) == ("cpu", "tensorflow")
    assert set(result.versions) == {"hypolab", "keras", "tensorflow", "python", "numpy"}
    started, finished = (datetime.fromisoformat(t) for t in (result.started_at, result.finished_at))
    assert started.utcoffset().total_seconds() == 0 and started <= finished
    assert (result.key, result.arm, result.seed) == ("key-control-0", "control", 0)
    # The data config as planned, plus the split sizes the run actually saw (for the report).
    assert result.data == {**DATA.to_dict(), "sizes": digits.sizes}


def test_the_test_split_is_never_trained_or_validated_on(digits):
    spec = make_spec(early_stopping={"monitor": "val_loss", "patience": 1, "min_delta": 0.0, "restore_best_weights": True})
    poisoned = replace(digits, x_test=np.full_like(digits.x_test, np.nan), y_test=np.zeros_like(digits.y_test))
    clean = runner.train_one(spec, digits, device="cpu")
    result = runner.train_one(spec, poisoned, device="cpu")
    assert result.status is RunStatus.FINISHED
    assert result.history == clean.history  # training and early stopping never saw the test split
    assert result.metrics["test_accuracy"] != clean.metrics["test_accuracy"]  # but the evaluation did


def test_early_stopping_reports_the_restored_epoch(digits):
    stopping = {"monitor": "val_accuracy", "patience": 1, "min_delta": 0.5, "restore_best_weights": True}
    result = runner.train_one(make_spec(seed=0, epochs=6, early_stopping=stopping), digits, device="cpu")
    assert result.epochs_run < 6  # no epoch improves val_accuracy by 0.5
    assert result.best_epoch == 1
    assert result.metrics["val_accuracy"] == result.history["val_accuracy"][0]


def test_a_diverging_run_is_recorded_with_its_epoch(digits):
    result = runner.train_one(make_spec(optimizer={"name": "sgd", "learning_rate": 1e20}, epochs=3), digits, device="cpu")
    assert result.status is RunStatus.DIVERGED
    assert result.diverged_epoch == 1 and result.epochs_run == 1
    assert result.error == "loss became nan at epoch 1; training stopped there"
    assert "test_accuracy" not in result.metrics


def test_a_broken_custom_builder_is_recorded_as_failed(digits, tmp_path, monkeypatch):
    (tmp_path / "brokenmodels.py").write_text(textwrap.dedent("""
        def build(input_shape, num_classes, width):
            raise ValueError(f"width {width} is too small")
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = make_spec(model={"kind": "custom", "builder": "brokenmodels:build", "args": {"width": 0}})
    result = runner.train_one(spec, digits, device="cpu")
    assert result.status is RunStatus.FAILED
    assert result.error.startswith("ModelError: model.builder 'brokenmodels:build' raised ValueError: width 0 is too small")
    assert result.epochs_run == 0 and result.device == "cpu"
    sys.modules.pop("brokenmodels", None)


def test_an_error_during_fit_is_recorded_as_failed(digits):
    tiny = replace(digits, x_train=digits.x_train[:, :4])  # the model expects 8x8 inputs
    result = runner.train_one(make_spec(), tiny, device="cpu")
    assert result.status is RunStatus.FAILED
    assert "expected" in result.error.lower() or "incompatible" in result.error.lower()


def test_tensorboard_logs_one_folder_per_run_with_hparams(digits, tmp_path):
    runner.train_one(make_spec(seed=2, arm="batch 4", key="abcdef0123456789"), digits, device="cpu", tensorboard_dir=tmp_path)
    run_dir = tmp_path / "tiny" / "batch_4-seed2-abcdef01"
    assert (run_dir / "train").is_dir() and (run_dir / "validation").is_dir()
    hparams_event = next(run_dir.glob("events.out.tfevents.*")).read_bytes()
    assert b"batch 4" in hparams_event and b"optimizer.learning_rate" in hparams_event


def test_asking_for_a_gpu_without_one_is_a_clear_error():
    if runner.prepare_device("auto") != "cpu":
        pytest.skip("a GPU is visible here")
    with pytest.raises(DeviceError, match=r"--device gpu: no GPU is visible to the tensorflow backend\. Expected a CUDA GPU"):
        runner.prepare_device("gpu")
