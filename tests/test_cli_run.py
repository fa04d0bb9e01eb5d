"""``hypolab test`` and ``hypolab status``: in-process with CliRunner, and as real processes
that are killed mid-run or run side by side."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from runner_cases import CLI_WITH_FAKE_EXECUTOR, FakeTrainer, write_hypothesis

from hypolab import plan
from hypolab.cli import main
from hypolab.hypothesis import load as load_hypothesis
from hypolab.store import RunStore

CLI = [sys.executable, "-c", "from hypolab.cli import main; main()"]


def test_test_trains_reports_and_a_second_run_trains_nothing(runner, tmp_path):
    path, store = write_hypothesis(tmp_path, seeds=2), tmp_path / "runs.sqlite"
    args = ["test", str(path), "--store", str(store), "--device", "cpu", "--reports", str(tmp_path / "reports")]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "tiny: 4 runs planned, 0 already in the store, 4 to train" in first.output
    assert re.search(r"\[1/4\] batch 64, seed 0: finished, test_accuracy \d\.\d{4} \(\d+\.\d s\)", first.output)
    assert f"tiny: 4 runs (4 trained now, 0 from the store {store})" in first.output
    assert re.search(r"Verdict \(batch 8 vs batch 64\): (supported|contradicted|inconclusive|equivalent)\. ", first.output)
    report = tmp_path / "reports" / "tiny"
    assert f"Report: {report / 'index.html'}" in first.output
    assert sorted(p.name for p in report.iterdir()) == ["index.html", "results.json", "runs.csv", "summary.md"]
    assert (tmp_path / "reports" / "index.html").is_file()
    second = runner.invoke(main, args)
    assert second.exit_code == 0, second.output
    assert f"tiny: 4 runs (0 trained now, 4 from the store {store})" in second.output


def test_summary_names_failed_and_diverged_runs(runner, tmp_path, monkeypatch):
    FakeTrainer(fail={("batch 8", 1)}).install(monkeypatch)
    result = runner.invoke(main, ["test", str(write_hypothesis(tmp_path)), "--store", str(tmp_path / "s.sqlite"),
                               "--device", "cpu", "--reports", str(tmp_path / "reports")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "  failed: batch 8, seed 1: RuntimeError: out of memory" in result.output


def test_status_counts_runs_per_arm(runner, tmp_path, monkeypatch):
    FakeTrainer(fail={("batch 8", 1)}).install(monkeypatch)
    path, store = write_hypothesis(tmp_path), tmp_path / "runs.sqlite"
    before = runner.invoke(main, ["status", str(path), "--store", str(store)])
    assert before.exit_code == 0, before.output
    assert not store.exists()  # looking creates nothing
    assert before.output.splitlines() == [
        f"tiny ({path})",
        "  arm       planned  finished  diverged  failed  running  pending",
        "  batch 64        3         0         0       0        0        3",
        "  batch 8         3         0         0       0        0        3",
    ]
    from hypolab import pipeline

    pipeline.run_hypothesis(path, store=store, device="cpu")
    after = runner.invoke(main, ["status", "--store", str(store)])
    assert after.output.splitlines()[2:] == [
        "  batch 64        3         3         0       0        0        0",
        "  batch 8         3         2         0       1        0        0",
    ]


def test_status_without_a_store_says_what_to_do(runner, tmp_path):
    result = runner.invoke(main, ["status", "--store", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 0
    assert result.output == f"No run store at {tmp_path / 'none.sqlite'} yet. Run 'hypolab test FILE' first, or pass --store.\n"


@pytest.mark.parametrize("value", ["0", "-2", "many"], ids=["zero", "negative", "word"])
def test_a_bad_pack_value_is_a_usage_error(runner, tmp_path, value):
    result = runner.invoke(main, ["test", str(write_hypothesis(tmp_path)), "--pack", value])
    assert result.exit_code == 2
    assert f"Invalid value for '--pack': must be 'auto' or a positive integer. Got '{value}' instead." in result.output


def test_a_missing_file_is_an_error_not_a_traceback(runner, tmp_path):
    result = runner.invoke(main, ["test", str(tmp_path / "nope.yaml"), "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "nope.yaml" in result.output
    assert "Traceback" not in result.output


def test_a_store_that_is_not_a_database_is_an_error(runner, tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database\n" * 100)
    result = runner.invoke(main, ["status", "--store", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Cannot open run store {bad}: file is not a database.")


@pytest.mark.parametrize("option", ["--tensorboard", "--reports"])
def test_an_unwritable_output_folder_is_refused_before_training(runner, tmp_path, monkeypatch, option):
    # Found by the bad-input sweep: --tensorboard under a file failed every run and, with --rerun,
    # replaced the finished records; a bad --reports lost the report after training.
    trainer = FakeTrainer()
    trainer.install(monkeypatch)
    (tmp_path / "blocker").write_text("x")
    folder = tmp_path / "blocker" / "out"
    result = runner.invoke(main, ["test", str(write_hypothesis(tmp_path)), "--store", str(tmp_path / "s.sqlite"),
                               "--device", "cpu", option, str(folder)])  # fmt: skip
    assert result.exit_code == 2
    assert (f"Invalid value for '{option}': cannot create the folder {folder}: {tmp_path / 'blocker'} "
            "is a file, not a folder. Expected a folder you can write to.") in result.output
    assert trainer.calls == [] and not (tmp_path / "s.sqlite").exists()


def _records(store_path) -> list[tuple[str, int]]:
    if not store_path.exists():
        return []
    db = sqlite3.connect(store_path, timeout=30)
    try:
        return db.execute("SELECT key, current FROM runs").fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        db.close()


def _expect_exactly_the_planned_runs(path, store_path) -> None:
    planned = sorted(s.key for s in plan.plan(load_hypothesis(path)))
    keys = [key for key, _ in _records(store_path)]
    assert sorted(keys) == planned  # every planned run once, none twice
    with RunStore(store_path) as store:
        assert store.running_keys() == set()


@pytest.mark.parametrize(("pack", "seeds"), [(1, 2), (2, 4)], ids=["one-at-a-time", "packed"])
def test_a_killed_test_resumes_with_exactly_the_planned_runs(runner, tmp_path, pack, seeds):
    path, store = write_hypothesis(tmp_path, seeds=seeds, epochs=4, pack=pack), tmp_path / "runs.sqlite"
    planned = 2 * seeds
    command = [*CLI, "test", str(path), "--store", str(store), "--device", "cpu", "--reports", str(tmp_path / "r")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not _records(store) and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL  # killed mid-run, not finished
    done_before = len(_records(store))
    assert 1 <= done_before < planned
    resumed = runner.invoke(main, command[3:])
    assert resumed.exit_code == 0, resumed.output
    assert f"tiny: {planned} runs ({planned - done_before} trained now, {done_before} from the store" in resumed.output
    _expect_exactly_the_planned_runs(path, store)
    if pack > 1:
        # A resumed packed arm gives what an uninterrupted one gives, seed by seed.
        fresh = tmp_path / "fresh.sqlite"
        whole = runner.invoke(main, ["test", str(path), "--store", str(fresh), "--device", "cpu", "--reports", str(tmp_path / "r2")])
        assert whole.exit_code == 0, whole.output
        with RunStore(store) as a, RunStore(fresh) as b:
            keys = [s.key for s in plan.plan(load_hypothesis(path))]
            resumed_runs, whole_runs = a.results_for(keys), b.results_for(keys)
        for key in keys:
            assert resumed_runs[key].metrics["test_accuracy"] == pytest.approx(whole_runs[key].metrics["test_accuracy"], abs=1e-6)
            assert resumed_runs[key].history["loss"] == pytest.approx(whole_runs[key].history["loss"], rel=1e-5)


def _run_two_at_once(command, tmp_path) -> list[int]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    processes = [
        subprocess.Popen([*command, "--reports", str(tmp_path / f"reports{i}")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
        for i in range(2)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    return [int(re.search(r"tiny: \d+ runs \((\d+) trained now", out).group(1)) for out, _ in outputs]


def test_two_concurrent_tests_split_the_runs_between_them(tmp_path):
    # The executor is faked (0.3 s a run, no Keras): this is about claims, and both processes overlap for sure.
    path, store = write_hypothesis(tmp_path, seeds=5), tmp_path / "runs.sqlite"
    trained = _run_two_at_once([*CLI_WITH_FAKE_EXECUTOR, "test", str(path), "--store", str(store)], tmp_path)
    assert sum(trained) == 10 and min(trained) > 0  # both worked, neither trained a run the other did
    _expect_exactly_the_planned_runs(path, store)


@pytest.mark.slow
def test_two_concurrent_real_tests_on_one_file_never_train_a_run_twice(tmp_path):
    path, store = write_hypothesis(tmp_path, seeds=3, epochs=2), tmp_path / "runs.sqlite"
    trained = _run_two_at_once([*CLI, "test", str(path), "--store", str(store), "--device", "cpu"], tmp_path)
    assert sum(trained) == 6
    _expect_exactly_the_planned_runs(path, store)


def test_several_files_load_the_data_once_train_a_shared_run_once_and_end_with_a_line_each(runner, tmp_path, fake,
                                                                                           monkeypatch):
    from hypolab import datasets, report

    loads, indexes = [], []
    real_load, real_index = datasets.load, report.write_index
    monkeypatch.setattr(datasets, "load", lambda data, **kw: loads.append(data) or real_load(data, **kw))
    monkeypatch.setattr(report, "write_index", lambda root: indexes.append(root) or real_index(root))
    first = write_hypothesis(tmp_path, "first", seeds=2)
    second = write_hypothesis(tmp_path, "second", seeds=2, treatment_batch=16)  # the same control arm: shared runs
    result = runner.invoke(main, ["test", str(first), str(second), "--store", str(tmp_path / "s.sqlite"), "--device",
                                  "cpu", "--reports", str(tmp_path / "reports")])  # fmt: skip
    assert result.exit_code == 0, result.output
    # The second file's treatment is named "batch 8" too, but trains batch 16: another config, other runs.
    assert sorted(fake.calls) == sorted([("batch 64", 0), ("batch 64", 1)] + [("batch 8", 0), ("batch 8", 1)] * 2)
    assert len(loads) == 1 and len(indexes) == 1
    assert f"first: 4 runs (4 trained now, 0 from the store {tmp_path / 's.sqlite'})" in result.output
    assert f"second: 4 runs (2 trained now, 2 from the store {tmp_path / 's.sqlite'})" in result.output
    closing = result.output.split("2 hypotheses:\n")[1].splitlines()
    assert [line.split(":")[0] for line in closing] == ["  first", "  second"]
    assert re.match(r"  second: batch 8 vs batch 64: (supported|contradicted|inconclusive|equivalent) \(4 runs, "
                    r"2 trained now; .*second.index\.html\)$", closing[1])  # fmt: skip
    index = (tmp_path / "reports" / "index.html").read_text()
    assert "first/index.html" in index and "second/index.html" in index


def test_an_invalid_file_among_several_trains_nothing(runner, tmp_path, fake):
    good, bad = write_hypothesis(tmp_path, "good"), tmp_path / "bad.yaml"
    bad.write_text("claim: nothing else\n")
    result = runner.invoke(main, ["test", str(good), str(bad), "--store", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 1 and "bad.yaml" in result.output
    assert fake.calls == [] and not (tmp_path / "s.sqlite").exists()


@pytest.mark.parametrize("flags", [["--ray-address", "auto"], ["--workers", "2"], ["--gpus-per-unit", "0.5"]],
                         ids=["address", "workers", "gpus"])  # fmt: skip
def test_ray_options_without_executor_ray_are_refused_before_training(runner, tmp_path, fake, flags):
    result = runner.invoke(main, ["test", str(write_hypothesis(tmp_path)), "--store", str(tmp_path / "s.sqlite"),
                                  *flags])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {flags[0]} set the Ray executor's cluster and workers. Got them with "
                                    "--executor local; add --executor ray, or leave them out.")  # fmt: skip
    assert fake.calls == [] and not (tmp_path / "s.sqlite").exists()
