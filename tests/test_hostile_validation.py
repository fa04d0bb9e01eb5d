"""Hostile input, validation: files and values that once hung, crashed or slipped through ``validate``.

Each test writes what a hostile or careless user would (a 50 MB YAML list, a
named pipe as the file, a seed of 2**64, ``epochs: 10**20``, a right-to-left
override in a claim...) and asserts the clean outcome: ``hypolab validate``
exits 1 with an ``Error:`` line naming the file, the key, what it got and
what it expected, and never a traceback or a hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hypolab.cli import main
from hypolab.errors import SpecErrors
from hypolab.hypothesis import load, load_text

MINIMAL = """\
claim: A batch size of 8 gives higher test accuracy than 64.
metric: test_accuracy
direction: greater
seeds: 5
data: {name: digits, subset: 120}
base:
  model: {kind: mlp, units: [8]}
  epochs: 1
control:
  name: batch 64
  set: {batch_size: 64}
treatments:
  - name: batch 8
    set: {batch_size: 8}
"""


def validate(runner, path) -> tuple[int, str]:
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def errors(text: str, folder: Path, name: str = "h.yaml") -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load(path)
    return str(caught.value)


# -- files that are not small regular files ---------------------------------


def test_a_50_mb_yaml_list_is_refused_before_parsing(runner, tmp_path):
    path = tmp_path / "big.yaml"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("claim: x\nseeds:\n")
        line = "- 1\n" * 10_000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(line)
    start = time.perf_counter()
    code, output = validate(runner, path)
    elapsed = time.perf_counter() - start
    assert code == 1
    assert f"Error: {path}: is 52.4 MB (52,4" in output
    assert "more than the 256 KiB (262,144 bytes) a hypothesis file may hold; it was not read." in output
    assert elapsed < 5, f"took {elapsed:.1f} s: the file was parsed"  # parsing it took over 300 s


def test_comments_count_towards_the_size_cap(tmp_path):
    text = MINIMAL + "# " + "x" * (300 * 1024) + "\n"
    assert "more than the 256 KiB (262,144 bytes) a hypothesis file may hold" in errors(text, tmp_path)


def test_load_text_of_a_huge_string_is_refused_before_parsing():
    with pytest.raises(SpecErrors, match=r"the text is 52,428,800 characters, more than the 262,144 a file may hold"):
        load_text("seeds:\n" + "- 1\n" * (13_107_200 - 2) + "x" * 1, file="big.yaml")


def test_a_fifo_as_the_hypothesis_file_does_not_hang_validate(tmp_path):
    fifo = tmp_path / "h.yaml"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "hypolab", "validate", str(fifo)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})  # fmt: skip
    assert done.returncode == 1
    assert f"Error: {fifo}: is a named pipe (FIFO), not a regular file. Expected a hypothesis file" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("path", "words"),
    [("/dev/zero", "is a character device, not a regular file"), ("/dev/null", "is a character device, not a regular file")],
    ids=["dev-zero", "dev-null"],
)
def test_a_device_as_the_file_is_a_clear_error(runner, path, words):
    if not Path(path).exists():
        pytest.skip(f"{path} does not exist here")
    code, output = validate(runner, path)
    assert code == 1
    assert f"Error: {path}: {words}. Expected a hypothesis file: give the path of a file." in output


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_data_path_that_is_a_folder_or_a_fifo_is_named_as_such(tmp_path, kind):
    target = tmp_path / "table.csv"
    target.mkdir() if kind == "folder" else os.mkfifo(target)
    text = MINIMAL.replace("data: {name: digits, subset: 120}", "data: {name: table.csv, target: label}")
    what = "a folder" if kind == "folder" else "a named pipe (FIFO)"
    message = errors(text, tmp_path)
    assert f"data: data file 'table.csv' is {what} ('{target}'), not a regular file. Expected a .csv file" in message
    assert "not found" not in message


# -- seeds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("seeds: [0, 18446744073709551616]",
         "seeds: seed 18446744073709551616 is too large: seeds must be below 4,294,967,296 = 2**32 "
         "(the seed range of NumPy and the Keras backends). Use a smaller seed."),
        ("seeds: [0, 4294967296, 3]", "seeds: seed 4294967296 is too large: seeds must be below 4,294,967,296"),
        ("data: {name: digits, split_seed: 4294967296}",
         "data: 'split_seed' must be below 4,294,967,296 (the seed range of NumPy and the Keras backends). "
         "Got 4294967296."),
    ],
    ids=["seed-2-64", "seed-2-32", "split-seed-2-32"],
)
def test_seeds_outside_the_backends_range_are_refused_with_the_reason(tmp_path, line, message):
    key = line.split(":")[0]
    text = "\n".join(line if row.startswith(f"{key}:") else row for row in MINIMAL.splitlines()) + "\n"
    assert message in errors(text, tmp_path)


def test_the_largest_seed_the_backends_take_is_accepted(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(MINIMAL.replace("seeds: 5", "seeds: [0, 1, 2, 3, 4294967295]"), encoding="utf-8")
    assert load(path).seeds[-1] == 2**32 - 1


def test_a_number_of_thousands_of_digits_is_a_clear_error(tmp_path):
    text = MINIMAL.replace("seeds: 5", "seeds: 1" + "0" * 5000)
    assert "h.yaml:4:8: a number has thousands of digits, more than any setting takes." in errors(text, tmp_path)


# -- bounds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.units: [100000000000]",
         "'units[0]' must be at most 65,536 (the widest Dense layer hypolab builds). Got 100000000000."),
        ("model.units: [20000000]", "'units[0]' must be at most 65,536"),
        ("model.units: [" + ", ".join(["8"] * 101) + "]",
         "'units' must have at most 100 items (the layers of one model; deeper is surely a typo). Got 101 items."),
        ("model: {kind: cnn, filters: [100000]}",
         "'filters[0]' must be at most 8,192 (the most filters of one Conv2D layer hypolab builds). Got 100000."),
        ("model: {kind: cnn, kernel_size: 1000}",
         "'kernel_size' must be at most 64 (the largest Conv2D kernel hypolab builds). Got 1000."),
        ("epochs: 100000000000000000000",
         "'epochs' must be at most 100,000 (more would train for days). Got 100000000000000000000."),
        ("batch_size: 100000000000000000000",
         "'batch_size' must be at most 1,048,576 (2**20 examples per gradient step). Got 100000000000000000000."),
        ("early_stopping: {patience: 10000000}", "'patience' must be at most 100,000"),
    ],
    ids=["units-1e11", "units-2e7", "units-101-layers", "filters", "kernel-size", "epochs-1e20", "batch-1e20",
         "patience"],
)
def test_values_past_the_documented_bounds_are_refused_with_the_reason(tmp_path, override, message):
    text = MINIMAL.replace("set: {batch_size: 8}", f"set: {{{override}}}")
    assert message in errors(text, tmp_path)


def test_subset_past_its_bound_is_refused(tmp_path):
    text = MINIMAL.replace("subset: 120", "subset: 1000000000000")
    assert "data: 'subset' must be at most 100,000,000 (1e8 training examples). Got 1000000000000." in errors(text, tmp_path)


def test_the_bounds_are_in_the_json_schema():
    from hypolab.hypothesis import json_schema

    defs = json_schema()["$defs"]
    assert defs["MlpModel"]["properties"]["units"]["items"]["maximum"] == 65_536
    assert defs["MlpModel"]["properties"]["units"]["maxItems"] == 100
    assert defs["CnnModel"]["properties"]["kernel_size"]["maximum"] == 64
    assert defs["TrainConfig"]["properties"]["epochs"]["maximum"] == 100_000
    assert defs["TrainConfig"]["properties"]["batch_size"]["maximum"] == 2**20
    assert defs["DataSpec"]["properties"]["split_seed"]["exclusiveMaximum"] == 2**32
    assert json_schema()["properties"]["seeds"]["anyOf"][1]["items"]["exclusiveMaximum"] == 2**32
    assert json_schema()["properties"]["claim"]["maxLength"] == 2_000


# -- text: sizes, invisible characters, look-alikes, tags ---------------------


def test_a_huge_claim_is_refused_and_shown_cut(tmp_path):
    text = MINIMAL.replace("claim: A batch size of 8 gives higher test accuracy than 64.", "claim: " + "a" * 3000)
    message = errors(text, tmp_path)
    assert ("'claim' must be at most 2,000 characters long (a claim is a sentence or two; put the rest in "
            "comments). Got 3,000 characters.") in message
    assert "a" * 100 not in message


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("claim", "Batch 8 \u202ewins\u202c over batch 64.",
         "'claim' must be visible text. Got 'Batch 8 \\u202ewins\\u202c over batch 64.': U+202E RIGHT-TO-LEFT "
         "OVERRIDE at character 8 (and 1 more)."),
        ("claim", "\u200b", "'claim' must not be empty. Got '\\u200b': only invisible characters (U+200B ZERO WIDTH SPACE)."),
        ("claim", "\u2066\u2069 \u200d", "'claim' must not be empty."),
        ("arm", "batch\u200b 8", "treatments[0]: 'name' must be visible text. Got 'batch\\u200b 8': U+200B ZERO WIDTH SPACE at character 5."),
        ("arm", "batch \x1b[31m8", "treatments[0]: 'name' must be visible text. Got 'batch \\x1b[31m8': U+001B"),
        ("arm", "\u3164", "treatments[0]: 'name' must not be empty. Got '\\u3164': only invisible characters (U+3164 HANGUL FILLER)."),
    ],
    ids=["claim-rtl-override", "claim-zero-width", "claim-bidi-isolates", "arm-zero-width", "arm-terminal-escape",
         "arm-hangul-filler"],
)
def test_invisible_and_control_characters_are_refused_in_names_and_claims(tmp_path, where, value, message):
    import json

    if where == "claim":
        text = MINIMAL.replace("claim: A batch size of 8 gives higher test accuracy than 64.", f"claim: {json.dumps(value)}")
    else:
        text = MINIMAL.replace("  - name: batch 8", f"  - name: {json.dumps(value)}")
    assert message in errors(text, tmp_path)


def test_a_claim_may_keep_its_line_breaks(tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(MINIMAL.replace("claim: A batch size of 8 gives higher test accuracy than 64.",
                                    "claim: |\n  Batch 8 beats\n  batch 64."), encoding="utf-8")  # fmt: skip
    assert load(path).claim == "Batch 8 beats\nbatch 64.\n"


def test_arm_names_that_differ_only_by_normalisation_are_refused(tmp_path):
    text = MINIMAL.replace("  name: batch 64", '  name: "caf\\u00e9"').replace("  - name: batch 8", '  - name: "cafe\\u0301"')
    message = errors(text, tmp_path)
    assert ("treatments[0]: arm name 'cafe\\u0301' looks the same as 'caf\\xe9' of control: they differ only in how "
            "Unicode spells the same letters (normalisation).") in message


def test_a_str_tag_gives_a_clear_message(tmp_path):
    text = MINIMAL.replace("  epochs: 1", "  epochs: !!str 1")
    assert "base: 'epochs' must be an integer >= 1. Got '1'. It is a string: remove the quotes (or the !!str tag)." in errors(text, tmp_path)


# -- optimizer arguments ------------------------------------------------------


@pytest.mark.parametrize(
    ("optimizer", "message"),
    [
        ("{name: adam, beta_1: 1.5}", "'beta_1' must be a number in [0, 1) (the decay of the first-moment average). Got 1.5."),
        ("{name: adam, beta_2: -0.1}", "'beta_2' must be a number in [0, 1)"),
        ("{name: adam, epsilon: 0.0}", "'epsilon' must be a number > 0 (a small constant that keeps a division finite). Got 0.0."),
        ("{name: rmsprop, rho: 1.0}", "'rho' must be a number in [0, 1)"),
        ("{name: sgd, momentum: 1.0}", "'momentum' must be a number in [0, 1) (the share of the last step kept; 1 or more never settles). Got 1.0."),
        ("{name: adamw, weight_decay: -0.01}", "'weight_decay' must be a number >= 0 (a decay of the weights towards 0). Got -0.01."),
        ("{name: adam, clipnorm: 0.0}", "'clipnorm' must be a number > 0 (the largest gradient norm kept). Got 0.0."),
        ("{name: adam, clipnorm: 1.0, clipvalue: 0.5}", "set at most one of clipnorm, clipvalue, global_clipnorm (Keras clips one way). Got clipnorm and clipvalue."),
        ("{name: lion, beta_1: 0.0}", "'beta_1' must be a number in (0, 1] (Lion's interpolation of the update; Keras refuses 0). Got 0.0."),
        ("{name: ftrl, learning_rate_power: 0.5}", "'learning_rate_power' must be a number <= 0"),
        ("{name: adam, gradient_accumulation_steps: 1}", "'gradient_accumulation_steps' must be an integer >= 2 or null (Keras's smallest). Got 1."),
        ("{name: adam, learning_rate: 0.0}", "'learning_rate' must be a number > 0. Got 0.0."),
    ],
    ids=["beta1", "beta2", "epsilon", "rho", "momentum", "weight-decay", "clipnorm", "two-clippings", "lion-beta1",
         "ftrl-power", "accumulation", "learning-rate"],
)
def test_optimizer_arguments_outside_their_range_are_refused(tmp_path, optimizer, message):
    text = MINIMAL.replace("set: {batch_size: 8}", f"set: {{optimizer: {optimizer}}}")
    assert message in errors(text, tmp_path)


def test_optimizer_arguments_inside_their_range_are_accepted(tmp_path):
    path = tmp_path / "h.yaml"
    text = MINIMAL.replace("set: {batch_size: 8}", "set: {optimizer: {name: adam, beta_1: 0.0, beta_2: 0.999, "
                                                   "epsilon: 1.0e-7, weight_decay: 0.0, clipnorm: 1.0}}")  # fmt: skip
    path.write_text(text, encoding="utf-8")
    assert load(path).treatments[0].config.optimizer.args["beta_1"] == 0.0


# -- search files -------------------------------------------------------------

SEARCH = """\
data: {{name: digits, subset: 240}}
base:
  model: {{kind: mlp, units: [8]}}
space:
  {space}
tuner: {{kind: random, objective: val_accuracy, max_epochs: {epochs}, max_trials: 3, seed: {seed}}}
"""


@pytest.mark.parametrize(
    ("space", "epochs", "seed", "message"),
    [
        ("model.units: {type: layers, min: 1, max: 1000000, each: {type: int, min: 8, max: 64}}", 2, 0,
         "space.model.units: 'max' must be at most 100 (the layers of one model; deeper is surely a typo). Got 1000000."),
        ("model.units: {type: layers, min: 1, max: 3, each: {type: int, min: 8, max: 1e11}}", 2, 0,
         "space.model.units.each: 'max' must be an integer from -2,147,483,647 to 2,147,483,647 (2**31 - 1). Got 100000000000.0."),
        ("model.units: {type: layers, min: 1, max: 3, each: {type: int, min: 8, max: 100000000}}", 2, 0,
         "setting 'model.units' to [100000000] makes an invalid config: model: 'units[0]' must be at most 65,536"),
        ("batch_size: {type: int, min: 8, max: 10000000000000}", 2, 0,
         "space.batch_size: 'max' must be an integer from -2,147,483,647 to 2,147,483,647 (2**31 - 1). Got 10000000000000."),
        ("optimizer.learning_rate: {type: float, min: 0.001, max: 1.0e+20}", 2, 0,
         "space.optimizer.learning_rate: 'max' must be a number from -1e+12 to 1e+12. Got 1e+20."),
        ("batch_size: {type: choice, values: [8, 16]}", 100000000000000000000, 0,
         "tuner: 'max_epochs' must be at most 100,000 (more would train for days). Got 100000000000000000000."),
        ("batch_size: {type: choice, values: [8, 16]}", 2, 4294967296,
         "tuner: 'seed' must be below 4,294,967,296 (the seed range of NumPy and the Keras backends). Got 4294967296."),
    ],
    ids=["layers-max-1e6", "each-max-1e11", "each-max-1e8", "int-range", "float-range", "max-epochs", "tuner-seed"],
)
def test_search_spaces_past_their_bounds_are_refused(tmp_path, space, epochs, seed, message):
    from hypolab.tuning.searchspec import load_search

    path = tmp_path / "s.yaml"
    path.write_text(SEARCH.format(space=space, epochs=epochs, seed=seed), encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_search(path)
    assert message in str(caught.value)


# -- the terminal -------------------------------------------------------------


def test_terminal_escapes_in_a_file_name_never_reach_the_terminal_raw(runner, tmp_path):
    path = tmp_path / "x\x1b[2J\x1b]0;owned\x07.yaml"
    path.write_text(MINIMAL.replace("seeds: 5", "seeds: 1"), encoding="utf-8")
    code, output = validate(runner, path)
    assert code == 1
    assert "\x1b" not in output and "\x07" not in output
    assert "x\\x1b[2J\\x1b]0;owned\\x07.yaml" in output


def test_rich_markup_in_arm_names_is_printed_as_written_by_plan(runner, tmp_path):
    path = tmp_path / "h.yaml"
    path.write_text(MINIMAL.replace("  name: batch 64", '  name: "[/bold] batch 64"')
                    .replace("  - name: batch 8", '  - name: "[blink]batch 8"'), encoding="utf-8")  # fmt: skip
    result = runner.invoke(main, ["plan", str(path)])
    assert result.exit_code == 0, result.output
    assert "[/bold] batch 64 (control)" in result.output and "[blink]batch 8" in result.output


def test_a_baseline_that_is_a_fifo_is_named_as_such(tmp_path):
    os.mkfifo(tmp_path / "base.yaml")
    text = MINIMAL.replace("data: {name: digits, subset: 120}", "data: {name: digits, subset: 120}\nbaseline: base.yaml")
    message = errors(text, tmp_path)
    assert "baseline file" in message and "is a named pipe (FIFO), not a regular file" in message
