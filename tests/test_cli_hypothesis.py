"""The validate, plan, new and schema commands."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from hypolab.cli import main
from hypolab.records import RunResult, RunStatus

ROOT = Path(__file__).resolve().parent.parent
BATCHSIZE = ROOT / "hypotheses" / "batchsize.yaml"

BAD = """\
claim: Batch 4 beats batch 128.
metric: test_accuracy
direction: greater
alpha: 5
control: {name: batch 128, set: {batch_size: 128}}
treatments:
  - {name: batch 4, set: {batchsize: 4}}
"""


def test_validate_prints_ok_for_valid_files(runner):
    result = runner.invoke(main, ["validate", str(BATCHSIZE), str(ROOT / "hypotheses" / "units.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{BATCHSIZE}: ok", f"{ROOT / 'hypotheses' / 'units.yaml'}: ok"]


def test_validate_prints_every_error_and_exits_1(runner, tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD)
    result = runner.invoke(main, ["validate", "bad.yaml", str(BATCHSIZE)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: bad.yaml:4:8: 'alpha' must be a number in (0, 1). Got 5.",
        "Error: bad.yaml:7:27: treatments[0].set: unknown key 'batchsize'. Did you mean 'batch_size'?",
        "1 of 2 files failed validation.",
    ]
    assert f"{BATCHSIZE}: ok" in result.stdout
    assert "Traceback" not in result.output


def test_validate_prints_warnings_of_valid_files(runner, tmp_path):
    (tmp_path / "few.yaml").write_text(BATCHSIZE.read_text().replace("seeds: 10", "seeds: 3"))
    result = runner.invoke(main, ["validate", "few.yaml"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("few.yaml: warning: only 3 seeds per arm: power will be low")
    assert result.stdout.splitlines()[-1] == "few.yaml: ok"


def test_validate_a_missing_file_is_an_error_not_a_traceback(runner):
    result = runner.invoke(main, ["validate", "nothere.yaml"])
    assert result.exit_code == 1
    assert "Error: nothere.yaml: hypothesis file not found." in result.stderr


def test_plan_prints_the_design_runs_and_seeds(runner):
    result = runner.invoke(main, ["plan", str(BATCHSIZE)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "batch_size" in out and "batch 128 (control)" in out and "model.units" not in out
    assert "runs: 2 arms x 10 seeds = 20 runs (20 distinct run keys)" in out
    assert "seeds: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9" in out


def test_plan_of_a_bad_file_is_an_error(runner, tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD)
    result = runner.invoke(main, ["plan", "bad.yaml"])
    assert result.exit_code == 1
    assert "Error: bad.yaml:4:8: 'alpha' must be a number in (0, 1). Got 5." in result.stderr


def _finished(spec, value):
    return RunResult(
        key=spec.key, hypothesis=spec.hypothesis, arm=spec.arm, seed=spec.seed, config=spec.config,
        data=spec.data.to_dict(), status=RunStatus.FINISHED, metrics={"test_accuracy": value},
    )


def test_plan_with_a_store_estimates_seeds_for_80_percent_power(runner, tmp_path):
    from hypolab.plan import plan
    from hypolab.hypothesis import load
    from hypolab.store import RunStore

    h = load(BATCHSIZE)
    values = {"batch 128": [0.90, 0.92, 0.94], "batch 4": [0.91, 0.93, 0.95]}  # SD 0.02 in each arm
    with RunStore(tmp_path / "runs.sqlite") as store:
        for spec in plan(h):
            if spec.seed < 3:
                store.put(_finished(spec, values[spec.arm][spec.seed]))
    result = runner.invoke(main, ["plan", str(BATCHSIZE), "--store", "runs.sqlite"])
    assert result.exit_code == 0, result.output
    # R: ceiling(power.t.test(delta=0.01, sd=0.02, power=0.8, alternative="one.sided")$n) = 51
    assert "  batch 4 vs batch 128: 51 (SD 0.02; 3 + 3 finished runs; the file has 10)" in result.stdout


def test_plan_with_a_missing_store_still_prints_the_plan(runner):
    result = runner.invoke(main, ["plan", str(BATCHSIZE), "--store", "nothere.sqlite"])
    assert result.exit_code == 0
    assert "power estimate skipped: no run store at nothere.sqlite yet." in result.stdout
    assert not Path("nothere.sqlite").exists()


def test_new_writes_a_starter_that_validates_and_never_overwrites(runner, tmp_path):
    result = runner.invoke(main, ["new", "myclaim"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "hypotheses" / "myclaim.yaml"
    assert "wrote hypotheses/myclaim.yaml" in result.stdout
    text = path.read_text()
    assert text.startswith("# myclaim: a hypolab hypothesis file")
    assert runner.invoke(main, ["validate", "hypotheses/myclaim.yaml"]).exit_code == 0
    for key in ("ordered:", "pack:", "failed_runs:", "baseline:", "subset:", "target:"):  # the keys a student may need
        assert key in text, key
    again = runner.invoke(main, ["new", "myclaim"])
    assert again.exit_code == 1
    assert "hypotheses/myclaim.yaml already exists; not overwriting it." in again.stderr
    assert path.read_text() == text


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "sp ace"], ids=["dotdot", "slash", "dot", "empty", "space"])
def test_new_rejects_names_that_are_not_plain(runner, tmp_path, name):
    result = runner.invoke(main, ["new", name])
    assert result.exit_code == 2
    assert "NAME must be letters, digits, '-' or '_'" in result.stderr
    assert not (tmp_path / "hypotheses").exists()


def test_new_search_calls_the_tuning_starter(runner, monkeypatch):
    calls = []
    fake = types.ModuleType("hypolab.tuning.starter")
    fake.write_search_starter = lambda name: calls.append(name) or Path("hypotheses") / f"{name}.search.yaml"
    monkeypatch.setitem(sys.modules, "hypolab.tuning.starter", fake)
    result = runner.invoke(main, ["new", "wide", "--search"])
    assert result.exit_code == 0, result.output
    assert calls == ["wide"]
    assert "wrote hypotheses/wide.search.yaml" in result.stdout


def test_schema_prints_json_and_writes_a_file(runner, tmp_path):
    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "hypolab hypothesis file (v1)"
    written = runner.invoke(main, ["schema", "-o", "hypolab.schema.json"])
    assert written.exit_code == 0 and "wrote hypolab.schema.json" in written.stdout
    assert json.loads((tmp_path / "hypolab.schema.json").read_text()) == schema


def test_plan_with_a_margin_needing_over_10_million_seeds_says_so(runner, tmp_path):
    from hypolab.plan import plan
    from hypolab.hypothesis import load
    from hypolab.store import RunStore

    # Found by the bad-input sweep: seeds_needed's ValueError came out as a traceback.
    tiny = tmp_path / "tiny_margin.yaml"
    tiny.write_text(BATCHSIZE.read_text().replace("margin: 0.01 ", "margin: 0.000000001 "))
    h = load(tiny)
    values = {"batch 128": [0.90, 0.92, 0.94], "batch 4": [0.91, 0.93, 0.95]}
    with RunStore(tmp_path / "runs.sqlite") as store:
        for spec in plan(h):
            if spec.seed < 3:
                store.put(_finished(spec, values[spec.arm][spec.seed]))
    result = runner.invoke(main, ["plan", str(tiny), "--store", "runs.sqlite"])
    assert result.exit_code == 0, result.output
    assert "  batch 4 vs batch 128: more than 10 million (SD 0.02; 3 + 3 finished runs" in result.stdout


def test_new_where_hypotheses_is_a_file_is_an_error(runner, tmp_path):
    # Found by the bad-input sweep: mkdir's FileExistsError came out as a traceback.
    (tmp_path / "hypotheses").write_text("not a folder")
    result = runner.invoke(main, ["new", "x"])
    assert result.exit_code == 1
    assert ("Error: cannot write hypotheses/x.yaml: hypotheses is a file, not a folder. "
            "Expected a folder hypotheses/ here; rename the file hypotheses.") in result.stderr


def test_plan_computes_power_at_the_analysis_level_for_several_treatments(runner, tmp_path):
    from hypolab.pipeline import analyze_hypothesis
    from hypolab.plan import plan
    from hypolab.hypothesis import load
    from hypolab.store import RunStore

    # Two treatments under Holm: power is computed at alpha / 2, in plan as in the analysis.
    two = tmp_path / "two.yaml"
    two.write_text(BATCHSIZE.read_text() + "  - name: batch 32\n    set: {batch_size: 32}\n")
    h = load(two)
    values = {"batch 128": [0.90, 0.92, 0.94], "batch 4": [0.91, 0.93, 0.95], "batch 32": [0.91, 0.93, 0.95]}
    stored = []
    with RunStore(tmp_path / "runs.sqlite") as store:
        for spec in plan(h):
            if spec.seed < 3:
                stored.append(_finished(spec, values[spec.arm][spec.seed]))
                store.put(stored[-1])
    result = runner.invoke(main, ["plan", str(two), "--store", "runs.sqlite"])
    assert result.exit_code == 0, result.output
    # R: ceiling(power.t.test(delta=0.01, sd=0.02, power=0.8, sig.level=0.025, alternative="one.sided")$n) = 64
    assert "  batch 4 vs batch 128: 64 (SD 0.02; 3 + 3 finished runs; the file has 10)" in result.stdout
    analysis = analyze_hypothesis(h, stored).to_dict()
    assert {c["seeds_needed"] for c in analysis["comparisons"]} == {64}


def test_plan_says_what_pack_auto_chose_on_this_machine_and_why(runner, tmp_path, monkeypatch):
    from hypolab import probes
    from hypolab.hypothesis import load
    from hypolab.plan import plan as plan_runs

    monkeypatch.setenv("HYPOLAB_CACHE_DIR", str(tmp_path / "cache"))
    before = runner.invoke(main, ["plan", str(BATCHSIZE)])
    assert "pack: auto: each arm trains as many of its 10 seeds in one model as the memory of the device that " in (
        before.output)
    h = load(BATCHSIZE)
    data = plan_runs(h)[0].data
    probes.remember(h.control.config, data, probes.PackProbe(device="cpu", size=4, why="on cpu: 4 copies 2.0 ms a step",
                                                             measured_at="2026-12-01T00:00:00Z"))  # fmt: skip
    after = runner.invoke(main, ["plan", str(BATCHSIZE)])
    assert after.exit_code == 0, after.output
    assert ("pack: auto chose 4 seeds per model for batch 128 on cpu: on cpu: 4 copies 2.0 ms a step "
            "(2026-12-01T00:00:00Z)") in after.output
    assert "pack: auto: each arm trains" in after.output  # batch 4 has no measurement yet
