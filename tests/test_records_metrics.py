"""The tables of Keras metrics and schedules, checked against Keras itself; metric directions; the new config keys."""

from __future__ import annotations

import inspect
import json

import keras
import pytest

from hypolab.records import MetricSpec, TrainingConfig, higher_is_better
from hypolab.records.arguments import ArgumentType
from hypolab.records.metrics import ALWAYS_RECORDED, KERAS_METRICS
from hypolab.records.schedules import SCHEDULES

#: Values that satisfy each argument type, to build every metric and schedule once.
SAMPLE = {ArgumentType.INTEGER: 2, ArgumentType.NUMBER: 0.5, ArgumentType.BOOLEAN: True}


def _required(arguments):
    out = {}
    for name, argument in arguments.items():
        if argument.required:
            out[name] = SAMPLE.get(argument.type, [1, 2])
    return out


@pytest.mark.parametrize("name", sorted(KERAS_METRICS), ids=str)
def test_every_metric_is_the_keras_metric_of_that_name_with_its_arguments_and_direction(name):
    entry = KERAS_METRICS[name]
    cls = getattr(keras.metrics, entry.keras_class)
    required = _required(entry.arguments)
    if required:
        # Keras knows the name, and says which arguments it cannot do without.
        with pytest.raises(TypeError) as caught:
            keras.metrics.get(name)
        assert all(arg in str(caught.value) for arg in required)
    else:
        assert isinstance(keras.metrics.get(name), cls)
    parameters = inspect.signature(cls.__init__).parameters
    for argument in entry.arguments:
        assert argument in parameters, (name, argument)
    for argument, spec in parameters.items():
        if spec.default is inspect.Parameter.empty and argument not in ("self", "kwargs"):
            assert argument in required, (name, argument)  # a required Keras argument is required here too
    metric = cls(**required)
    direction = getattr(metric, "_direction", None)
    if direction is not None:
        assert entry.higher_is_better is (direction == "up"), name
    assert higher_is_better(f"test_{name}") is entry.higher_is_better
    assert higher_is_better(f"best_val_{name}") is entry.higher_is_better


@pytest.mark.parametrize("name", sorted(SCHEDULES), ids=str)
def test_every_schedule_is_the_keras_schedule_with_its_arguments(name):
    entry = SCHEDULES[name]
    cls = getattr(keras.optimizers.schedules, entry.keras_class)
    parameters = inspect.signature(cls.__init__).parameters
    assert set(entry.arguments) == set(parameters) - {"self", "name"}
    for argument, spec in parameters.items():
        if argument in entry.arguments:
            assert entry.arguments[argument].required is (spec.default is inspect.Parameter.empty), (name, argument)
    required = _required(entry.arguments)
    if name == "piecewise_constant_decay":
        required = {"boundaries": [10], "values": [0.1, 0.01]}
    assert float(keras.ops.convert_to_numpy(cls(**required)(0))) > 0
    # The name is the snake case of the Keras class name.
    assert "".join(part.title() for part in name.split("_")) == entry.keras_class


def test_the_always_recorded_names_are_keras_names():
    for name in ALWAYS_RECORDED:
        assert keras.metrics.get(name) is not None


@pytest.mark.parametrize(
    ("metric", "better"),
    [("test_accuracy", True), ("val_loss", False), ("best_val_auc", True), ("test_mse", False),
     ("test_root_mean_squared_error", False), ("r2_score", True), ("test_f1", None), ("train_seconds", False)],
)  # fmt: skip
def test_higher_is_better_reads_the_table_then_the_names(metric, better):
    assert higher_is_better(metric) is better


def test_a_declared_direction_and_a_logged_name_decide_first():
    top3 = MetricSpec(name="top_k_categorical_accuracy", log_name="top3", args={"k": 3})
    assert higher_is_better("test_top3") is None
    assert higher_is_better("test_top3", metrics=[top3]) is True
    assert higher_is_better("test_f1", declared={"test_f1": True}) is True
    assert higher_is_better("val_f1", declared={"f1": False}) is False


BASE = {"model": {"kind": "mlp", "units": [8], "activation": "relu", "dropout": 0.0, "batch_norm": False},
        "optimizer": {"name": "adam", "learning_rate": 0.001}, "loss": "auto", "epochs": 2, "batch_size": 8,
        "early_stopping": None}  # fmt: skip


def test_the_new_keys_are_written_only_where_set_so_old_configs_keep_their_dicts():
    config = TrainingConfig.from_dict(BASE)
    assert config.to_dict() == BASE and config.metrics == () and config.trainer is None and not config.args
    full = {**BASE, "optimizer": {"name": "adam", "learning_rate": {"schedule": "cosine_decay",
                                                                      "initial_learning_rate": 0.01, "decay_steps": 9}},
            "metrics": [{"name": "auc"}, {"name": "top_k_categorical_accuracy", "as": "top3", "k": 3}],
            "reduce_lr_on_plateau": None, "trainer": "m:fit", "args": {"width": [1, 2]}}  # fmt: skip
    config = TrainingConfig.from_dict(full)
    assert config.optimizer.schedule.name == "cosine_decay" and config.metric_names() == ("auc", "top3")
    written = config.to_dict()
    assert "reduce_lr_on_plateau" not in written and written["metrics"] == full["metrics"]
    assert json.dumps(TrainingConfig.from_dict(written).to_dict()) == json.dumps(written)
    assert hash(config) == hash(TrainingConfig.from_dict(written))


def test_from_dict_names_the_optional_keys_it_takes():
    with pytest.raises(ValueError) as caught:
        TrainingConfig.from_dict({**BASE, "callbacks": []})
    assert str(caught.value).endswith("Optional keys: metrics, reduce_lr_on_plateau, trainer, args.")
