"""Run identity (issue 13), with the fake trainer: the data's content, the baseline and the registered text.

A key holds the data's content, never its path; a changed data file or
baseline gives new keys, and status, plan, report and test say why stored runs
are not reused; edits after registration are flagged wherever a verdict appears.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from runner_cases import write_hypothesis

from hypolab import pipeline, plan
from hypolab.cli import main
from hypolab.errors import DataError, TuningError
from hypolab.executors.worker import Worker, WorkerSettings
from hypolab.hypothesis import load
from hypolab.store import RunStore

CSV_HYPOTHESIS = """\
claim: Wider is better on my table.
metric: test_accuracy
direction: greater
seeds: 2
pack: 1
data: {{name: {data}, target: label}}
base:
  model: {{kind: mlp, units: [4]}}
  epochs: 1
control: {{name: narrow}}
treatments:
  - name: wide
    set: {{model.units: [8]}}
"""


def _table(path: Path, rows: int = 60, shift: float = 0.0) -> Path:
    lines = ["a,b,label"] + [f"{i % 7 + shift},{i % 5},{i % 3}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """``hypotheses/table.yaml`` naming ``table.csv`` beside it; the working folder is the project."""
    folder = tmp_path / "hypotheses"
    folder.mkdir()
    _table(folder / "table.csv")
    (folder / "table.yaml").write_text(CSV_HYPOTHESIS.format(data="table.csv"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _keys(path) -> list[str]:
    return [spec.key for spec in plan.plan(load(path))]


def test_the_same_data_file_gives_the_same_keys_from_any_folder_or_as_an_absolute_path(project, monkeypatch):
    from_root = _keys("hypotheses/table.yaml")
    absolute = project / "hypotheses" / "absolute.yaml"
    absolute.write_text(CSV_HYPOTHESIS.format(data=project / "hypotheses" / "table.csv"))
    assert _keys(absolute) == from_root
    monkeypatch.chdir(project / "hypotheses")
    assert _keys("table.yaml") == from_root
    copy = project / "elsewhere.csv"
    shutil.copyfile(project / "hypotheses" / "table.csv", copy)  # the same content under another name
    absolute.write_text(CSV_HYPOTHESIS.format(data=copy))
    assert _keys(absolute) == from_root


def test_an_edited_data_file_gives_new_keys_and_every_command_says_the_data_changed(project, runner, fake):
    store = project / "runs.sqlite"
    pipeline.run_hypothesis("hypotheses/table.yaml", store=store, device="cpu")
    before = _keys("hypotheses/table.yaml")
    _table(project / "hypotheses" / "table.csv", shift=1.0)
    assert set(_keys("hypotheses/table.yaml")).isdisjoint(before)
    said = "stored runs were made on other data (hypotheses/table.csv, sha256:"
    for args in (["status", "hypotheses/table.yaml", "--store", str(store)], ["status", "--store", str(store)],
                 ["plan", "hypotheses/table.yaml", "--store", str(store)]):  # fmt: skip
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "stored runs do not match the file: the data changed: " + said in result.output, args
        if args[0] == "status":
            assert "0         0       0        0        2" in result.output  # every run pending again
    report = runner.invoke(main, ["report", "hypotheses/table.yaml", "--store", str(store)])
    assert report.exit_code == 1
    assert "They are missing because the data changed: " + said in report.output
    test = runner.invoke(main, ["test", "hypotheses/table.yaml", "--store", str(store), "--device", "cpu"])
    assert test.exit_code == 0, test.output
    assert "stored runs not reused: the data changed: " + said in test.output
    assert "table: 4 runs (4 trained now, 0 from the store" in test.output


def test_status_of_every_hypothesis_agrees_with_status_of_its_file(project, runner, fake):
    store = str(project / "runs.sqlite")
    pipeline.run_hypothesis("hypotheses/table.yaml", store=store, device="cpu")
    _table(project / "hypotheses" / "table.csv", shift=2.0)
    every = runner.invoke(main, ["status", "--store", store]).output.splitlines()
    one = runner.invoke(main, ["status", "hypotheses/table.yaml", "--store", store]).output.splitlines()
    assert every[1:] == one[1:] and len(one) > 4


def test_a_worker_refuses_data_that_changed_since_its_runs_were_planned(project):
    spec = plan.plan(load("hypotheses/table.yaml"))[0]
    _table(project / "hypotheses" / "table.csv", shift=3.0)
    with pytest.raises(DataError, match=r"changed since its runs were planned \(its content hash is now sha256:"):
        Worker(WorkerSettings(device="cpu")).dataset(spec.data, None)


# -- baselines ----------------------------------------------------------------------

BASELINE = """\
data: {{name: digits, target: null, validation_split: 0.2, test_split: 0.2, split_seed: {split_seed},
       subset: null, fingerprint: digits}}
score: {score}
base:
  model: {{kind: mlp, units: [{units}]}}
  epochs: 1
  batch_size: 32
"""


def _with_baseline(folder: Path, *, split_seed=0, units=8, score=0.5, data=True) -> Path:
    baselines = folder / "baselines"
    baselines.mkdir(exist_ok=True)
    text = BASELINE.format(split_seed=split_seed, units=units, score=score)
    (baselines / "mlp.yaml").write_text(text if data else text.split("\n", 2)[2])
    path = write_hypothesis(folder, "onbase", seeds=2)
    text = path.read_text().replace("base:\n  model:\n    kind: mlp\n    units: [8]\n", "baseline: baselines/mlp.yaml\nbase:\n  model:\n    kind: mlp\n")
    path.write_text(text)
    return path


def test_a_hypothesis_records_its_baseline_and_a_changed_baseline_is_reported(tmp_path, runner, fake):
    path = _with_baseline(tmp_path)
    store = str(tmp_path / "runs.sqlite")
    h = load(path)
    assert h.baseline is not None and h.baseline.path.endswith("baselines/mlp.yaml") and len(h.baseline.sha256) == 64
    pipeline.test(path, store=store, device="cpu", reports_root=tmp_path / "reports")
    with RunStore(store, read_only=True) as s:
        assert s.registration("onbase").baseline == h.baseline
    _with_baseline(tmp_path, units=16)  # hypolab tune --force wrote another architecture
    said = "the baseline " + str(tmp_path / "baselines" / "mlp.yaml") + " changed (sha256 " + h.baseline.sha256[:12]
    status = runner.invoke(main, ["status", str(path), "--store", store]).output
    assert "stored runs do not match the file: " + said in status
    assert "registration: baseline " in status and "changed since registration" in status
    test = runner.invoke(main, ["test", str(path), "--store", store, "--device", "cpu", "--reports", str(tmp_path / "reports")])
    assert test.exit_code == 0, test.output
    assert "stored runs not reused: " + said in test.output
    assert "Warning: baseline " in test.output and "changed since registration" in test.output
    results = json.loads((tmp_path / "reports" / "onbase" / "results.json").read_text())
    assert results["registration"]["baseline_changed"] is True and results["registration"]["edited"] is False
    assert "Baseline changed since registration." in (tmp_path / "reports" / "onbase" / "index.html").read_text()


def test_a_baseline_tuned_on_another_split_is_a_validation_error_naming_both(tmp_path, runner):
    path = _with_baseline(tmp_path, split_seed=1)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert ("was tuned on 'digits' (test_split 0.2, split_seed 1) but this hypothesis uses 'digits' "
            "(test_split 0.2, split_seed 0)") in result.output  # fmt: skip
    assert "may have been chosen on this hypothesis's test examples" in result.output


def test_a_baseline_without_its_data_config_is_a_warning(tmp_path, runner):
    result = runner.invoke(main, ["validate", str(_with_baseline(tmp_path, data=False))])
    assert result.exit_code == 0, result.output
    assert "records no data config (written by an older 'hypolab tune')" in result.output


def test_tune_refuses_to_replace_a_baseline_a_registered_hypothesis_uses(tmp_path, fake):
    from hypolab.tuning.baseline import check_replaceable

    path = _with_baseline(tmp_path)
    store = tmp_path / "runs.sqlite"
    baseline = tmp_path / "baselines" / "mlp.yaml"
    check_replaceable(baseline, store)  # no store yet: nobody uses it
    pipeline.run_hypothesis(path, store=store, device="cpu")
    with pytest.raises(TuningError, match=r"mlp\.yaml is the baseline that registered hypotheses built on \(onbase\).*"
                                          r"pass --force to replace it"):
        check_replaceable(baseline, store)
    check_replaceable(tmp_path / "baselines" / "new.yaml", store)  # a new name is always fine


# -- edits after registration ------------------------------------------------------------


def test_an_edit_after_registration_is_flagged_wherever_the_verdict_appears(tmp_path, runner, fake):
    path, store, reports = write_hypothesis(tmp_path, seeds=3), str(tmp_path / "runs.sqlite"), tmp_path / "reports"
    args = ["test", str(path), "--store", store, "--device", "cpu", "--reports", str(reports)]
    assert runner.invoke(main, args).exit_code == 0
    path.write_text(path.read_text().replace("direction: greater\nmargin: 0.01", "direction: equivalent\nmargin: 0.3"))
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    flag = "edited after registration on "
    assert f"Warning: {flag}" in result.output and "(changed: direction, margin)" in result.output
    summary = (reports / "tiny" / "summary.md").read_text()
    assert f"**Warning: {flag}" in summary and "changed: direction, margin" in summary
    registration = json.loads((reports / "tiny" / "results.json").read_text())["registration"]
    assert registration["edited"] is True and registration["changed"] == ["direction", "margin"]
    assert len(registration["registered_sha256"]) == 64 and registration["registered_sha256"] != registration["sha256"]
    index = (reports / "index.html").read_text()
    assert "Warning: edited after registration" in index
    report = runner.invoke(main, ["report", str(path), "--store", store, "--out", str(reports)])
    assert report.exit_code == 0 and f"Warning: {flag}" in report.output


def test_an_unedited_file_says_so_in_results_json(tmp_path, fake):
    path, store = write_hypothesis(tmp_path, seeds=3), tmp_path / "runs.sqlite"
    outcome = pipeline.test(path, store=store, device="cpu", reports_root=tmp_path / "reports")
    registration = json.loads((tmp_path / "reports" / "tiny" / "results.json").read_text())["registration"]
    assert registration["registered"] is True and registration["edited"] is False and registration["changed"] == []
    assert not outcome.registration.flagged
    runs_csv = (tmp_path / "reports" / "tiny" / "runs.csv").read_text().splitlines()
    assert runs_csv[0] == "hypothesis,arm,seed,key,status,engine,timing,metric,value"
    assert all(",packed,own," in line for line in runs_csv[1:])  # each record says what its train_seconds measures


def test_a_store_from_before_run_identity_says_why_its_runs_are_not_reused(tmp_path, runner):
    store = tmp_path / "runs.sqlite"
    shutil.copyfile(Path(__file__).parent / "stores" / "v2-before-run-identity.sqlite", store)
    path = write_hypothesis(tmp_path, seeds=2, pack=1)
    assert path.read_text() == (Path(__file__).parent / "stores" / "v2-tiny.yaml").read_text()
    result = runner.invoke(main, ["report", str(path), "--store", str(store)])
    assert result.exit_code == 1
    assert "They are missing because its stored runs were planned by an older hypolab" in result.output
