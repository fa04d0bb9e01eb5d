"""Loading hypothesis files: resolved configs, defaults, baselines, names, data paths."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hypolab.errors import SpecError, SpecErrors
from hypolab.records import (
    CnnConfig,
    Correction,
    CustomConfig,
    Direction,
    EarlyStoppingSettings,
    Hypothesis,
    MlpConfig,
    OptimizerSettings,
    Pairing,
    TestName,
    TrainingConfig,
)
from hypolab.hypothesis import load, load_text, output_name, resolve_arm_config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "hypotheses").rglob("*.yaml"))

MINIMAL = """\
claim: Batch 4 gives higher test accuracy than batch 128.
metric: test_accuracy
direction: greater
control:
  name: batch 128
  set: {batch_size: 128}
treatments:
  - name: batch 4
    set: {batch_size: 4}
"""

MLP_KEYS = {"kind", "units", "activation", "dropout", "batch_norm"}
CONFIG_KEYS = {"model", "optimizer", "loss", "epochs", "batch_size", "early_stopping"}


def _load(text: str, tmp_path: Path, name: str = "h.yaml") -> Hypothesis:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load(path)


def _errors(text: str, tmp_path: Path) -> str:
    with pytest.raises(SpecErrors) as caught:
        _load(text, tmp_path)
    return str(caught.value)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_example_hypothesis_validates(path):
    h = load(path)
    assert h.claim and len(h.treatments) >= 1
    assert h.warnings == ()
    for arm in h.arms:
        # Every required key; the optional ones (metrics, a trainer...) only where the file sets them.
        keys = set(arm.config.to_dict())
        assert isinstance(arm.config, TrainingConfig) and CONFIG_KEYS <= keys
        assert keys - CONFIG_KEYS <= set(TrainingConfig.OPTIONAL_KEYS)


def test_examples_cover_the_classic_questions_on_digits_and_fashion_mnist():
    stems = {p.stem for p in EXAMPLES}
    for question in ("batchsize", "units", "epochs", "depth", "learning_rate", "dropout"):
        assert question in stems
        assert f"fashion_{question}" in stems
    names = [load(p).name for p in EXAMPLES]
    assert len(names) == len(set(names)), "two examples would write the same reports/<name>/"


def test_batchsize_example_matches_the_issue():
    h = load(ROOT / "hypotheses" / "batchsize.yaml")
    assert h.name == "batchsize"
    assert h.metric == "test_accuracy" and h.direction is Direction.GREATER
    assert h.seeds == tuple(range(10))
    assert [arm.config.batch_size for arm in h.arms] == [128, 4]
    assert h.data.name == "digits"


def test_defaults_fill_a_complete_resolved_config(tmp_path):
    h = _load(MINIMAL, tmp_path)
    config = h.control.config
    assert config == TrainingConfig(
        model=MlpConfig(units=(64,), activation="relu", dropout=0.0, batch_norm=False),
        optimizer=OptimizerSettings(name="adam", learning_rate=0.001, args={}),
        loss="auto", epochs=10, batch_size=128, early_stopping=None,
    )  # fmt: skip
    assert config.to_dict() == {
        "model": {"kind": "mlp", "units": [64], "activation": "relu", "dropout": 0.0, "batch_norm": False},
        "optimizer": {"name": "adam", "learning_rate": 0.001},
        "loss": "auto", "epochs": 10, "batch_size": 128, "early_stopping": None,
    }  # fmt: skip
    assert h.base == dataclasses.replace(config, batch_size=32)
    assert h.alpha == 0.05 and h.seeds == tuple(range(10)) and h.margin is None
    assert h.pairing is Pairing.INDEPENDENT and h.test is TestName.AUTO and h.correction is Correction.HOLM
    assert h.pack == "auto" and h.failed_as_worst is False and h.ordered is False
    assert h.source == MINIMAL
    assert h.control.is_control and not h.treatments[0].is_control
    assert h.treatments[0].overrides == {"batch_size": 4}


def test_settings_are_carried_into_the_hypothesis(tmp_path):
    text = MINIMAL.replace(
        "direction: greater\n",
        "direction: two-sided\nmargin: 0.02\nalpha: 0.01\nseeds: [3, 7, 11, 13, 17]\npairing: seed\n"
        "test: paired_t\ncorrection: bonferroni\npack: 4\nfailed_runs: worst\n"
        "data: {name: digits, subset: 300, split_seed: 2, validation_split: 0.25}\n",
    )
    h = _load(text, tmp_path)
    assert h.direction is Direction.TWO_SIDED and h.margin == 0.02 and h.alpha == 0.01
    assert h.seeds == (3, 7, 11, 13, 17)
    assert h.pairing is Pairing.SEED and h.test is TestName.PAIRED_T
    assert h.correction is Correction.BONFERRONI and h.pack == 4 and h.failed_as_worst is True
    assert (h.data.subset, h.data.split_seed, h.data.validation_split) == (300, 2, 0.25)


def test_dotted_and_nested_overrides_deep_merge_into_base(tmp_path):
    text = MINIMAL.replace(
        "direction: greater\n",
        "direction: greater\nbase:\n  model: {units: [64, 32], dropout: 0.1}\n  optimizer: {name: sgd, momentum: 0.9}\n",
    ).replace("set: {batch_size: 4}", "set: {model.units: [16], optimizer: {learning_rate: 0.1}}")
    h = _load(text, tmp_path)
    treated = h.treatments[0].config
    assert treated.model.units == (16,) and treated.model.dropout == 0.1
    assert treated.optimizer == OptimizerSettings(name="sgd", learning_rate=0.1, args={"momentum": 0.9})
    assert treated.to_dict()["optimizer"] == {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}
    # SGD's own Keras default learning rate where the file gives none.
    assert h.control.config.optimizer.learning_rate == 0.01


def test_switching_model_kind_drops_keys_the_new_kind_lacks(tmp_path):
    text = MINIMAL.replace(
        "set: {batch_size: 4}", "set: {model: {kind: custom, builder: 'mypkg.models:build', args: {width: 3}}}"
    )
    h = _load(text, tmp_path)
    assert h.treatments[0].config.model == CustomConfig(builder="mypkg.models:build", args={"width": 3})
    assert h.treatments[0].config.to_dict()["model"] == {"kind": "custom", "builder": "mypkg.models:build", "args": {"width": 3}}
    cnn = _load(MINIMAL.replace("set: {batch_size: 4}", "set: {model.kind: cnn, model.filters: [8]}"), tmp_path)
    assert cnn.treatments[0].config.model == CnnConfig(
        filters=(8,), kernel_size=3, units=(64,), activation="relu", dropout=0.0, batch_norm=False
    )


def test_early_stopping_is_filled_with_every_argument(tmp_path):
    h = _load(MINIMAL.replace("set: {batch_size: 4}", "set: {early_stopping.patience: 5}"), tmp_path)
    assert h.treatments[0].config.early_stopping == EarlyStoppingSettings(
        monitor="val_loss", patience=5, min_delta=0.0, restore_best_weights=True
    )
    assert h.treatments[0].config.to_dict()["early_stopping"] == {
        "monitor": "val_loss",
        "patience": 5,
        "min_delta": 0.0,
        "restore_best_weights": True,
    }


def test_integral_numbers_resolve_like_floats(tmp_path):
    a = _load(MINIMAL.replace("batch_size: 4}", "batch_size: 4, optimizer.learning_rate: 1}"), tmp_path, "a.yaml")
    b = _load(MINIMAL.replace("batch_size: 4}", "batch_size: 4, optimizer.learning_rate: 1.0}"), tmp_path, "b.yaml")
    assert a.treatments[0].config == b.treatments[0].config
    assert isinstance(a.treatments[0].config.optimizer.learning_rate, float)
    assert a.treatments[0].config.to_dict() == b.treatments[0].config.to_dict()


def test_few_seeds_is_a_warning_not_an_error(tmp_path):
    h = _load(MINIMAL.replace("direction: greater\n", "direction: greater\nseeds: 3\n"), tmp_path)
    assert len(h.warnings) == 1
    assert "only 3 seeds per arm: power will be low" in h.warnings[0]


def test_all_errors_of_a_file_are_reported_together(tmp_path):
    text = MINIMAL.replace("direction: greater\n", "direction: greater\nalpha: 2\nseeds: 1\n").replace(
        "set: {batch_size: 4}", "set: {batchsize: 4}"
    )
    with pytest.raises(SpecErrors) as caught:
        _load(text, tmp_path)
    assert len(caught.value.errors) == 3
    assert all(isinstance(e, SpecError) and e.line for e in caught.value.errors)


def test_style_guide_examples_are_produced_verbatim():
    text = MINIMAL.replace("direction: greater\n", "direction: greater\nalpha: 5\n").replace(
        "set: {batch_size: 4}", "set: {batchsize: 4}"
    )
    with pytest.raises(SpecErrors) as caught:
        load_text(text, file="hypotheses/batchsize.yaml")
    lines = str(caught.value).splitlines()
    assert "hypotheses/batchsize.yaml:4:8: 'alpha' must be a number in (0, 1). Got 5." in lines
    assert "hypotheses/batchsize.yaml:10:11: treatments[0].set: unknown key 'batchsize'. Did you mean 'batch_size'?" in lines


def test_python_tags_are_rejected_without_running_anything(tmp_path):
    marker = tmp_path / "ran"
    text = MINIMAL.replace(
        "claim: Batch 4",
        f"claim: !!python/object/apply:os.system ['touch {marker}']\nx: Batch 4",
    )
    message = _errors(text, tmp_path)
    assert "YAML tag '!!python/object/apply:os.system' is not allowed" in message
    assert not marker.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SpecErrors) as caught:
        load(tmp_path / "nothere.yaml")
    assert "nothere.yaml: hypothesis file not found." in str(caught.value)


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("hypotheses/batchsize.yaml", "batchsize"),
        ("hypotheses/Batch Size.YAML", "batch-size"),
        ("../../etc.yaml", "etc"),
        ("../../etc", "etc"),
        ("..", "hypothesis"),
        ("...yaml", "hypothesis"),
        ("/tmp/x/.yaml", "hypothesis"),
        ("a\\..\\..\\passwd.yaml", "passwd"),
        ("Ünïcode ✓.yaml", "n-code"),
    ],
    ids=["plain", "spaces", "dotdot-path", "dotdot-stem", "dotdot-only", "dots", "hidden", "backslashes", "unicode"],
)
def test_output_name_cannot_escape_reports(file, name, tmp_path):
    assert output_name(file) == name
    reports = tmp_path / "reports"
    assert (reports / output_name(file)).resolve().parent == reports.resolve()


def test_hypothesis_name_comes_from_the_file_stem(tmp_path):
    h = _load(MINIMAL, tmp_path, name="My Claim.yaml")
    assert h.name == "my-claim"


def test_data_file_is_found_relative_to_the_hypothesis_folder(tmp_path, monkeypatch):
    folder = tmp_path / "hyp"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "table.csv").write_text("a,label\n1,x\n")
    monkeypatch.chdir(tmp_path)
    text = MINIMAL.replace("direction: greater\n", "direction: greater\ndata: {name: data/table.csv, target: label}\n")
    (folder / "h.yaml").write_text(text)
    h = load("hyp/h.yaml")
    assert Path(h.data.name) == Path("hyp/data/table.csv")
    assert h.data.target == "label"


def test_data_file_falls_back_to_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "table.npz").write_bytes(b"")
    (tmp_path / "hyp").mkdir()
    monkeypatch.chdir(tmp_path)
    text = MINIMAL.replace("direction: greater\n", "direction: greater\ndata: {name: table.npz}\n")
    (tmp_path / "hyp" / "h.yaml").write_text(text)
    assert load("hyp/h.yaml").data.name == "table.npz"


BASELINE = """\
source: hypotheses/search.yaml
objective: val_accuracy
score: 0.971
trials: 20
base:
  model: {kind: mlp, units: [256, 128], dropout: 0.2}
  optimizer: {name: adam, learning_rate: 0.002}
  epochs: 12
"""


def test_baseline_file_gives_base_and_the_file_base_merges_over_it(tmp_path):
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "mlp.yaml").write_text(BASELINE)
    text = MINIMAL.replace(
        "direction: greater\n", "direction: greater\nbaseline: baselines/mlp.yaml\nbase:\n  model: {dropout: 0.0}\n"
    )
    h = _load(text, tmp_path)
    assert h.base.model == MlpConfig(units=(256, 128), activation="relu", dropout=0.0, batch_norm=False)
    assert h.base.optimizer.learning_rate == 0.002 and h.base.epochs == 12
    assert h.treatments[0].config.model.units == (256, 128)


def test_errors_in_the_baseline_file_name_that_file(tmp_path):
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "mlp.yaml").write_text(BASELINE.replace("dropout: 0.2", "dropout: 2"))
    text = MINIMAL.replace("direction: greater\n", "direction: greater\nbaseline: baselines/mlp.yaml\n")
    message = _errors(text, tmp_path)
    assert "baselines/mlp.yaml:6:50: base.model: 'dropout' must be a number in [0, 1). Got 2." in message


def test_baseline_file_with_yaml_errors_names_that_file(tmp_path):
    (tmp_path / "b.yaml").write_text("base: {epochs: [1}\n")
    message = _errors(MINIMAL.replace("direction: greater\n", "direction: greater\nbaseline: b.yaml\n"), tmp_path)
    assert "b.yaml:1:18: YAML syntax error" in message


def test_override_errors_point_at_the_arm_not_the_base(tmp_path):
    text = MINIMAL.replace("set: {batch_size: 4}", "set: {model: {dropout: 1.5}}")
    message = _errors(text, tmp_path)
    assert "h.yaml:9:28: treatments[0].set.model: 'dropout' must be a number in [0, 1). Got 1.5." in message


def test_resolve_arm_config_merges_and_validates():
    config = resolve_arm_config({"model": {"kind": "mlp", "units": [64]}, "epochs": 3}, {"model.units": [8], "batch_size": 16})
    assert config.model.units == (8,) and config.batch_size == 16 and config.epochs == 3
    # A resolved base (Hypothesis.base) resolves like the dict it stands for.
    assert resolve_arm_config(config, {"epochs": 4}) == resolve_arm_config(config.to_dict(), {"epochs": 4})
    assert resolve_arm_config(config, {"epochs": 4}) == dataclasses.replace(config, epochs=4)
    with pytest.raises(SpecErrors) as caught:
        resolve_arm_config({}, {"batchsize": 16})
    assert "unknown key 'batchsize'. Did you mean 'batch_size'?" in str(caught.value)
    with pytest.raises(SpecErrors) as caught:
        resolve_arm_config({}, {"epochs": 0})
    assert "'epochs' must be an integer >= 1. Got 0." in str(caught.value)


BOMB = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, "the file expands to more than 100000 values (aliases of aliases?)"),
        ("[" * 3000 + "]" * 3000, "odd.yaml:1:51: brackets nest more than 50 levels deep"),
        ("a:\n" + "".join("  " * i + " b:\n" for i in range(1, 60)), "more than 50 levels deep"),
        ("claim: 2024-01-01\n", "dates and times are not values of this format. Got 2024-01-01. Quote it"),
        ("claim: !!binary aGVsbG8=\n", "values of type bytes are not supported"),
        ("claim: !!set {a, b}\n", "claim: values of type set are not supported"),
        ("1: 2\n", "keys must be strings. Got 1. Quote the key or rename it."),
        ("a: 1\n---\nb: 2\n", "YAML syntax error: but found another document (expected a single document"),
        ("claim:\tx\n\tmetric: y\n", "YAML syntax error"),
    ],
    ids=["alias-bomb", "deep-flow", "deep-block", "date", "binary", "set-tag", "int-key", "two-documents", "tabs"],
)
def test_hostile_or_odd_yaml_gives_a_clear_error(text, message):
    with pytest.raises(SpecErrors) as caught:
        load_text(text, file="odd.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("odd.yaml")


def test_merge_keys_are_allowed(tmp_path):
    text = "shared: &shared {batch_size: 4}\n" + MINIMAL.replace("set: {batch_size: 4}", "set: {<<: *shared, epochs: 2}")
    with pytest.raises(SpecErrors) as caught:  # 'shared' is not a key of the format
        _load(text, tmp_path)
    assert "h.yaml:1:1: unknown key 'shared'." in str(caught.value)


def test_a_baseline_path_falls_back_to_the_working_directory(tmp_path, monkeypatch):
    # `hypolab tune` writes baselines/ in the working directory; a hypothesis in
    # hypotheses/ may name it as `baselines/x.yaml`, as it names data files.
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "b.yaml").write_text(
        "base:\n  model: {kind: mlp, units: [12]}\n  optimizer: {name: sgd}\n  epochs: 2\n  batch_size: 16\n"
    )
    (tmp_path / "hypotheses").mkdir()
    path = tmp_path / "hypotheses" / "h.yaml"
    path.write_text(
        "claim: c\nmetric: test_accuracy\ndirection: greater\nseeds: 5\n"
        "baseline: baselines/b.yaml\n"
        "control: {name: a, set: {batch_size: 16}}\n"
        "treatments: [{name: b, set: {batch_size: 64}}]\n"
    )
    monkeypatch.chdir(tmp_path)
    h = load(path)
    assert h.control.config.model.units == (12,)


def test_a_search_file_given_as_a_hypothesis_points_to_tune():
    # Found by the bad-input sweep: 'hypolab test searches/mlp.yaml' listed every key as unknown.
    text = "data: {name: digits}\nbase: {model: {kind: mlp}}\nspace: {batch_size: {type: choice, values: [8]}}\ntuner: {kind: random}\n"
    with pytest.raises(SpecErrors) as error:
        load_text(text, file="searches/mlp.yaml")
    assert str(error.value) == (
        "searches/mlp.yaml:1:1: this is a search file (it has 'space' and 'tuner'), not a hypothesis "
        "file. Expected keys such as 'claim', 'metric', 'control' and 'treatments'. Run a search with "
        "'hypolab tune searches/mlp.yaml'; write a hypothesis with 'hypolab new NAME'."
    )
