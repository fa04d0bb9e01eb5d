"""``hypolab test --executor ray`` as a user runs it: Ctrl-C and a killed driver leave no Ray process behind.

Each test runs the CLI in a fresh process that starts its own local Ray
instance (no ``--ray-address``), marked by an environment variable that
every process Ray starts for it inherits; the marked processes are found in
``/proc``, so another Ray instance on the machine is never mistaken for them.
After the interruption no marked process survives, and rerunning the
command trains exactly the planned runs that are missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from runner_cases import write_hypothesis

from hypolab import plan
from hypolab.hypothesis import load as load_hypothesis
from hypolab.store import RunStore

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

MARK = "HYPOLAB_RAY_TEST_MARK"
#: Seconds a killed driver's Ray processes may take to exit.
GRACE_AFTER_KILL = 120


def _marked(mark: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment holds ``MARK=mark``."""
    found = []
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:  # gone, or not ours to read
            continue
    return found


def _start(path: Path, store: Path, tmp_path: Path, mark: str) -> subprocess.Popen:
    env = {**os.environ, MARK: mark, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "hypolab", "test", str(path), "--store", str(store), "--device", "cpu",
               "--reports", str(tmp_path / "reports"), "--executor", "ray"]  # fmt: skip
    # SIGINT as a terminal's Ctrl-C finds it, even where this test was started with it ignored (a background job).
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip


def _wait_for_training(process: subprocess.Popen, mark: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any("ray::_train_unit" in line for _, line in _marked(mark)):
            return
        time.sleep(0.2)
    output = process.communicate(timeout=30)[0] if process.poll() is not None else ""
    pytest.fail(f"no Ray task started training (exit {process.poll()}): {output[-2000:]}")


def _no_marked_process_within(mark: str, seconds: float) -> list[tuple[int, str]]:
    deadline = time.monotonic() + seconds
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.5)
    return _marked(mark)


def _resume_trains_the_rest(path: Path, store: Path, tmp_path: Path) -> None:
    mark = uuid.uuid4().hex
    process = _start(path, store, tmp_path, mark)
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output[-3000:]
    planned = sorted(spec.key for spec in plan.plan(load_hypothesis(path)))
    with RunStore(store, read_only=True) as run_store:
        assert sorted(r.key for r in run_store.all_records()) == planned  # every planned run exactly once
    assert _no_marked_process_within(mark, 30) == []


@pytest.fixture
def hypothesis(tmp_path) -> Path:
    return write_hypothesis(tmp_path, seeds=2, epochs=40, pack=1)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed-driver"])
def test_an_interrupted_ray_test_leaves_no_ray_process_and_resumes(hypothesis, tmp_path, how):
    store, mark = tmp_path / "runs.sqlite", uuid.uuid4().hex
    process = _start(hypothesis, store, tmp_path, mark)
    try:
        _wait_for_training(process, mark)
        process.send_signal(how)
        output = process.communicate(timeout=120)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if how is signal.SIGINT:
        # Issue 16: Ctrl-C exits 130 with one line saying what is saved (never click's "Aborted!").
        assert process.returncode == 130 and "Interrupted: " in output, output[-3000:]
        assert "Aborted!" not in output and "Traceback" not in output, output[-3000:]
    else:
        assert process.returncode == -signal.SIGKILL
    # After a SIGKILL, Ray's node agents notice their raylet is gone on their own (ray-project/ray#39092).
    left = _no_marked_process_within(mark, 30 if how is signal.SIGINT else GRACE_AFTER_KILL)
    for pid, _ in left:  # never leave them to the next test, whatever the assertion says
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert left == [], f"Ray processes outlived the driver: {left}"
    with RunStore(store, read_only=True) as run_store:
        assert len(run_store.all_records()) < 4  # interrupted mid-training: runs were lost at most, none doubled
    _resume_trains_the_rest(hypothesis, store, tmp_path)
