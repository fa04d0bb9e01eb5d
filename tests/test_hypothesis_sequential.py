"""The ``sequential:`` key and ``direction: noninferior`` in hypothesis files."""

from __future__ import annotations

import pytest

from hypolab.errors import SpecErrors
from hypolab.hypothesis import load_text
from hypolab.hypothesis.schema import HypothesisFile
from hypolab.records import Direction, SequentialConfig, Spending

FILE = """claim: Batch 4 gives higher test accuracy than batch 128.
metric: test_accuracy
direction: {direction}
margin: 0.01
seeds: {seeds}
{extra}
data: {{name: digits, subset: 200}}
base:
  model: {{kind: mlp, units: [8]}}
  epochs: 1
control:
  name: batch 128
  set: {{batch_size: 128}}
treatments:
  - name: batch 4
    set: {{batch_size: 4}}
  - name: batch 8
    set: {{batch_size: 8}}
"""


def _load(direction="greater", seeds=40, extra="sequential: {looks: [5, 10, 20, 40]}"):
    return load_text(FILE.format(direction=direction, seeds=seeds, extra=extra), file="hypotheses/seq.yaml")


def test_a_sequential_design_loads_with_its_defaults():
    h = _load()
    assert h.sequential == SequentialConfig(looks=(5, 10, 20, 40), spending=Spending.OBRIEN_FLEMING, futility=False)
    assert h.sequential.information() == (0.125, 0.25, 0.5, 1.0)
    h = _load(extra="sequential:\n  looks: [10, 40]\n  spending: pocock\n  futility: true")
    assert h.sequential == SequentialConfig(looks=(10, 40), spending=Spending.POCOCK, futility=True)
    assert _load(extra="").sequential is None


def test_looks_count_the_seeds_of_an_explicit_list():
    h = _load(seeds="[3, 7, 11, 19]", extra="sequential: {looks: [2, 4]}")
    assert h.sequential.looks == (2, 4) and h.seeds == (3, 7, 11, 19)


def test_noninferior_loads_and_is_a_direction_of_the_schema():
    assert _load(direction="noninferior", extra="").direction is Direction.NONINFERIOR
    schema = HypothesisFile.model_json_schema()
    assert "noninferior" in schema["properties"]["direction"]["enum"]
    assert "sequential" in schema["properties"]


@pytest.mark.parametrize(("extra", "message"), [
    ("correction: fdr_bh\nsequential: {looks: [20, 40]}",
     "correction 'fdr_bh' has no sequential version: it holds the false discovery rate, not the family-wise error"),
    ("ordered: true\nsequential: {looks: [20, 40]}",
     "a dose series (ordered: true) has no sequential verdict. Remove 'sequential', or set ordered: false."),
    ("sequential: {looks: [20, 40, 40]}", "the looks must increase: item 2 (40) is not above item 1 (40)"),
    ("sequential: {looks: [1, 40]}", "hypotheses/seq.yaml:6:22: sequential: 'looks[0]' must be an integer >= 2. Got 1."),
], ids=["fdr_bh", "ordered", "repeated-look", "look-of-one"])
def test_settings_a_sequential_design_cannot_hold_are_refused(extra, message):
    with pytest.raises(SpecErrors) as caught:
        _load(extra=extra)
    assert message in str(caught.value)


def test_futility_needs_a_one_sided_claim_and_noninferior_no_series():
    with pytest.raises(SpecErrors, match="futility stops need a one-sided claim .* direction 'equivalent' has none"):
        _load(direction="equivalent", extra="sequential: {looks: [20, 40], futility: true}")
    assert _load(direction="noninferior", extra="sequential: {looks: [20, 40], futility: true}").sequential.futility
    with pytest.raises(SpecErrors, match="'ordered: true' is for a dose series, which has no non-inferiority verdict"):
        _load(direction="noninferior", extra="ordered: true")
