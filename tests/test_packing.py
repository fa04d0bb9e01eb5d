"""Seed packing: a seed's run does not depend on the seeds packed beside it.

Every test trains real, tiny Keras models (digits, a few hidden units, two or
three epochs) through the packed path and compares copies against the same
seed trained alone (a pack of one), which shares no state with any other seed.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from hypolab import datasets, models
from hypolab.errors import ModelError
from hypolab.packing import model as packing_model
from hypolab.packing import (
    pack_size,
    split_packs,
    supports,
    train_pack,
    unsupported_reason,
)
from hypolab.packing.copies import CopyState
from hypolab.packing.dropout import keep_mask, mix32, mix32_numpy
from hypolab.packing.fit import epoch_order, fit_copies
from hypolab.packing.model import build_packed, plain_model
from hypolab.packing.sizing import estimate_memory
from hypolab.records import (
    DataConfig,
    Dataset,
    RunSpec,
    RunStatus,
    Task,
    TrainingConfig,
)

DATA = DataConfig(name="digits", subset=120)

MLP_DICT = {
    "model": {
        "kind": "mlp",
        "units": [8],
        "activation": "relu",
        "dropout": 0.0,
        "batch_norm": False,
    },
    "optimizer": {"name": "adam", "learning_rate": 0.01},
    "loss": "auto",
    "epochs": 2,
    "batch_size": 16,
    "early_stopping": None,
}


def _config(**changes) -> TrainingConfig:
    """``MLP_DICT`` with ``section__key=value`` (or top-level ``key=value``) changes, as a record."""
    config = {
        key: (dict(value) if isinstance(value, dict) else value)
        for key, value in MLP_DICT.items()
    }
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        target = config
        for part in path:
            target = target[part]
        target[last] = value
    return TrainingConfig.from_dict(config)


MLP = _config()


CNN = _config(
    model={
        "kind": "cnn", "units": [8], "activation": "relu", "dropout": 0.25, "batch_norm": True,
        "filters": [4], "kernel_size": 3,
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return datasets.load(DATA)


def _specs(config, seeds):
    return [
        RunSpec(
            key=f"key{seed}",
            hypothesis="packing",
            arm="arm",
            seed=seed,
            config=config,
            data=DATA,
        )
        for seed in seeds
    ]


def _fit(config, dataset, seeds):
    return fit_copies(config, dataset, [CopyState(seed=s) for s in seeds])


def _assert_same_copy(alone, k_alone, pack, k_pack, atol=1e-5):
    """Copy ``k_pack`` of ``pack`` trained exactly as copy ``k_alone`` of ``alone``."""
    a, b = alone.copies[k_alone], pack.copies[k_pack]
    assert a.history.keys() == b.history.keys()
    for name in a.history:
        np.testing.assert_allclose(
            a.history[name], b.history[name], atol=atol, err_msg=name
        )
    oa, ob = alone.outcomes[k_alone], pack.outcomes[k_pack]
    assert oa.status == ob.status
    for name, value in oa.metrics.items():
        assert ob.metrics[name] == pytest.approx(value, abs=atol), name
    wa, wb = alone.network.copy_weights(k_alone), pack.network.copy_weights(k_pack)
    for layer in wa:
        for x, y in zip(wa[layer], wb[layer]):
            np.testing.assert_allclose(x, y, atol=atol, err_msg=layer)


def test_dropout_hash_on_tensors_equals_the_numpy_reference():
    values = (
        np.random.default_rng(0)
        .integers(-(2**31), 2**31 - 1, size=4096)
        .astype(np.int32)
    )
    on_backend = keras.ops.convert_to_numpy(mix32(keras.ops.convert_to_tensor(values)))
    np.testing.assert_array_equal(on_backend, mix32_numpy(values).view(np.int32))
    assert (
        len(np.unique(mix32_numpy(np.arange(10000)))) == 10000
    )  # a bijection on 32 bits


def test_dropout_masks_keep_one_minus_rate_and_differ_by_key_and_layer():
    keys = keras.ops.convert_to_tensor(
        np.arange(200, dtype=np.int32).reshape(100, 2, 1)
    )
    positions = np.arange(500).reshape(1, 1, 500)
    mask = keras.ops.convert_to_numpy(keep_mask(keys, 1, positions, 0.3))
    assert mask.shape == (100, 2, 500)
    # 100,000 Bernoulli(0.7) draws: the mean is within 0.01 of 0.7 (about 7 sd).
    assert abs(mask.mean() - 0.7) < 0.01
    assert not np.array_equal(mask[:, 0], mask[:, 1])  # copies differ
    other_layer = keras.ops.convert_to_numpy(keep_mask(keys, 2, positions, 0.3))
    assert (
        mask != other_layer
    ).mean() > 0.3  # about 2 * 0.3 * 0.7 = 0.42 if independent


@pytest.mark.parametrize("config", [MLP, _config(model__batch_norm=True, model__dropout=0.5), CNN],
                         ids=["mlp", "mlp-bn-dropout", "cnn-bn-dropout"])  # fmt: skip
def test_packed_copies_start_as_the_plain_model_of_their_seed(config, digits):
    seeds = [3, 5, 7]
    net = build_packed(
        config, digits.input_shape, digits.num_classes, Task.CLASSIFICATION, seeds
    )
    x = digits.x_val[:16]
    packed = keras.ops.convert_to_numpy(net(x))
    assert packed.shape == (16, 3, digits.num_classes)
    for k, seed in enumerate(seeds):
        plain = plain_model(
            config, digits.input_shape, digits.num_classes, Task.CLASSIFICATION, seed
        )
        # 1e-4: GPUs multiply float32 in TF32 (about 1e-5 off); a misplaced weight is off by 1e-2.
        np.testing.assert_allclose(
            packed[:, k], keras.ops.convert_to_numpy(plain(x)), atol=1e-4
        )
        for name, weights in net.copy_weights(k).items():
            for packed_w, plain_w in zip(weights, plain.get_layer(name).get_weights()):
                np.testing.assert_array_equal(packed_w, plain_w)
        assert net.trainable_params_per_copy() == models.count_trainable(plain)


def test_seed_trains_the_same_alone_and_in_packs_of_three_and_five(digits):
    config = _config(model__dropout=0.3, model__batch_norm=True)
    alone = _fit(config, digits, [7])
    in_three = _fit(config, digits, [3, 7, 11])
    in_five = _fit(config, digits, [1, 2, 3, 11, 7])
    _assert_same_copy(alone, 0, in_three, 1)
    _assert_same_copy(alone, 0, in_five, 4)
    # An interrupted arm resumed with its remaining seeds gives what one pack gave.
    _assert_same_copy(in_three, 0, in_five, 2)
    _assert_same_copy(in_three, 2, in_five, 3)
    # The copies did learn, and differently.
    assert alone.copies[0].history["loss"][-1] < alone.copies[0].history["loss"][0]
    assert len({round(c.history["loss"][-1], 6) for c in in_five.copies}) == 5


def test_cnn_with_batch_norm_and_dropout_trains_the_same_alone_and_packed(digits):
    alone = _fit(CNN, digits, [4])
    packed = _fit(CNN, digits, [9, 4, 2])
    _assert_same_copy(alone, 0, packed, 1)


@pytest.mark.parametrize(
    "model",
    [
        {"kind": "cnn", "units": [12], "activation": "relu", "dropout": 0.2, "batch_norm": True, "filters": [3, 5],
         "kernel_size": 3},
        {"kind": "cnn", "units": [], "activation": "tanh", "dropout": 0.0, "batch_norm": False, "filters": [6],
         "kernel_size": 2},
        {"kind": "mlp", "units": [12, 5], "activation": "relu", "dropout": 0.3, "batch_norm": True},
    ],
    ids=["cnn-odd-widths-bn-dropout", "cnn-biased-even-kernel", "mlp-odd-widths-bn-dropout"],
)  # fmt: skip
def test_a_seed_alone_equals_the_seed_in_a_pack_at_widths_off_the_simd_lanes(digits, model):
    # Widths that are no multiple of the SIMD width round otherwise in a reduction across K * width
    # columns, or in an elementwise kernel's scalar tail, with K=1 than with K=2 (TensorFlow's CPU):
    # the packed layers avoid both, so a copy's numbers are bit for bit its numbers alone.
    config = _config(model=model, epochs=3)
    alone = _fit(config, digits, [6])
    _assert_same_copy(alone, 0, _fit(config, digits, [6, 1]), 0, atol=0)
    _assert_same_copy(alone, 0, _fit(config, digits, [2, 3, 6]), 2, atol=0)


def test_a_nan_in_one_cnn_copy_never_reaches_another(digits, monkeypatch):
    build_plain = packing_model.plain_model

    def poisoned(config, input_shape, num_classes, task, seed):
        model = build_plain(config, input_shape, num_classes, task, seed)
        if seed == 13:
            (kernel,) = model.get_layer("conv_0").get_weights()
            kernel[0, 0, 0, 0] = np.nan
            model.get_layer("conv_0").set_weights([kernel])
        return model

    monkeypatch.setattr(packing_model, "plain_model", poisoned)
    pack = _fit(CNN, digits, [4, 13, 6])
    assert [o.status for o in pack.outcomes] == [RunStatus.FINISHED, RunStatus.DIVERGED, RunStatus.FINISHED]
    monkeypatch.setattr(packing_model, "plain_model", build_plain)
    healthy = _fit(CNN, digits, [4, 6])
    _assert_same_copy(healthy, 0, pack, 0)
    _assert_same_copy(healthy, 1, pack, 2)


def test_gradient_clipping_and_weight_decay_stay_per_copy(digits):
    config = _config(
        optimizer={
            "name": "adamw",
            "learning_rate": 0.05,
            "weight_decay": 0.1,
            "global_clipnorm": 0.05,
        }
    )
    alone = _fit(config, digits, [5])
    packed = _fit(config, digits, [0, 5, 8])
    _assert_same_copy(alone, 0, packed, 1)
    per_variable = _config(
        optimizer={"name": "sgd", "learning_rate": 0.5, "clipnorm": 0.01}
    )
    _assert_same_copy(
        _fit(per_variable, digits, [5]), 0, _fit(per_variable, digits, [5, 0]), 0
    )


def test_early_stopping_freezes_each_copy_when_it_stops(digits):
    config = _config(
        epochs=8,
        optimizer={"name": "sgd", "learning_rate": 0.9},
        early_stopping={
            "monitor": "val_loss",
            "patience": 1,
            "min_delta": 0.0,
            "restore_best_weights": True,
        },
    )
    seeds = [0, 1, 2, 3]
    packed = _fit(config, digits, seeds)
    epochs_run = [c.epochs for c in packed.copies]
    assert min(epochs_run) < 8, epochs_run
    assert len(set(epochs_run)) > 1, (
        f"copies should stop at different epochs here: {epochs_run}"
    )
    for k, seed in enumerate(seeds):
        _assert_same_copy(_fit(config, digits, [seed]), 0, packed, k)
        outcome = packed.outcomes[k]
        best = outcome.best_epoch
        # Restored to the best epoch: the final validation loss is that epoch's.
        assert (
            outcome.metrics["val_loss"]
            == packed.copies[k].history["val_loss"][best - 1]
        )


def test_a_diverging_copy_is_recorded_and_does_not_poison_the_others(
    digits, monkeypatch
):
    build_plain = packing_model.plain_model

    def poisoned(config, input_shape, num_classes, task, seed):
        model = build_plain(config, input_shape, num_classes, task, seed)
        if (
            seed == 13
        ):  # one copy starts with a NaN weight: its loss is NaN from the first step
            kernel, bias = model.get_layer("hidden_0").get_weights()
            kernel[0, 0] = np.nan
            model.get_layer("hidden_0").set_weights([kernel, bias])
        return model

    monkeypatch.setattr(packing_model, "plain_model", poisoned)
    results = train_pack(_specs(MLP, [4, 13, 6]), digits, device="cpu")
    assert [r.status for r in results] == [
        RunStatus.FINISHED,
        RunStatus.DIVERGED,
        RunStatus.FINISHED,
    ]
    diverged = results[1]
    assert diverged.diverged_epoch == 1
    assert diverged.error == "loss became nan at epoch 1; training stopped there"
    assert diverged.epochs_run == 1
    assert set(diverged.metrics) == {
        "train_seconds",
        "epochs_run",
    }  # as the runner records it
    alone = train_pack(_specs(MLP, [4, 6]), digits, device="cpu")
    for got, want in zip([results[0], results[2]], alone):
        assert got.history.keys() == want.history.keys()
        for name in got.history:
            np.testing.assert_allclose(got.history[name], want.history[name], atol=1e-5)
        assert got.metrics["test_accuracy"] == pytest.approx(
            want.metrics["test_accuracy"], abs=1e-5
        )
        assert all(math.isfinite(v) for v in got.history["loss"])


def test_run_records_have_every_field_the_plain_runner_fills(digits):
    from hypolab import runner

    spec = _specs(MLP, [0])[0]
    plain = runner.train_one(spec, digits, device="cpu")
    epochs_seen = []
    packed = train_pack(
        _specs(MLP, [0, 1]),
        digits,
        device="cpu",
        on_epoch=lambda e, logs: epochs_seen.append((e, sorted(logs))),
    )
    record = packed[0]
    assert record.status is RunStatus.FINISHED
    assert record.metrics.keys() == plain.metrics.keys()
    assert record.history.keys() == plain.history.keys()
    assert all(len(v) == 2 for v in record.history.values())
    for field in ("key", "hypothesis", "arm", "seed", "config", "data", "epochs_run", "trainable_params",
                  "device", "backend", "best_epoch"):  # fmt: skip
        assert getattr(record, field) == getattr(plain, field), field
    assert record.versions.keys() == plain.versions.keys()
    assert record.started_at and record.finished_at and record.train_seconds > 0
    assert record.notes == (
        (
            "packed: trained as one of 2 copies of one model (seeds 0, 1); "
            "train_seconds is the pack's wall time divided by 2"
        ),
    )
    logged = ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert epochs_seen == [(1, logged), (2, logged)]
    # The same seed and data give statistically the same model either way;
    # one seed is only a sanity check that the packed run is a real run.
    assert record.metrics["test_accuracy"] > 0.2


def test_regression_packs_with_mae_and_the_same_results_alone(digits):
    rng = np.random.default_rng(0)

    def split(n):
        x = rng.normal(size=(n, 5)).astype("float32")
        return x, (x @ np.arange(1.0, 6.0)).astype("float32")

    (x_train, y_train), (x_val, y_val), (x_test, y_test) = (
        split(64),
        split(32),
        split(32),
    )
    dataset = Dataset(name="synthetic", task=Task.REGRESSION, x_train=x_train, y_train=y_train,
                      x_val=x_val, y_val=y_val, x_test=x_test, y_test=y_test, num_classes=1,
                      input_shape=(5,))  # fmt: skip
    alone = _fit(MLP, dataset, [2])
    packed = _fit(MLP, dataset, [2, 8])
    _assert_same_copy(alone, 0, packed, 0)
    assert set(packed.copies[0].history) == {"loss", "mae", "val_loss", "val_mae"}
    assert {"test_mae", "test_loss", "best_val_mae"} <= packed.outcomes[0].metrics.keys()


def test_epoch_order_depends_only_on_seed_and_epoch():
    order, keys = epoch_order(5, 2, 50)
    again, again_keys = epoch_order(5, 2, 50)
    np.testing.assert_array_equal(order, again)
    np.testing.assert_array_equal(keys, again_keys)
    assert sorted(order) == list(range(50))
    assert not np.array_equal(order, epoch_order(5, 3, 50)[0])
    assert not np.array_equal(order, epoch_order(6, 2, 50)[0])


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        (MLP, None),
        (CNN, None),
        (_config(model={"kind": "custom", "builder": "m:f", "args": {}}),
         "model.kind 'custom': a custom builder's model cannot be rebuilt with stacked weights"),
        (_config(optimizer={"name": "Adafactor", "learning_rate": 0.001}),
         "optimizer 'adafactor' updates a weight from the whole tensor, which would couple the seeds"),
    ],
    ids=["mlp", "cnn", "custom", "adafactor"],
)  # fmt: skip
def test_supports_mlp_and_cnn_and_says_why_not_otherwise(config, reason):
    assert supports(config) is (reason is None)
    assert unsupported_reason(config) == reason


def test_pack_size_is_the_whole_arm_where_memory_allows(digits):
    assert pack_size(MLP, digits, 10, "auto") == 10
    assert pack_size(MLP, digits, 10, 4) == 4
    assert pack_size(MLP, digits, 3, 8) == 3
    assert pack_size(MLP, digits, 10, 1) == 1
    per_copy, shared = estimate_memory(MLP, digits)
    assert per_copy > 0 and shared == digits.x_train.nbytes
    assert pack_size(MLP, digits, 10, "auto", memory_bytes=shared + 3 * per_copy) == 3
    assert pack_size(MLP, digits, 10, "auto", memory_bytes=0) == 1
    assert [len(p) for p in split_packs(_specs(MLP, range(7)), 3)] == [3, 3, 1]


def test_train_pack_rejects_specs_of_different_arms(digits):
    specs = _specs(MLP, [0]) + _specs(_config(batch_size=4), [1])
    with pytest.raises(
        ModelError,
        match=r"every spec must share one config and data\. Got arm 'arm' seed 1",
    ):
        train_pack(specs, digits, device="cpu")
    with pytest.raises(
        ModelError, match=r"train_pack needs distinct seeds\. Got \[0, 0\]"
    ):
        train_pack(_specs(MLP, [0, 0]), digits, device="cpu")


def test_auto_measures_a_heavy_model_once_per_device_and_packs_only_where_packing_is_not_slower(digits, monkeypatch,
                                                                                               tmp_path):
    from hypolab import probes
    from hypolab.packing import choose_pack, probe

    monkeypatch.setenv("HYPOLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(probes, "PROBE_MACS", 0)  # every model counts as heavy here (choose_pack reads it from probes)
    steps = []
    real = probe._seconds_per_step
    monkeypatch.setattr(probe, "_seconds_per_step", lambda c, d, k: steps.append(k) or real(c, d, k))
    size, why = choose_pack(CNN, digits, DATA, 6, "auto", device="cpu", memory_bytes=8 << 30)
    assert steps == [1, 6] and size in (1, 6)
    assert why.startswith(f"auto: {size} seed") and "6 copies" in why and "one copy" in why
    assert [p.size for p in probes.recorded(CNN, DATA)] == [size]
    again = choose_pack(CNN, digits, DATA, 6, "auto", device="cpu", memory_bytes=8 << 30)
    assert steps == [1, 6] and again[0] == size and "(measured 20" in again[1]  # from the cache, not measured again
    # Where packing measures slower per seed than one copy, auto trains one seed per model.
    monkeypatch.setattr(probe, "_seconds_per_step", lambda c, d, k: 0.01 * k * 1.2 if k > 1 else 0.01)
    slow, why = choose_pack(CNN, digits, DATA, 6, "auto", device="gpu:0 (test)", memory_bytes=8 << 30)
    assert slow == 1 and why.startswith("auto: 1 seed per model, measured on gpu:0 (test)")
    assert [p.device for p in probes.recorded(CNN, DATA)] == ["cpu", "gpu:0 (test)"]
    assert choose_pack(MLP, digits, DATA, 6, 3, device="cpu", memory_bytes=0) == (3, None)  # asked for: no measuring


def test_auto_s_measurement_changes_no_result(digits, monkeypatch, tmp_path):
    from hypolab import probes
    from hypolab.packing import choose_pack, probe

    before = _fit(CNN, digits, [4, 9])
    monkeypatch.setenv("HYPOLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(probes, "PROBE_MACS", 0)  # measure this model
    steps = []
    real = probe._seconds_per_step
    monkeypatch.setattr(probe, "_seconds_per_step", lambda c, d, k: steps.append(k) or real(c, d, k))
    choose_pack(CNN, digits, DATA, 2, "auto", device="cpu", memory_bytes=8 << 30)
    assert steps == [1, 2]  # it did measure, in this process, between the two trainings
    after = _fit(CNN, digits, [4, 9])
    _assert_same_copy(before, 0, after, 0, atol=0)
    _assert_same_copy(before, 1, after, 1, atol=0)
