"""Planning runs: interleaving, run keys and the design table."""

from __future__ import annotations

import hashlib
import json

from hypolab.plan import design_table, plan, run_key
from hypolab.records import DataConfig
from hypolab.hypothesis import load_text

TEXT = """\
claim: Wider is better.
metric: test_accuracy
direction: greater
seeds: [3, 5, 8]
base:
  model: {kind: mlp, units: [16]}
  epochs: 2
control:
  name: narrow
treatments:
  - name: wide
    set: {model.units: [64]}
  - name: wide cnn
    set: {model: {kind: cnn, units: [64]}, batch_size: 8}
"""


def test_plan_interleaves_seeds_across_arms():
    h = load_text(TEXT, file="hypotheses/wide.yaml")
    specs = plan(h)
    assert [(s.arm, s.seed) for s in specs] == [
        ("narrow", 3), ("wide", 3), ("wide cnn", 3),
        ("narrow", 5), ("wide", 5), ("wide cnn", 5),
        ("narrow", 8), ("wide", 8), ("wide cnn", 8),
    ]
    assert all(s.hypothesis == "wide" and s.data == h.data for s in specs)
    assert specs[1].config == h.treatments[0].config
    assert len({s.key for s in specs}) == 9


def test_run_key_is_the_sha256_of_canonical_json():
    config = {"epochs": 1, "batch_size": 4}
    data = DataConfig(name="digits", subset=100)
    canonical = json.dumps(
        {"config": config, "data": data.to_dict(), "seed": 7}, sort_keys=True, separators=(",", ":")
    )
    assert run_key(config, data, 7) == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    # Key order in the config does not matter; the seed and the data do.
    assert run_key({"batch_size": 4, "epochs": 1}, data, 7) == run_key(config, data, 7)
    assert run_key(config, data, 8) != run_key(config, data, 7)
    assert run_key(config, DataConfig(name="digits", subset=101), 7) != run_key(config, data, 7)


def test_the_same_run_in_two_hypotheses_has_the_same_key():
    a = load_text(TEXT, file="hypotheses/a.yaml")
    b = load_text(TEXT.replace("name: narrow", "name: small").replace("Wider", "Bigger"), file="hypotheses/b.yaml")
    assert [s.key for s in plan(a)] == [s.key for s in plan(b)]


def test_design_table_shows_only_what_differs_between_arms():
    h = load_text(TEXT, file="hypotheses/wide.yaml")
    rows = design_table(h)
    assert [row["arm"] for row in rows] == ["narrow", "wide", "wide cnn"]
    assert set(rows[0]) == {"arm", "model.kind", "model.units", "batch_size", "model.filters", "model.kernel_size"}
    assert rows[0]["model.units"] == [16] and rows[1]["model.units"] == [64]
    assert rows[0]["model.filters"] is None and rows[2]["model.filters"] == [32, 64]
    assert rows[2]["batch_size"] == 8 and rows[1]["batch_size"] == 32
