"""The JSON Schema and the fixed name lists (Keras names, records enums)."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest

from hypolab.records import METRICS, Correction, Direction, Pairing, TestName
from hypolab.hypothesis import json_schema, vocabulary
from hypolab.hypothesis import schema as models


def test_schema_has_descriptions_enums_and_forbids_extra_keys():
    schema = json_schema()
    json.dumps(schema)  # serialisable
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    assert set(props["direction"]["enum"]) == {d.value for d in Direction}
    # Which metric names exist depends on the arms' metrics and the data's task: hypolab's own are the examples.
    assert set(props["metric"]["examples"]) == set(METRICS)
    assert props["claim"]["description"] == "The hypothesis in words."
    assert set(schema["required"]) == {"claim", "metric", "direction", "control", "treatments"}
    defs = schema["$defs"]
    assert "relu" in defs["MlpModel"]["properties"]["activation"]["enum"]
    assert defs["MlpModel"]["additionalProperties"] is False
    assert "set" in defs["ArmSpec"]["properties"]
    assert defs["OptimizerConfig"]["properties"]["name"]["enum"] == list(vocabulary.OPTIMIZERS)


@pytest.mark.parametrize(
    ("field", "enum"),
    [("direction", Direction), ("pairing", Pairing), ("test", TestName), ("correction", Correction)],
    ids=["direction", "pairing", "test", "correction"],
)
def test_schema_literals_match_the_records_enums(field, enum):
    literal = models.HypothesisFile.model_fields[field].annotation
    assert set(typing.get_args(literal)) == {member.value for member in enum}


def test_fixed_name_lists_are_known_to_keras():
    keras = pytest.importorskip("keras")
    # Both ways: every listed name is Keras's, and every Keras optimizer a file
    # can name is listed (wrappers and bases are not optimizers to name;
    # ScheduleFreeAdamW trains on averaged weights it must swap in before
    # evaluation, which the runner does not do, so it is left out on purpose).
    not_nameable = {"lossscaleoptimizer", "multioptimizer", "optimizer", "optimizermap", "schedulefreeadamw"}
    keras_names = {n.lower() for n in dir(keras.optimizers) if n[:1].isupper()} - not_nameable
    assert keras_names <= set(vocabulary.OPTIMIZERS), keras_names - set(vocabulary.OPTIMIZERS)
    classes = {n.lower(): getattr(keras.optimizers, n) for n in dir(keras.optimizers) if n[:1].isupper()}
    for name in vocabulary.OPTIMIZERS:
        optimizer = classes[name]()
        for arg in vocabulary.optimizer_args(name):
            assert arg in type(optimizer).__init__.__code__.co_varnames, (name, arg)
        assert optimizer.get_config()["learning_rate"] == pytest.approx(vocabulary.DEFAULT_LEARNING_RATE[name])
    for name in vocabulary.ACTIVATIONS:
        assert callable(keras.activations.get(name))
    for name in vocabulary.LOSSES:
        if name != "auto":
            assert keras.losses.get(name) is not None


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "hypotheses").rglob("*.yaml"))


def _yaml(text: str):
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def test_every_example_passes_the_json_schema_and_typos_fail_it():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    for path in EXAMPLES:
        errors = list(validator.iter_errors(_yaml(path.read_text())))
        assert errors == [], (path.name, [e.message for e in errors])
    text = (ROOT / "hypotheses" / "batchsize.yaml").read_text()
    assert not validator.is_valid(_yaml(text.replace("alpha: 0.05", "aplha: 0.05")))
    assert not validator.is_valid(_yaml(text.replace("set: {batch_size: 4}", "set: {model.dropout: high}")))
    assert validator.is_valid(_yaml(text.replace("set: {batch_size: 4}", "set: {model.dropout: 0.5}")))
