"""The typed training config: exact dicts both ways, strict reading, frozen and hashable records."""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle

import pytest

from hypolab.hypothesis.schema import CONFIG_KEYS, EARLY_STOPPING_DEFAULTS, MODEL_KEYS
from hypolab.records import (
    Arguments,
    CnnConfig,
    CustomConfig,
    EarlyStoppingSettings,
    MlpConfig,
    ModelKind,
    OptimizerSettings,
    TrainingConfig,
    flatten,
    model_from_dict,
)

MLP = {"kind": "mlp", "units": [64, 32], "activation": "relu", "dropout": 0.1, "batch_norm": False}
CNN = {"kind": "cnn", "filters": [8], "kernel_size": 3, "units": [], "activation": "gelu", "dropout": 0.0,
       "batch_norm": True}  # fmt: skip
CUSTOM = {"kind": "custom", "builder": "mypkg.models:build",
          "args": {"width": 3, "ratio": 1, "layers": [1, [2, 3]], "nested": {"a": None, "b": {"c": [True]}}}}  # fmt: skip
EARLY = {"monitor": "val_accuracy", "patience": 2, "min_delta": 0.0, "restore_best_weights": True}


def resolved(model=MLP, optimizer=None, early=None, **top):
    return {
        "model": copy.deepcopy(model),
        "optimizer": optimizer or {"name": "adam", "learning_rate": 0.001},
        "loss": "auto",
        "epochs": 10,
        "batch_size": 32,
        "early_stopping": early,
        **top,
    }


CASES = {
    "mlp": resolved(),
    "cnn-early-stopping": resolved(CNN, early=EARLY),
    "custom-nested-args": resolved(CUSTOM),
    "sgd-arguments": resolved(optimizer={"name": "sgd", "learning_rate": 0.01, "momentum": 0.0, "nesterov": True,
                                         "ema_overwrite_frequency": 5}),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_to_dict_gives_back_exactly_the_dict_read(name):
    data = CASES[name]
    config = TrainingConfig.from_dict(data)
    assert config.to_dict() == data
    # The same JSON, types included (run keys hash it; the store keeps it).
    assert json.dumps(config.to_dict()) == json.dumps(data)
    assert TrainingConfig.from_dict(config.to_dict()) == config
    assert config.flat() == flatten(data)


def test_fields_are_typed_records_per_kind():
    cnn = TrainingConfig.from_dict(CASES["cnn-early-stopping"])
    assert cnn.model == CnnConfig(filters=(8,), kernel_size=3, units=(), activation="gelu", dropout=0.0,
                                  batch_norm=True)  # fmt: skip
    assert cnn.model.kind is ModelKind.CNN
    assert cnn.early_stopping == EarlyStoppingSettings(**EARLY)
    custom = TrainingConfig.from_dict(CASES["custom-nested-args"]).model
    assert isinstance(custom, CustomConfig) and custom.kind is ModelKind.CUSTOM
    assert custom.args["nested"]["b"]["c"] == (True,)
    assert custom.args == CUSTOM["args"]
    sgd = TrainingConfig.from_dict(CASES["sgd-arguments"]).optimizer
    assert sgd == OptimizerSettings(name="sgd", learning_rate=0.01,
                                    args={"momentum": 0.0, "nesterov": True, "ema_overwrite_frequency": 5})  # fmt: skip


def test_a_kind_has_only_its_own_fields():
    mlp = model_from_dict(MLP)
    assert not hasattr(mlp, "filters") and not hasattr(mlp, "builder")
    assert set(mlp.to_dict()) == set(MLP)
    assert set(model_from_dict(CUSTOM).to_dict()) == {"kind", "builder", "args"}


def test_the_records_have_the_keys_of_the_file_format():
    # The hypothesis schema fills the defaults; the records hold the result: the keys must agree.
    assert TrainingConfig.KEYS == CONFIG_KEYS
    for model in (MlpConfig, CnnConfig, CustomConfig):
        assert model.keys() == ("kind", *MODEL_KEYS[model.kind.value])
    assert EarlyStoppingSettings.keys() == tuple(EARLY_STOPPING_DEFAULTS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**resolved(), "seed": 1},
         "resolved config: unknown 'seed'. Expected the keys model, optimizer, loss, epochs, batch_size, "
         "early_stopping; got model, optimizer, loss, epochs, batch_size, early_stopping, seed."),
        ({k: v for k, v in resolved().items() if k != "loss"},
         "resolved config: missing 'loss'. Expected the keys model"),
        (resolved({"kind": "mlp", "units": [4]}),
         "resolved config: model (kind 'mlp'): missing 'activation', 'dropout', 'batch_norm'. Expected the keys "
         "kind, units, activation, dropout, batch_norm; got kind, units."),
        (resolved({**MLP, "filters": [4]}), "resolved config: model (kind 'mlp'): unknown 'filters'."),
        (resolved({"kind": "rnn"}), "resolved config: model.kind must be one of mlp, cnn, custom. Got 'rnn' instead."),
        (resolved([64]), "resolved config: 'model' must be a mapping. Got list instead."),
        (resolved(optimizer={"name": "adam"}),
         "resolved config: optimizer: missing 'learning_rate'. Expected at least the keys name, learning_rate"),
        (resolved(early={"monitor": "val_loss"}),
         "resolved config: early_stopping: missing 'patience', 'min_delta', 'restore_best_weights'."),
        (resolved(early={**EARLY, "mode": "max"}), "resolved config: early_stopping: unknown 'mode'."),
        ([], "resolved config must be a mapping. Got list instead."),
    ],
    ids=["unknown-top", "missing-top", "missing-model-keys", "other-kinds-key", "unknown-kind", "model-not-mapping",
         "optimizer-without-learning-rate", "early-stopping-partial", "early-stopping-unknown", "not-a-mapping"],
)  # fmt: skip
def test_from_dict_refuses_a_missing_or_unknown_key(data, message):
    with pytest.raises(ValueError) as caught:
        TrainingConfig.from_dict(data)
    assert str(caught.value).startswith(message)


def test_records_are_frozen_hashable_and_travel_between_processes():
    config = TrainingConfig.from_dict(CASES["custom-nested-args"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.model.args["width"] = 4  # type: ignore[index]
    again = TrainingConfig.from_dict(copy.deepcopy(CASES["custom-nested-args"]))
    assert again == config and hash(again) == hash(config)
    assert len({config, again, dataclasses.replace(config, epochs=3)}) == 2
    for copied in (pickle.loads(pickle.dumps(config)), copy.deepcopy(config)):
        assert copied == config and copied.to_dict() == config.to_dict()


def test_built_by_keyword_with_lists_or_tuples_alike():
    with pytest.raises(TypeError):
        MlpConfig((8,), "relu", 0.0, False)  # type: ignore[misc]
    a = MlpConfig(units=[8, 4], activation="relu", dropout=0.0, batch_norm=False)
    b = MlpConfig(units=(8, 4), activation="relu", dropout=0.0, batch_norm=False)
    assert a == b and hash(a) == hash(b) and a.units == (8, 4)
    assert a.to_dict()["units"] == [8, 4]


def test_arguments_compare_with_plain_mappings_and_thaw_to_dicts():
    args = Arguments({"layers": [1, 2], "inner": {"x": [3]}})
    assert args == {"layers": [1, 2], "inner": {"x": [3]}}
    assert args != {"layers": [1, 2]}
    assert args.to_dict() == {"layers": [1, 2], "inner": {"x": [3]}}
    assert type(args.to_dict()["inner"]) is dict and type(args["inner"]) is Arguments
    assert repr(args) == "Arguments({'layers': [1, 2], 'inner': {'x': [3]}})"
