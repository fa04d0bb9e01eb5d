"""Search files: validation messages, the space in Keras Tuner's terms, seeds, the starter."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from hypolab.errors import SpecErrors, TuningError
from hypolab.tuning import seeds, space
from hypolab.tuning.searchspec import (
    ObjectiveDirection,
    TunerKind,
    load_search,
    load_search_text,
    trial_config,
)
from hypolab.tuning.space import Param, ParamKind
from hypolab.tuning.starter import write_search_starter

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
data: {name: digits, subset: 200}
base:
  model: {kind: mlp, activation: relu}
  optimizer: {name: adam}
space:
  model.units: {type: layers, min: 1, max: 3, each: {type: int, min: 8, max: 32, step: 8}}
  optimizer.name: {type: choice, values: [adam, sgd]}
  optimizer.momentum: {type: float, min: 0.0, max: 0.9, when: {optimizer.name: [sgd]}}
  optimizer.learning_rate: {type: float, min: 1.0e-4, max: 1.0e-1, sampling: log}
  batch_size: {type: choice, values: [16, 32]}
tuner: {kind: random, objective: val_accuracy, max_epochs: 2, max_trials: 3, seed: 7}
"""


def _errors(text: str) -> str:
    with pytest.raises(SpecErrors) as info:
        load_search_text(textwrap.dedent(text), file="searches/s.yaml")
    # Every problem is located: the file, and a line where the file parsed.
    for error in info.value.errors:
        assert error.file == "searches/s.yaml" and error.line is not None, str(error)
    return str(info.value)


def _replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def test_a_valid_search_file_loads_with_its_settings():
    search = load_search_text(GOOD, file="searches/mlp.yaml")
    assert search.name == "mlp"
    assert search.tuner.kind is TunerKind.RANDOM
    assert search.tuner.direction is ObjectiveDirection.MAX
    assert (search.tuner.max_trials, search.tuner.max_epochs, search.tuner.seed) == (3, 2, 7)
    assert [p.key for p in search.space] == [
        "model.units", "optimizer.name", "optimizer.momentum", "optimizer.learning_rate", "batch_size",
    ]  # fmt: skip
    momentum = search.space[2]
    assert momentum.when == space.Condition(parent="optimizer.name", values=("sgd",))
    assert search.data.subset == 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_replace("space:", "spaec:"), "searches/s.yaml:5:1: unknown key 'spaec'. Did you mean 'space'?"),
        (_replace("  batch_size:", "  batchsize:"), "searches/s.yaml:10:3: space: cannot search 'batchsize'. Did you mean 'batch_size'?"),
        (_replace("{type: choice, values: [16, 32]}", "{type: integer, min: 8, max: 64}"),
         ("space.batch_size: 'type' must be one of 'int', 'float', 'choice', 'boolean', 'fixed' or 'layers'. "
          "Got 'integer'. Did you mean 'int'?")),
        (_replace("min: 8, max: 32", "min: 32, max: 8"), "space.model.units.each: 'max' must be greater than 'min' (32). Got 8."),
        (_replace("min: 1.0e-4, max: 1.0e-1, sampling: log", "min: 0.0, max: 1.0e-1, sampling: log"),
         "space.optimizer.learning_rate: 'min' must be a number > 0 with log sampling. Got 0.0."),
        (_replace("objective: val_accuracy", "objective: test_accuracy"),
         ("tuner: 'objective' must be a validation metric: val_accuracy, val_loss, val_mae (the test split is "
          "never used for tuning). Got 'test_accuracy'.")),
        (_replace(", max_trials: 3", ""), "tuner: missing key 'max_trials' for kind random"),
        (_replace("kind: random", "kind: hyperband"), "tuner: Hyperband sets its own number of trials from max_epochs"),
        (_replace("  optimizer: {name: adam}\n", "  optimizer: {name: adam}\n  epochs: 5\n"),
         "base: 'epochs' is set by the tuner. Got 5. Remove it and set tuner.max_epochs."),
        (_replace("when: {optimizer.name: [sgd]}", "when: {optimizer.nam: [sgd]}"),
         "'when' must name a key searched above this one. Got 'optimizer.nam'. Did you mean 'optimizer.name'?"),
        (_replace("when: {optimizer.name: [sgd]}", "when: {optimizer.name: [sdg]}"),
         "space.optimizer.momentum.when: 'optimizer.name' never takes ['sdg']. Expected values among ['adam', 'sgd']."),
        (_replace("kind: random", "kind: grid"), "space.optimizer.momentum: a grid search needs a 'step' on every float range"),
        (_replace("name: digits", "name: digitz"), "unknown data set 'digitz'."),
        (_replace("activation: relu", "activation: rellu"), "base.model"),
        (_replace("model.units: {type: layers, min: 1, max: 3,", "model.units: {type: int, min: 1, max: 3,"),
         "space.model.units: 'model.units' is a list of layers. Got type 'int'; expected type 'layers'"),
        (_replace("  optimizer.momentum: {type: float, min: 0.0, max: 0.9, when: {optimizer.name: [sgd]}}\n",
                  "  optimizer.momentum: {type: float, min: 0.0, max: 0.9}\n"),
         "space: setting 'optimizer.momentum' to 0.0 makes an invalid config"),
        (_replace("  batch_size: {type: choice, values: [16, 32]}\n", "  epochs: {type: int, min: 1, max: 5}\n"),
         "space: 'epochs' is set by the tuner. Remove it from the space and set tuner.max_epochs."),
        (_replace("values: [16, 32]", "values: [16, 3.5]"), "space.batch_size: choice values must all have one type"),
        (_replace("objective: val_accuracy", "objective: val_loss, direction: max"),
         "tuner: val_loss is better when lower: 'direction' must be min. Got max."),
        ("data: [1, 2", "YAML syntax error"),
        ("claim: x\nmetric: test_accuracy\n", "this is a hypothesis file (it has 'claim'), not a search file."),
        (_replace("{type: choice, values: [16, 32]}", "32"),
         "searches/s.yaml:10:15: space: 'batch_size' must be a mapping with a 'type' (int, float, choice, boolean, "
         "fixed, layers). Got 32."),
        (_replace("{type: choice, values: [16, 32]}", "{values: [16, 32]}"),
         "space.batch_size: missing key 'type'. Expected one of 'int', 'float', 'choice', 'boolean', 'fixed' or 'layers'."),
        (_replace("each: {type: int,", "each: {type: float,"),
         "space.model.units.each: 'type' must be one of 'int' or 'choice'. Got 'float'."),
        (_replace("{type: layers, min: 1,", "{type: layers, min: 0,"),
         "space.model.units: 'min' must be an integer >= 1 (the fewest layers). Got 0."),
        (_replace("{type: choice, values: [16, 32]}", "{type: fixed}"),
         "space.batch_size: missing key 'value' (the value every trial uses). Add 'value:' to 'batch_size'."),
        (_replace("{type: choice, values: [16, 32]}", "{type: choice, values: [16, 32], default: 64}"),
         "space.batch_size: 'default' must be one of the values [16, 32]. Got 64."),
        (_replace("sampling: log}", "sampling: log, default: 1.0}"),
         "space.optimizer.learning_rate: 'default' must be in [0.0001, 0.1]. Got 1.0."),
        (_replace("when: {optimizer.name: [sgd]}", "when: [sgd]"),
         "space.optimizer.momentum: 'when' must be one earlier key mapped to its list of values, e.g. "
         "{optimizer.name: [sgd]}. Got ['sgd']."),
        (_replace("max_trials: 3,", "max_trials: 3, factor: 2,"),
         "tuner: 'factor' applies to kind hyperband only. Got kind random; remove 'factor'."),
        (_replace("max_epochs: 2,", "max_epochs: 0,"), "tuner: 'max_epochs' must be an integer >= 1. Got 0."),
        (_replace("  batch_size:", "  optimizer.momentun:"),
         "space: 'optimizer.momentun' is not an optimizer argument. Did you mean 'momentum'?"),
        ("- 1\n- 2\n", "searches/s.yaml:1:1: a search file must be a mapping of keys (description, data, base, space, "
         "tuner, keep_trials). Got a list."),
    ],
    ids=[
        "unknown-top-key", "unknown-space-key", "unknown-type", "min-above-max", "log-from-zero",
        "test-objective", "random-without-max-trials", "hyperband-with-max-trials", "epochs-in-base",
        "when-unknown-parent", "when-impossible-value", "grid-without-step", "unknown-data-set",
        "bad-base-activation", "list-key-not-layers", "conditional-argument-unconditioned",
        "epochs-in-space", "mixed-choice-types", "wrong-direction", "yaml-syntax", "hypothesis-file",
        "entry-not-a-mapping", "entry-without-type", "layer-type-not-int-or-choice", "no-layers",
        "fixed-without-value", "choice-default-not-a-value", "default-out-of-range", "when-not-a-mapping",
        "factor-without-hyperband", "zero-epochs", "unknown-optimizer-argument", "not-a-mapping",
    ],
)
def test_bad_search_files_say_where_what_and_how(text, expected):
    assert expected in _errors(text)


def test_every_problem_of_a_file_is_reported_at_once():
    text = _replace("space:", "spaec:").replace("kind: random", "kind: randm")
    message = _errors(text)
    assert "unknown key 'spaec'" in message
    assert "tuner: 'kind' must be one of 'hyperband', 'bayesian', 'random' or 'grid'. Got 'randm'." in message
    assert "missing key 'space'" in message


def test_a_missing_search_file_is_named(tmp_path):
    with pytest.raises(SpecErrors, match="nope.yaml: no such file. Expected a search file"):
        load_search(tmp_path / "nope.yaml")


def test_the_example_search_and_the_starter_validate(tmp_path):
    example = load_search(REPO / "searches" / "digits_mlp.yaml")
    assert example.tuner.kind is TunerKind.HYPERBAND
    written = write_search_starter("mine", root=tmp_path / "searches")
    starter = load_search(written)
    kinds = {p.kind for p in starter.space} | {p.each.kind for p in starter.space if p.each}
    assert kinds == set(ParamKind)  # every kind is shown
    assert any(p.when is not None for p in starter.space)


def test_the_starter_never_overwrites(tmp_path):
    write_search_starter("mine", root=tmp_path)
    with pytest.raises(TuningError, match=r"mine.yaml already exists; not overwriting it"):
        write_search_starter("mine", root=tmp_path)


def test_hypolab_new_search_writes_the_starter(tmp_path, monkeypatch):
    from hypolab.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "--search", "wide"])
    assert result.exit_code == 0, result.output
    assert "searches/wide.yaml" in result.output
    assert load_search("searches/wide.yaml").name == "wide"


def test_hypolab_tune_reports_a_bad_file_without_a_traceback(tmp_path, monkeypatch):
    from hypolab.cli import main

    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(_replace("  batch_size:", "  batchsize:"), encoding="utf-8")
    result = CliRunner().invoke(main, ["tune", "bad.yaml"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: bad.yaml:10:3: space: cannot search 'batchsize'.")
    assert "Traceback" not in result.output


# -- the space in Keras Tuner's terms ------------------------------------------


def test_layer_k_is_searched_only_when_there_are_k_layers():
    import keras_tuner

    search = load_search_text(GOOD, file="s.yaml")
    hp = keras_tuner.HyperParameters()
    space.define(hp, search.space)
    conditions = {h.name: [(c.name, list(c.values)) for c in h.conditions] for h in hp.space}
    assert conditions["model.units.count"] == []
    assert conditions["model.units[1]"] == [("model.units.count", [2, 3])]
    assert conditions["model.units[2]"] == [("model.units.count", [3])]
    assert conditions["optimizer.momentum"] == [("optimizer.name", ["sgd"])]
    hp.values["model.units.count"] = 1
    assert not hp.is_active("model.units[1]")
    hp.values["model.units.count"] = 3
    assert hp.is_active("model.units[2]")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"model.units.count": 2, "model.units[0]": 32, "model.units[1]": 8, "model.units[2]": 16,
          "optimizer.name": "adam", "optimizer.momentum": 0.5, "tuner/epochs": 4, "tuner/trial_id": "01"},
         {"model.units": [32, 8], "optimizer.name": "adam"}),
        ({"model.units.count": 1, "model.units[0]": 8, "optimizer.name": "sgd", "optimizer.momentum": 0.5},
         {"model.units": [8], "optimizer.name": "sgd", "optimizer.momentum": 0.5}),
    ],
    ids=["inactive-layer-and-condition-dropped", "active-condition-kept"],
)
def test_trial_values_become_hypolab_overrides(values, expected):
    search = load_search_text(GOOD, file="s.yaml")
    assert space.overrides_from_values(values, search.space) == expected
    assert not any(k.startswith("tuner/") for k in space.searched_values(values, search.space))


def test_a_trial_resolves_to_a_complete_config():
    search = load_search_text(GOOD, file="s.yaml")
    config = trial_config(search, {"model.units": [16, 8], "optimizer.name": "sgd", "optimizer.momentum": 0.9}, epochs=4)
    assert config.to_dict() == {
        "model": {"kind": "mlp", "units": [16, 8], "activation": "relu", "dropout": 0.0, "batch_norm": False},
        "optimizer": {"name": "sgd", "learning_rate": 0.01, "momentum": 0.9},
        "loss": "auto",
        "epochs": 4,
        "batch_size": 32,
        "early_stopping": None,
    }


def test_define_declares_every_kind_with_keras_tuner():
    import keras_tuner

    params = (
        Param(key="batch_size", kind=ParamKind.INT, min=16, max=128, step=2, sampling=space.Sampling.LOG),
        Param(key="model.dropout", kind=ParamKind.FLOAT, min=0.0, max=0.5, step=0.25),
        Param(key="model.batch_norm", kind=ParamKind.BOOLEAN, default=True),
        Param(key="model.activation", kind=ParamKind.FIXED, value="tanh"),
    )
    hp = keras_tuner.HyperParameters()
    assert space.define(hp, params) == {
        "batch_size": 16, "model.dropout": 0.0, "model.batch_norm": True, "model.activation": "tanh",
    }  # fmt: skip
    kinds = {h.name: type(h).__name__ for h in hp.space}
    assert kinds == {"batch_size": "Int", "model.dropout": "Float", "model.batch_norm": "Boolean", "model.activation": "Fixed"}


# -- seeds -----------------------------------------------------------------------


def test_tuner_seeds_differ_per_trial_and_execution_and_never_meet_confirmation_seeds():
    tuner_seeds = {seeds.trial_seed(s, f"{t:02d}", e) for s in (0, 1) for t in range(50) for e in range(3)}
    assert len(tuner_seeds) == 2 * 50 * 3
    assert min(tuner_seeds) >= 2**30 and max(tuner_seeds) < 2**31
    assert not tuner_seeds & set(seeds.confirm_seeds(100))
    assert not set(seeds.confirm_seeds(100)) & set(range(1000))  # nor hypothesis seeds 0, 1, ...
    assert seeds.trial_seed(0, "03", 1) == 1073744852


def test_validating_a_search_and_writing_a_starter_never_load_keras(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; from hypolab.tuning.searchspec import load_search_text; "
        "from hypolab.tuning.starter import write_search_starter; "
        f"load_search_text({GOOD!r}, file='s.yaml'); write_search_starter('x', root={str(tmp_path)!r}); "
        "heavy = [m for m in ('keras', 'tensorflow', 'keras_tuner') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_resuming_a_search_whose_file_changed_is_refused(tmp_path):
    from hypolab.tuning.search import check_same_search, paths_for

    search = load_search_text(GOOD, file="searches/s.yaml")
    paths = paths_for(search, tmp_path)
    check_same_search(search, paths)  # the first run records the settings
    check_same_search(search, paths)  # the same file resumes
    edited = load_search_text(_replace("values: [16, 32]", "values: [16, 64]"), file="searches/s.yaml")
    with pytest.raises(TuningError, match=r"searches/s.yaml changed \(space\) since the search in .* started"):
        check_same_search(edited, paths)
