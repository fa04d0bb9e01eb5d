"""Planning runs: interleaving, run keys and the design table."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest

from hypolab.hypothesis import load, load_text
from hypolab.plan import design_table, plan, run_key
from hypolab.records import DataConfig, Engine, TrainingConfig
from hypolab.tuning.searchspec import load_search, trial_config

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
    config = load_text(TEXT, file="hypotheses/wide.yaml").control.config
    data = DataConfig(name="digits", subset=100)
    identity = {"source": "digits", "target": None, "validation_split": 0.2, "test_split": 0.2, "split_seed": 0,
                "subset": 100}  # the data's content and split settings: no path  # fmt: skip
    canonical = json.dumps(
        {"config": config.to_dict(), "data": identity, "engine": "packed", "seed": 7}, sort_keys=True,
        separators=(",", ":"),
    )
    assert run_key(config, data, 7) == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert run_key(config, data, 7, Engine.KERAS_FIT) != run_key(config, data, 7)
    # Key order in the config dict does not matter; the config, the seed and the data do.
    reordered = dict(reversed(list(config.to_dict().items())))
    assert run_key(TrainingConfig.from_dict(reordered), data, 7) == run_key(config, data, 7)
    assert run_key(dataclasses.replace(config, epochs=3), data, 7) != run_key(config, data, 7)
    assert run_key(config, data, 8) != run_key(config, data, 7)
    assert run_key(config, DataConfig(name="digits", subset=101), 7) != run_key(config, data, 7)


def test_a_cnn_with_batch_norm_names_its_architecture_revision_in_the_key():
    # Its convolutions lost their bias (issue 17): its runs of before are not these numbers.
    config = load_text(TEXT, file="hypotheses/wide.yaml").treatments[1].config
    normed = dataclasses.replace(config, model=dataclasses.replace(config.model, batch_norm=True))
    data = DataConfig(name="digits", subset=100)
    identity = {"source": "digits", "target": None, "validation_split": 0.2, "test_split": 0.2, "split_seed": 0,
                "subset": 100}  # fmt: skip
    payload = {"config": normed.to_dict(), "data": identity, "engine": "packed", "seed": 7}
    canonical = json.dumps({**payload, "architecture": 2}, sort_keys=True, separators=(",", ":"))
    assert run_key(normed, data, 7) == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    without = json.dumps({**payload, "config": config.to_dict()}, sort_keys=True, separators=(",", ":"))
    assert run_key(config, data, 7) == hashlib.sha256(without.encode()).hexdigest()[:16]


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


# -- run keys pinned ---------------------------------------------------------------------------
# test_plan_run_keys.json holds the run keys of every shipped hypothesis file, two trials of the
# shipped search file, and CASES below (kinds, optimizer arguments and early stopping written in
# ways the resolver canonicalises). They were pinned at d7626ea and moved once, on purpose, with
# run identity (issue 13: the key holds the data's content instead of its path, and the engine);
# any other change of a key is a bug. The fashion_mnist files are keyed on FASHION_FILES below,
# written as the Keras cache (the real files are not downloaded in tests).

FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz")  # fmt: skip


@pytest.fixture(autouse=True)
def keras_cache(tmp_path, monkeypatch):
    """A Keras cache whose fashion_mnist files hold fixed bytes (only their content hash matters here)."""
    folder = tmp_path / "keras-home" / "datasets" / "fashion-mnist"
    folder.mkdir(parents=True)
    for index, name in enumerate(FASHION_FILES):
        (folder / name).write_bytes(f"fashion file {index}".encode())
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))

PINNED = json.loads((Path(__file__).parent / "test_plan_run_keys.json").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parent.parent

CASE = """\
claim: Pinned keys.
metric: test_accuracy
direction: greater
seeds: 2
data: {{name: digits, subset: 120}}
base:
{base}
control: {{name: c}}
treatments:
  - name: t
    set: {set}
"""

CASES = {
    "cnn-int-dropout": ("  model: {kind: cnn, filters: [4], dropout: 0, units: []}\n"
                        "  early_stopping: {patience: 2, min_delta: 0}", "{model.kernel_size: 5}"),
    "custom-args": ("  model: {kind: custom, builder: 'mypkg.models:build', "
                    "args: {width: 3, ratio: 1, layers: [1, 2], nested: {a: null}}}", "{model.args.width: 4}"),
    "sgd-int-args": ("  optimizer: {name: sgd, momentum: 0, nesterov: true}\n  loss: huber",
                     "{optimizer.learning_rate: 1}"),
    "adam-ema-to-cnn": ("  optimizer: {name: adam, use_ema: true, ema_overwrite_frequency: 5, clipnorm: 1}\n"
                        "  early_stopping: {monitor: val_accuracy}", "{model.kind: cnn}"),
    # Issue 15's settings, written in ways the resolver canonicalises (int thresholds, names as strings).
    "metrics-schedule": ("  metrics: [auc, {name: precision, thresholds: 1}, {name: top_k_categorical_accuracy, k: 3, as: top3}]\n"
                         "  optimizer: {learning_rate: {schedule: cosine_decay, initial_learning_rate: 1, decay_steps: 9}}",
                         "{optimizer.learning_rate.alpha: 0}"),
    "plateau-trainer-args": ("  reduce_lr_on_plateau: {patience: 2, min_lr: 0}\n  trainer: 'mypkg.train:fit'\n"
                             "  args: {width: 3, nested: {a: [1, 2]}}", "{args.width: 4, reduce_lr_on_plateau.factor: 0.5}"),
}  # fmt: skip


def _keys_by_arm(h) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for spec in plan(h):
        keys.setdefault(spec.arm, []).append(spec.key)
    return keys


@pytest.mark.parametrize("file", sorted(PINNED["hypotheses"]), ids=lambda f: Path(f).stem)
def test_run_keys_of_every_shipped_hypothesis_file_are_pinned(file, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert _keys_by_arm(load(file)) == PINNED["hypotheses"][file]


def test_the_pins_cover_every_shipped_hypothesis_file():
    shipped = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "hypotheses").rglob("*.yaml"))
    assert shipped == sorted(PINNED["hypotheses"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_keys_of_canonicalised_configs_are_pinned(name):
    base, overrides = CASES[name]
    h = load_text(CASE.format(base=base, set=overrides), file=f"{name}.yaml")
    assert _keys_by_arm(h) == PINNED["cases"][name]


@pytest.mark.parametrize("name", ["base", "three layers"])
def test_run_keys_of_search_trials_are_pinned(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    search = load_search("searches/digits_mlp.yaml")
    pinned = PINNED["search"][name]
    config = trial_config(search, pinned["overrides"], epochs=pinned["epochs"])
    assert [run_key(config, search.data, seed) for seed in (0, 1)] == pinned["keys"]
