"""The packed engine with issue 15's settings: listed Keras metrics per copy, schedules, ReduceLROnPlateau
with per-copy learning rates, regression in the data's units, copies saved as plain models. Real Keras, tiny data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import keras
import numpy as np
import pytest

from factories import TINY_CONFIG
from hypolab import datasets, packing
from hypolab.packing.copies import CopyState, PlateauRule
from hypolab.packing.fit import compile_packed
from hypolab.packing.model import build_packed
from hypolab.packing.objective import set_copy_rates
from hypolab.plan import COUPLING_OPTIMIZERS, PER_COPY_RATE_OPTIMIZERS, engine_for, unsupported_reason
from hypolab.records import DataConfig, Engine, ReduceLROnPlateauSettings, RunSpec, RunStatus, TrainingConfig
from hypolab.hypothesis.vocabulary import OPTIMIZERS

ROOT = Path(__file__).resolve().parent.parent
DIGITS = DataConfig(name="digits", subset=100, fingerprint="digits")
DIABETES = DataConfig(name=str(ROOT / "hypotheses" / "data" / "diabetes.csv"), target="progression",
                      task="regression", fingerprint="sha256:test")  # fmt: skip
PLATEAU = {"monitor": "val_loss", "factor": 0.5, "patience": 1, "min_delta": 0.02, "cooldown": 1, "min_lr": 0.0}


def config(**changes) -> TrainingConfig:
    return TrainingConfig.from_dict({**TINY_CONFIG, **changes})


def specs(cfg, seeds, data=DIGITS):
    return [RunSpec(key=f"k{s}", hypothesis="h", arm="a", seed=s, config=cfg, data=data) for s in seeds]


@pytest.fixture(scope="module")
def digits():
    return datasets.load(DIGITS)


def _same(a, b, atol=1e-5):
    assert a.status is b.status and a.history.keys() == b.history.keys()
    for name in a.history:
        np.testing.assert_allclose(a.history[name], b.history[name], atol=atol, err_msg=name)
    for name, value in a.metrics.items():
        if name != "train_seconds":
            assert b.metrics[name] == pytest.approx(value, abs=atol), name


def test_listed_metrics_and_plateaus_are_per_copy_so_a_seed_trains_the_same_alone_and_packed(digits):
    cfg = config(epochs=4, metrics=[{"name": "auc"}, {"name": "f1_score", "average": "macro", "as": "f1"}],
                 reduce_lr_on_plateau=PLATEAU)  # fmt: skip
    pack = packing.train_pack(specs(cfg, [0, 1, 2]), digits, device="cpu")
    alone = packing.train_pack(specs(cfg, [1]), digits, device="cpu")
    _same(alone[0], pack[1])
    for result in pack:
        assert result.status is RunStatus.FINISHED, result.error
        assert {"auc", "val_auc", "f1", "val_f1", "learning_rate"} <= set(result.history)
        assert result.metrics["best_val_auc"] == max(result.history["val_auc"])
        assert "test_f1" in result.metrics
    # Each copy's rate follows its own validation loss (Keras's rule: below).
    rates = [tuple(r.history["learning_rate"]) for r in pack]
    assert all(r[0] == pytest.approx(0.01) for r in rates) and any(min(r) < 0.01 for r in rates)


def test_the_plateau_rule_is_kerass_reduce_lr_on_plateau():
    values = [1.0, 0.99, 0.98, 1.2, 0.5, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56]
    settings = ReduceLROnPlateauSettings(monitor="val_loss", factor=0.5, patience=2, min_delta=0.05, cooldown=1,
                                         min_lr=0.002)  # fmt: skip
    keras_rates = []
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.04), loss="mse")
    callback = keras.callbacks.ReduceLROnPlateau(**{f: getattr(settings, f) for f in
                                                    ("monitor", "factor", "patience", "min_delta", "cooldown",
                                                     "min_lr")})  # fmt: skip
    callback.set_model(model)
    callback.on_train_begin()
    # The packed engine starts each copy at the float32 rate Keras keeps in its variable.
    copy, rule = CopyState(seed=0, learning_rate=float(np.float32(0.04))), PlateauRule.from_config(settings)
    ours = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        keras_rates.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
        copy.lower_rate({"val_loss": value}, rule)
        ours.append(copy.learning_rate)
    assert ours == keras_rates and len(set(ours)) >= 3  # lowered at least twice, cooldown and min_delta included


#: Optimizers checked in the default suite (weight decay, momentum, both moment kinds); the rest are slow.
_QUICK = ("adam", "adamw", "sgd")


@pytest.mark.parametrize("optimizer", [o if o in _QUICK else pytest.param(o, marks=pytest.mark.slow)
                                       for o in sorted(PER_COPY_RATE_OPTIMIZERS)], ids=str)  # fmt: skip
def test_each_copy_steps_with_its_own_learning_rate(optimizer, digits):
    rates = (0.02, 0.005)

    def trained(cfg, seeds, per_copy=None):
        net = build_packed(cfg, digits.input_shape, digits.num_classes, digits.task, seeds, x_train=digits.x_train)
        compile_packed(net, cfg, digits, "sparse_categorical_crossentropy", steps_per_epoch=4)
        if per_copy is not None:
            set_copy_rates(net.optimizer, per_copy)
        n = len(digits.y_train)
        index = np.stack([np.arange(n)] * len(seeds), axis=1)
        net.fit({"index": index, "keys": np.zeros_like(index)}, digits.y_train[index], batch_size=32, epochs=1,
                shuffle=False, verbose=0)  # fmt: skip
        return net

    def cfg(rate, plateau):
        return config(optimizer={"name": optimizer, "learning_rate": rate},
                      reduce_lr_on_plateau=PLATEAU if plateau else None)  # fmt: skip

    both = trained(cfg(0.01, True), [0, 1], per_copy=rates)
    for k, rate in enumerate(rates):
        alone = trained(cfg(rate, False), [k, k + 7])  # copy 0 is seed k, its twin any other seed
        for layer, arrays in both.copy_weights(k).items():
            for got, want in zip(arrays, alone.copy_weights(0)[layer]):
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=f"{optimizer} {layer}")


def test_per_copy_rates_cover_every_optimizer_that_packs():
    packs = [name for name in OPTIMIZERS if name not in COUPLING_OPTIMIZERS]
    assert sorted(packs) == sorted(PER_COPY_RATE_OPTIMIZERS)
    plateau = config(reduce_lr_on_plateau=PLATEAU)
    assert engine_for(plateau) is Engine.PACKED
    lamb = dataclasses.replace(plateau, optimizer=dataclasses.replace(plateau.optimizer, name="lamb"))
    assert engine_for(lamb) is Engine.KERAS_FIT and "lamb" in unsupported_reason(lamb)


def test_a_schedule_packs_as_the_step_count_every_copy_shares(digits):
    schedule = {"schedule": "exponential_decay", "initial_learning_rate": 0.05, "decay_steps": 2, "decay_rate": 0.3}
    cfg = config(epochs=2, optimizer={"name": "sgd", "learning_rate": schedule})
    pack = packing.train_pack(specs(cfg, [0, 1]), digits, device="cpu")
    alone = packing.train_pack(specs(cfg, [1]), digits, device="cpu")
    _same(alone[0], pack[1])
    constant = packing.train_pack(specs(config(epochs=2, optimizer={"name": "sgd", "learning_rate": 0.05}), [1]),
                                  digits, device="cpu")  # fmt: skip
    assert constant[0].metrics["loss"] != pytest.approx(alone[0].metrics["loss"], abs=1e-4)


def test_regression_copies_report_the_data_units_and_save_as_models_that_predict_them(tmp_path):
    diabetes = datasets.load(DIABETES)
    cfg = config(epochs=3, metrics=[{"name": "r2_score"}])
    results = packing.train_pack_in(packing_environment(), specs(cfg, [0, 1], DIABETES), diabetes,
                                    models_dir=tmp_path)  # fmt: skip
    for result in results:
        assert result.status is RunStatus.FINISHED, result.error
        model = keras.models.load_model(result.model_path)
        predicted = model.predict(diabetes.x_test, verbose=0)[:, 0]
        assert result.metrics["test_mae"] == pytest.approx(float(np.mean(np.abs(predicted - diabetes.y_test))), rel=1e-4)
        residual = np.sum((diabetes.y_test - predicted) ** 2)
        total = np.sum((diabetes.y_test - diabetes.y_test.mean()) ** 2)
        assert result.metrics["test_r2_score"] == pytest.approx(1 - residual / total, abs=1e-4)
        assert result.metrics["mae"] > 10  # in the data's units (its sd is about 77)


def test_a_saved_copy_is_its_plain_model_with_the_recorded_accuracy(digits, tmp_path):
    results = packing.train_pack_in(packing_environment(), specs(config(epochs=2), [3, 4]), digits, models_dir=tmp_path)
    for result in results:
        model = keras.models.load_model(tmp_path / f"{result.key}.keras")
        accuracy = float(np.mean(np.argmax(model.predict(digits.x_test, verbose=0), axis=1) == digits.y_test))
        assert accuracy == pytest.approx(result.metrics["test_accuracy"], abs=1e-9)


def packing_environment():
    from hypolab.device import prepare

    return prepare("cpu")
