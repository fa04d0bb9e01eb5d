"""Deep merge and dotted keys (hypolab.hypothesis.merge)."""

from __future__ import annotations

import pytest

from hypolab.hypothesis.merge import MergeConflict, deep_merge, expand
from hypolab.records import flatten


def test_dotted_keys_expand_into_nested_mappings_and_remember_where_they_were_written():
    nested, origins = expand({"model.units": [16], "optimizer": {"learning_rate": 0.1}, "epochs": 3})
    assert nested == {"model": {"units": [16]}, "optimizer": {"learning_rate": 0.1}, "epochs": 3}
    assert origins[("model", "units")] == ("model.units",)
    assert origins[("optimizer", "learning_rate")] == ("optimizer", "learning_rate")


def test_dotted_and_nested_keys_of_the_same_mapping_combine():
    nested, _ = expand({"model.units": [16], "model": {"dropout": 0.1}})
    assert nested == {"model": {"units": [16], "dropout": 0.1}}


@pytest.mark.parametrize(
    "overrides",
    [{"model.units": [16], "model": {"units": [8]}}, {"model": 1, "model.units": [8]}],
    ids=["leaf-twice", "scalar-then-mapping"],
)
def test_setting_a_key_twice_is_a_conflict(overrides):
    with pytest.raises(MergeConflict, match="is set twice"):
        expand(overrides)


def test_empty_dotted_part_is_a_conflict():
    with pytest.raises(MergeConflict, match="has an empty part"):
        expand({"model..units": [1]})


def test_deep_merge_merges_mappings_and_replaces_everything_else():
    base = {"model": {"units": [64, 32], "dropout": 0.1}, "early_stopping": None, "epochs": 5}
    merged = deep_merge(base, {"model": {"units": [8]}, "early_stopping": {"patience": 2}})
    assert merged == {"model": {"units": [8], "dropout": 0.1}, "early_stopping": {"patience": 2}, "epochs": 5}
    assert base["model"]["units"] == [64, 32], "the base must not change"


def test_flatten_gives_dotted_leaves_with_lists_as_values():
    assert flatten({"model": {"kind": "mlp", "units": [8]}, "args": {}, "epochs": 1}) == {
        "model.kind": "mlp",
        "model.units": [8],
        "args": {},
        "epochs": 1,
    }
