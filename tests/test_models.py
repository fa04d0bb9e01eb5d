"""hypolab.models: the mlp/cnn layer order, custom builders, optimizers, losses, metrics."""

from __future__ import annotations

import itertools
import sys
import textwrap
from dataclasses import replace

import keras
import numpy as np
import pytest

from hypolab import datasets, models
from hypolab.errors import ModelError
from hypolab.records import (
    CnnConfig,
    CustomConfig,
    DataConfig,
    MlpConfig,
    OptimizerSettings,
    TrainingConfig,
)

MLP = MlpConfig(units=(16, 8), activation="relu", dropout=0.0, batch_norm=False)
CNN = CnnConfig(filters=(4, 6), kernel_size=3, units=(8,), activation="relu", dropout=0.0, batch_norm=False)


def _adam(learning_rate=0.001, **args):
    return OptimizerSettings(name="adam", learning_rate=learning_rate, args=args)


def _layers(model):
    return [(type(layer).__name__, layer.name) for layer in model.layers]


def test_mlp_layer_order_names_and_sizes():
    config = replace(MLP, dropout=0.25, batch_norm=True, activation="tanh")
    model = models.build(config, (8, 8, 1), 10, "classification")
    assert _layers(model) == [
        ("InputLayer", "input"),
        ("Flatten", "flatten"),
        ("Dense", "hidden_0"),
        ("BatchNormalization", "hidden_0_bn"),
        ("Dropout", "hidden_0_dropout"),
        ("Dense", "hidden_1"),
        ("BatchNormalization", "hidden_1_bn"),
        ("Dropout", "hidden_1_dropout"),
        ("Dense", "output"),
    ]
    assert model.get_layer("hidden_0").activation is keras.activations.tanh
    assert model.get_layer("hidden_0_dropout").rate == 0.25
    assert model.get_layer("output").activation is keras.activations.softmax
    assert model.output_shape == (None, 10)
    # Dense 64*16+16, BN gamma/beta 2*16, Dense 16*8+8, BN 2*8, output 8*10+10.
    assert models.count_trainable(model) == 1040 + 32 + 136 + 16 + 90


def test_mlp_without_batch_norm_or_dropout_has_neither():
    model = models.build(MLP, (64,), 3, "classification")
    assert [name for _, name in _layers(model)] == [
        "input", "flatten", "hidden_0", "hidden_1", "output",
    ]  # fmt: skip
    assert model.output_shape == (None, 3)


def test_regression_output_is_one_linear_unit():
    model = models.build(replace(MLP, units=()), (5,), 1, "regression")
    output = model.get_layer("output")
    assert model.output_shape == (None, 1)
    assert output.activation is keras.activations.linear


def test_cnn_layer_order_and_pooling_never_shrinks_below_one():
    config = replace(CNN, filters=(4, 4, 4, 4), batch_norm=True, dropout=0.1)
    model = models.build(config, (8, 8, 1), 10, "classification")
    names = [name for _, name in _layers(model)]
    block = ["conv_{j}", "conv_{j}_bn", "conv_{j}_act", "conv_{j}_pool", "conv_{j}_dropout"]
    expected = ["input"] + [n.format(j=j) for j in range(3) for n in block]
    # 8 -> 4 -> 2 -> 1: the fourth block has nothing left to pool.
    expected += ["conv_3", "conv_3_bn", "conv_3_act", "conv_3_dropout"]
    expected += ["flatten", "hidden_0", "hidden_0_bn", "hidden_0_dropout", "output"]
    assert names == expected
    assert model.get_layer("conv_0").padding == "same"
    assert model.get_layer("conv_0").kernel_size == (3, 3)
    assert model.get_layer("conv_0").activation is keras.activations.linear
    assert model.get_layer("conv_3").output.shape == (None, 1, 1, 4)


def test_cnn_convolutions_have_a_bias_only_without_batch_norm():
    # A bias right before a batch norm gets no gradient (the norm's beta takes its role).
    with_norm = models.build(replace(CNN, batch_norm=True), (8, 8, 1), 10, "classification")
    without = models.build(CNN, (8, 8, 1), 10, "classification")
    assert [with_norm.get_layer(f"conv_{j}").use_bias for j in (0, 1)] == [False, False]
    assert [without.get_layer(f"conv_{j}").use_bias for j in (0, 1)] == [True, True]
    assert with_norm.get_layer("hidden_0").use_bias  # an activation stands between a Dense layer and its norm


def test_cnn_pools_only_the_sides_that_are_at_least_two():
    model = models.build(replace(CNN, filters=(2, 2)), (1, 6, 3), 2, "classification")
    assert model.get_layer("conv_0_pool").pool_size == (1, 2)
    assert model.get_layer("conv_1_pool").output.shape == (None, 1, 1, 2)


def test_cnn_on_tabular_input_says_what_it_needs():
    with pytest.raises(
        ModelError,
        match=r"model\.kind 'cnn' needs image input of shape \(height, width, channels\)\. "
        r"Got examples of shape \(64,\) instead\. Use kind 'mlp'",
    ):
        models.build(CNN, (64,), 10, "classification")


def test_build_takes_the_model_record_not_a_dict():
    with pytest.raises(
        ModelError,
        match=r"model must be the record of one of the kinds mlp, cnn, custom \(hypolab\.records\.MlpConfig, "
        r"CnnConfig, CustomConfig\)\. Got dict instead",
    ):
        models.build(MLP.to_dict(), (4,), 2, "classification")


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"activation": "relux"}, r"model\.activation must be a Keras activation name \(celu, .*\)\. Got 'relux' instead\. Did you mean 'relu'\?"),
        ({"units": [16, 0]}, r"model\.units must be a list of positive integers, e\.g\. \[64, 32\]\. Got \[16, 0\] instead"),
        ({"units": 16}, r"model\.units must be a list of positive integers.* Got 16 instead"),
        ({"filters": [4.5]}, r"model\.filters must be a list of positive integers.* Got \[4\.5\] instead"),
        ({"kernel_size": 0}, r"model\.kernel_size must be a positive integer\. Got 0 instead"),
        ({"dropout": 1.0}, r"model\.dropout must be a number in \[0, 1\)\. Got 1\.0 instead"),
        ({"batch_norm": "yes"}, r"model\.batch_norm must be true or false\. Got 'yes' instead"),
        ({"activation": None}, r"model\.activation must be a Keras activation name .* Got None instead"),
    ],
    ids=["activation", "zero-units", "units-not-list", "float-filters", "kernel", "dropout", "batch-norm",
         "activation-none"],
)  # fmt: skip
def test_bad_settings_are_named(change, pattern):
    with pytest.raises(ModelError, match=pattern):
        models.build(replace(CNN, **change), (8, 8, 1), 10, "classification")


def test_units_given_as_a_list_build_the_same_model():
    model = models.build(MlpConfig(units=[4], activation="relu", dropout=0.0, batch_norm=False), (3,), 2,
                         "classification")  # fmt: skip
    assert [name for _, name in _layers(model)] == ["input", "flatten", "hidden_0", "output"]


# -- custom builders ------------------------------------------------------------------------

_counter = itertools.count()


@pytest.fixture
def builder_module(tmp_path):
    """A writer of modules into tmp_path under fresh names, and tmp_path as base_dir."""
    written = []

    def write(source):
        name = f"hl_custom_models_{next(_counter)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        written.append(name)
        return name

    yield write, tmp_path
    for name in written:
        sys.modules.pop(name, None)


GOOD = """
    import keras

    def build(input_shape, num_classes, width=4):
        inputs = keras.Input(shape=input_shape)
        x = keras.layers.Flatten()(inputs)
        x = keras.layers.Dense(width, activation="relu", name="mine")(x)
        return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))

    def wrong_outputs(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        return keras.Model(inputs, keras.layers.Dense(num_classes + 1)(keras.layers.Flatten()(inputs)))

    def not_a_model(input_shape, num_classes):
        return "a model"

    def broken(input_shape, num_classes):
        raise RuntimeError("out of ideas")

    NOT_CALLABLE = 3
"""


def test_custom_builder_is_imported_from_base_dir_and_gets_args(builder_module):
    write, base = builder_module
    module = write(GOOD)
    config = CustomConfig(builder=f"{module}:build", args={"width": 7})
    model = models.build(config, (8, 8, 1), 10, "classification", base_dir=base)
    assert model.get_layer("mine").units == 7
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize(
    ("target", "pattern"),
    [
        ("not-a-spec", r"model\.builder must look like 'module:function'.* Got 'not-a-spec' instead"),
        ("hl_no_such_module_xyz:build", r"cannot import module 'hl_no_such_module_xyz': ModuleNotFoundError"),
        ("{m}:buidl", r"module '{m}' has no function 'buidl'\. Did you mean 'build'\?"),
        ("{m}:NOT_CALLABLE", r"module '{m}' has no function 'NOT_CALLABLE'\. It defines: broken, build"),
        ("{m}:not_a_model", r"must return a keras\.Model\. Got str instead"),
        ("{m}:broken", r"raised RuntimeError: out of ideas \(called as broken\(input_shape=\(8, 8, 1\), num_classes=10"),
        ("{m}:wrong_outputs", r"returned a model with 11 outputs per example; the classification task needs 10"),
    ],
    ids=["malformed", "no-module", "typo", "not-callable", "not-a-model", "raises", "wrong-outputs"],
)  # fmt: skip
def test_custom_builder_errors(builder_module, target, pattern):
    write, base = builder_module
    module = write(GOOD)
    config = CustomConfig(builder=target.format(m=module), args={})
    with pytest.raises(ModelError, match=pattern.format(m=module)):
        models.build(config, (8, 8, 1), 10, "classification", base_dir=base)


def test_custom_builder_module_that_fails_at_import(builder_module):
    write, base = builder_module
    module = write("raise ImportError('needs torch')\n")
    with pytest.raises(
        ModelError, match=rf"cannot import module '{module}': ImportError: needs torch\. Expected"
    ):
        models.build(
            CustomConfig(builder=f"{module}:b", args={}), (2,), 2, "classification", base_dir=base
        )


# -- optimizer, loss, metrics ---------------------------------------------------------------


def test_make_optimizer_passes_arguments_and_is_fresh_each_time():
    a = models.make_optimizer(OptimizerSettings(name="SGD", learning_rate=0.1, args={"momentum": 0.9}))
    b = models.make_optimizer(OptimizerSettings(name="sgd", learning_rate=0.1, args={"momentum": 0.9}))
    assert isinstance(a, keras.optimizers.SGD) and a is not b
    assert float(a.learning_rate) == pytest.approx(0.1) and a.momentum == 0.9
    # YAML's `learning_rate: 1` is an int, which Keras itself would reject.
    assert float(models.make_optimizer(_adam(learning_rate=1)).learning_rate) == 1.0


@pytest.mark.parametrize(
    ("config", "pattern"),
    [
        (OptimizerSettings(name="adamm", learning_rate=0.001, args={}), r"optimizer\.name must be a Keras optimizer: adadelta, .*Got 'adamm' instead\. Did you mean 'adam'\?"),
        (_adam(lr=0.1), r"optimizer: Adam takes no argument 'lr'\. Expected one of: learning_rate, .* Did you mean 'learning_rate'\?"),
        (_adam(beta1=0.8), r"Adam takes no argument 'beta1'\..* Did you mean 'beta_1'\?"),
        (OptimizerSettings(name="sgd", learning_rate=0.01, args={"momentum": 2.0}), r"optimizer: SGD\(learning_rate=0\.01, momentum=2\.0\) failed: `momentum` must be a float between \[0, 1\]"),
        (_adam(learning_rate="fast"), r"Adam\(learning_rate='fast'\) failed: Argument `learning_rate` should be float"),
    ],
    ids=["unknown-name", "keras2-alias", "typo", "bad-value", "bad-type"],
)  # fmt: skip
def test_make_optimizer_errors(config, pattern):
    with pytest.raises(ModelError, match=pattern):
        models.make_optimizer(config)


def test_loss_for_and_metrics_for():
    assert models.loss_for("auto", "classification") == "sparse_categorical_crossentropy"
    assert models.loss_for("auto", "regression") == "mse"
    assert models.loss_for("huber", "regression") == "huber"
    assert models.metrics_for("classification") == ["accuracy"]
    assert models.metrics_for("regression") == ["mae"]
    with pytest.raises(ModelError, match=r"loss must be 'auto' or a Keras loss name .* Got 'msee'"):
        models.loss_for("msee", "regression")


def test_check_config_fails_before_training():
    config = TrainingConfig(model=MLP, optimizer=_adam(lr=0.1), loss="auto", epochs=1, batch_size=8, early_stopping=None)
    with pytest.raises(ModelError, match="takes no argument 'lr'"):
        models.check_config(config, (4,), 2, "classification")


# -- real training --------------------------------------------------------------------------


def _fit(config, ds, seed, epochs):
    keras.utils.set_random_seed(seed)
    model = models.build(config, ds.input_shape, ds.num_classes, ds.task)
    model.compile(
        optimizer=models.make_optimizer(_adam(learning_rate=0.01)),
        loss=models.loss_for("auto", ds.task),
        metrics=models.metrics_for(ds.task),
    )
    history = model.fit(
        ds.x_train, ds.y_train, validation_data=(ds.x_val, ds.y_val),
        epochs=epochs, batch_size=32, verbose=0,
    )  # fmt: skip
    return model, history.history


def test_mlp_learns_digits_and_the_same_seed_gives_the_same_numbers():
    ds = datasets.load(DataConfig(name="digits", subset=300))
    config = replace(MLP, units=(32,), dropout=0.1)
    _, first = _fit(config, ds, seed=3, epochs=5)
    _, again = _fit(config, ds, seed=3, epochs=5)
    _, other = _fit(config, ds, seed=4, epochs=1)
    assert first["val_accuracy"][-1] > 0.75  # chance is 0.1
    assert first == again
    assert first["loss"][0] != other["loss"][0]


def test_cnn_trains_on_digits():
    ds = datasets.load(DataConfig(name="digits", subset=300))
    model, history = _fit(replace(CNN, filters=(8, 8), batch_norm=True), ds, seed=0, epochs=4)
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    # Training accuracy: after 40 steps BatchNormalization's moving statistics
    # (momentum 0.99) still lag, so inference-mode accuracy is not yet meaningful.
    assert history["accuracy"][-1] > 0.6  # chance is 0.1
    assert model.get_layer("conv_1_pool").output.shape == (None, 2, 2, 8)


def test_regression_mlp_fits_a_linear_target(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    np.savez(tmp_path / "lin.npz", x_train=x, y_train=x @ np.array([1.0, -2.0, 0.5]) + 3.0)
    ds = datasets.load(DataConfig(name=str(tmp_path / "lin.npz")))
    _, history = _fit(replace(MLP, units=(16,)), ds, seed=0, epochs=8)
    assert set(history) == {"loss", "mae", "val_loss", "val_mae"}
    assert history["val_mae"][-1] < 0.5 * history["val_mae"][0]


# -- backend independence -------------------------------------------------------------------

_BACKEND_SCRIPT = """
import keras
from hypolab import datasets, models
from hypolab.records import CnnConfig, DataConfig, MlpConfig, OptimizerSettings

ds = datasets.load(DataConfig(name="digits", subset=100))
for model_config in ({mlp}, {cnn}):
    keras.utils.set_random_seed(0)
    model = models.build(model_config, ds.input_shape, ds.num_classes, ds.task)
    model.compile(optimizer=models.make_optimizer(OptimizerSettings(name="adam", learning_rate=0.001, args={{}})),
                  loss=models.loss_for("auto", ds.task), metrics=models.metrics_for(ds.task))
    history = model.fit(ds.x_train, ds.y_train, epochs=1, batch_size=50, verbose=0)
    print(keras.backend.backend(), model.name, models.count_trainable(model), len(history.history["loss"]))
"""


def test_models_and_datasets_never_import_tensorflow():
    import ast
    from pathlib import Path

    root = Path(models.__file__).parent.parent
    for path in [*(root / "models").glob("*.py"), *(root / "datasets").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in getattr(node, "names", [])] + [getattr(node, "module", "")]
            assert not any((n or "").split(".")[0] == "tensorflow" for n in names), path


@pytest.mark.slow
def test_builders_run_on_the_jax_backend(tmp_path):
    """A fresh process on KERAS_BACKEND=jax (the GPU machine has no TensorFlow)."""
    import os
    import subprocess

    pytest.importorskip("jax")
    cnn = replace(CNN, batch_norm=True, dropout=0.1)
    script = _BACKEND_SCRIPT.format(mlp=repr(MLP), cnn=repr(cnn))
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
        cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    tf_model = models.build(MLP, (8, 8, 1), 10, "classification")
    tf_cnn = models.build(cnn, (8, 8, 1), 10, "classification")
    assert out.stdout.split("\n")[:2] == [
        f"jax mlp {models.count_trainable(tf_model)} 1",
        f"jax cnn {models.count_trainable(tf_cnn)} 1",
    ]
