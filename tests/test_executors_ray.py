"""The Ray executor: a local Ray instance of 2 CPUs, real tiny training, the driver writing the store.

One Ray instance serves the module (started by the ``ray_instance`` fixture
and always shut down); every test checks the same thing as ``local`` gives:
the same keys and the same numbers, each planned run in the store exactly
once, also after a worker process is killed in the middle of a pack.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np
import pytest
from runner_cases import write_hypothesis

from hypolab import executors, pipeline
from hypolab.errors import ExecutorError
from hypolab.progress import NullProgress
from hypolab.records import RunOptions, RunStatus
from hypolab.store import RunStore

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")  # a dependency of Ray itself

BN_DROPOUT = """\
claim: Ray trains what local trains.
metric: test_accuracy
direction: greater
seeds: 3
pack: 2
data: {name: digits, subset: 120}
base:
  model: {kind: mlp, units: [12], dropout: 0.25, batch_norm: true}
  optimizer: {name: adam, learning_rate: 0.01}
  epochs: 3
  batch_size: 16
control: {name: small batch}
treatments:
  - name: large batch
    set: {batch_size: 40}
"""


def _ray_processes() -> list[str]:
    """Ray's own processes (raylet, GCS, workers) that this test process started, as ``pid args``:
    descendants only, so another Ray on the machine never counts."""
    rows = []
    for child in psutil.Process().children(recursive=True):
        try:
            rows.append(f"{child.pid} {' '.join(child.cmdline())}")
        except psutil.ZombieProcess:  # exited but not reaped: still listed, by its name
            rows.append(f"{child.pid} [{child.name()}] <defunct>")
        except psutil.NoSuchProcess:  # gone since the listing
            continue
    return [row for row in rows
            if "raylet" in row or "gcs_server" in row or "ray::" in row or "default_worker.py" in row]  # fmt: skip


@pytest.fixture(scope="module")
def ray_instance():
    """A local Ray instance sized for 2 cores, shut down after the module whatever happened."""
    assert not ray.is_initialized()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield ray
    finally:
        ray.shutdown()
    assert not ray.is_initialized()
    deadline = time.monotonic() + 15
    while _ray_processes() and time.monotonic() < deadline:  # the raylet takes its workers down with it
        time.sleep(0.5)
    assert _ray_processes() == [], "Ray processes outlived ray.shutdown()"


@pytest.fixture(scope="module")
def local_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("local")
    path = folder / "paths.yaml"
    path.write_text(BN_DROPOUT)
    results = pipeline.run_hypothesis(path, options=RunOptions(store=folder / "runs.sqlite", device="cpu"))
    assert {r.status for r in results} == {RunStatus.FINISHED}
    return {r.key: r for r in results}


def _assert_same_numbers(results, local):
    assert sorted(r.key for r in results) == sorted(local)
    for result in results:
        want = local[result.key]
        assert (result.arm, result.seed, result.status) == (want.arm, want.seed, want.status)
        assert result.history.keys() == want.history.keys()
        for name, values in result.history.items():
            np.testing.assert_allclose(values, want.history[name], atol=1e-5, err_msg=name)
        for name in ("test_accuracy", "test_loss", "val_loss", "loss"):
            assert result.metrics[name] == pytest.approx(want.metrics[name], abs=1e-5), name


class KillOneWorker(NullProgress):
    """At the first epoch any pack reports, SIGKILLs a Ray worker process in the middle of training a unit."""

    def __init__(self):
        self.killed: list[int] = []

    def epoch_done(self, specs, epoch, epochs, logs):
        if self.killed:
            return
        training = [line for line in _ray_processes() if "ray::_train_unit" in line]
        assert training, "no Ray worker is training a unit"
        pid = int(training[0].split()[0])
        os.kill(pid, signal.SIGKILL)
        self.killed.append(pid)


def test_a_worker_killed_mid_pack_is_retried_and_every_run_is_stored_once_with_local_s_numbers(
    ray_instance, local_results, tmp_path
):
    path = tmp_path / "paths.yaml"
    path.write_text(BN_DROPOUT)
    progress = KillOneWorker()
    options = RunOptions(store=tmp_path / "runs.sqlite", device="cpu", executor="ray")
    results = pipeline.run_hypothesis(path, options=options, progress=progress)
    assert progress.killed, "the test killed no worker"
    _assert_same_numbers(results, local_results)
    with RunStore(tmp_path / "runs.sqlite", read_only=True) as store:
        records = store.all_records()
    assert sorted(r.key for r in records) == sorted(local_results)  # each planned run exactly once
    assert ray_instance.is_initialized()  # an instance this process had started already is left running


def test_ray_trains_what_local_trains_and_resumes_from_the_store(ray_instance, local_results, tmp_path):
    path = tmp_path / "paths.yaml"
    path.write_text(BN_DROPOUT)
    options = RunOptions(store=tmp_path / "runs.sqlite", device="cpu", executor="ray", workers=2, pack=1)
    first = pipeline.test(path, options=options, reports_root=tmp_path / "reports")
    assert first.trained == 6 and first.report_path is not None
    _assert_same_numbers(first.results, local_results)  # --pack 1 too: a seed's numbers do not depend on its pack
    again = pipeline.test(path, options=options, reports_root=tmp_path / "reports")
    assert again.trained == 0 and [r.key for r in again.results] == [r.key for r in first.results]


class InterruptAtFirstEpoch(NullProgress):
    """Ctrl-C on the driver while packs train: a KeyboardInterrupt from the first epoch's progress."""

    def epoch_done(self, specs, epoch, epochs, logs):
        raise KeyboardInterrupt


def test_ctrl_c_cancels_the_tasks_and_releases_every_lease(ray_instance, tmp_path):
    path = tmp_path / "paths.yaml"
    path.write_text(BN_DROPOUT.replace("epochs: 3", "epochs: 30"))
    options = RunOptions(store=tmp_path / "runs.sqlite", device="cpu", executor="ray")
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_hypothesis(path, options=options, progress=InterruptAtFirstEpoch())
    deadline = time.monotonic() + 15
    while any("ray::_train_unit" in line for line in _ray_processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any("ray::_train_unit" in line for line in _ray_processes()), "a task still trains after Ctrl-C"
    with RunStore(tmp_path / "runs.sqlite", read_only=True) as store:
        rows = store.arm_status("paths")
    assert sum(row.running for row in rows) == 0 and sum(row.finished for row in rows) == 0


def test_without_ray_installed_executor_ray_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(ExecutorError, match=r"^--executor ray needs Ray, which is not installed here \(.*\)\. Expected "
                       r"the ray package; install it with pip install \"hypolab\[ray\]\" \(or pip install ray\), or "
                       r"train with --executor local\.$"):  # fmt: skip
        executors.create(RunOptions(executor="ray"))


def test_the_cli_says_what_to_install_without_ray(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from hypolab.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)
    path = write_hypothesis(tmp_path)
    result = CliRunner().invoke(main, ["test", str(path), "--executor", "ray", "--store", str(tmp_path / "s.sqlite"),
                                       "--reports", str(tmp_path / "reports")])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.output.startswith('Error: --executor ray needs Ray, which is not installed here')
    assert 'pip install "hypolab[ray]"' in result.output and "Traceback" not in result.output
    assert not (tmp_path / "s.sqlite").exists()


def test_each_unit_asks_ray_for_its_memory_at_most_the_largest_node_s(ray_instance, local_results, tmp_path,
                                                                      monkeypatch):  # fmt: skip
    from hypolab.executors import PackChoice, WorkUnit
    from hypolab.executors.ray import memory_request

    unit = WorkUnit(specs=(), memory_bytes=3 << 20)
    assert memory_request(unit, largest_node=1 << 30) == {"memory": 3 << 20}
    assert memory_request(unit, largest_node=1 << 20) == {"memory": 1 << 20}
    assert memory_request(WorkUnit(specs=()), largest_node=1 << 30) == {}
    # A unit estimated above any node's memory still trains (asked for all of the largest node's), not left pending.
    monkeypatch.setattr(PackChoice, "unit_bytes", lambda self, seeds: 1 << 50)
    path = tmp_path / "paths.yaml"
    path.write_text(BN_DROPOUT.replace("seeds: 3", "seeds: 2"))
    options = RunOptions(store=tmp_path / "runs.sqlite", device="cpu", executor="ray")
    results = pipeline.run_hypothesis(path, options=options)
    assert {r.status for r in results} == {RunStatus.FINISHED}
    _assert_same_numbers(results, {k: v for k, v in local_results.items() if v.seed < 2})


@pytest.mark.slow
def test_several_files_share_one_ray_instance_and_a_shared_run_trains_once(ray_instance, local_results, tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(BN_DROPOUT)
    second.write_text(BN_DROPOUT.replace("batch_size: 40", "batch_size: 24"))  # the same control arm: shared runs
    options = RunOptions(store=tmp_path / "runs.sqlite", device="cpu", executor="ray")
    outcomes = pipeline.test_files([first, second], options=options, reports_root=tmp_path / "reports")
    assert [o.trained for o in outcomes] == [6, 3]  # the second file's control runs came from the store
    _assert_same_numbers(outcomes[0].results, local_results)
    control = {r.key for r in outcomes[0].results if r.arm == "small batch"}
    assert control == {r.key for r in outcomes[1].results if r.arm == "small batch"}
    with RunStore(tmp_path / "runs.sqlite", read_only=True) as store:
        assert len(store.all_records()) == 9  # each run once
    assert (tmp_path / "reports" / "index.html").exists() and ray_instance.is_initialized()
