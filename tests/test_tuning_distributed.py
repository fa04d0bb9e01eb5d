"""Keras Tuner's chief/worker mode through ``hypolab tune``, on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hypolab.errors import TuningError

SEARCH = """\
data: {name: digits, subset: 160}
base:
  model: {kind: mlp, activation: relu, units: [8]}
  optimizer: {name: adam, learning_rate: 0.01}
space:
  batch_size: {type: choice, values: [16, 32, 64, 128]}
tuner: {kind: random, objective: val_accuracy, max_epochs: 1, max_trials: 4, seed: 3}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_chief_and_two_workers_run_every_trial_exactly_once(tmp_path, monkeypatch):
    from hypolab.tuning.tune import tune

    monkeypatch.chdir(tmp_path)
    Path("dist.yaml").write_text(SEARCH, encoding="utf-8")
    port = str(_free_port())
    env = {**os.environ, "KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": port,
           "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}  # fmt: skip
    command = [sys.executable, "-c", "from hypolab.cli import main; main()", "tune", "dist.yaml", "--device", "cpu"]
    workers = [
        subprocess.Popen(command, env={**env, "KERASTUNER_TUNER_ID": f"tuner{i}"}, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for i in range(2)
    ]
    try:
        for name in ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"):
            monkeypatch.setenv(name, env[name])
        monkeypatch.setenv("KERASTUNER_TUNER_ID", "chief")
        outcome = tune("dist.yaml", device="cpu")  # serves until both workers are done
        outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for worker, output in zip(workers, outputs):
        assert worker.returncode == 0, output[-3000:]
        assert "Worker done: the chief writes the baseline and the report." in output
    printed = "".join(outputs)
    assert [printed.count(f"trial {i}: val_accuracy ") for i in range(4)] == [1, 1, 1, 1]

    log = Path("reports/tune-dist/kt/dist/hypolab_executions.jsonl").read_text(encoding="utf-8")
    executions = [json.loads(line) for line in log.splitlines()]
    assert sorted(e["trial_id"] for e in executions) == ["0", "1", "2", "3"]  # each trial ran exactly once
    assert {e["tuner_id"] for e in executions} <= {"tuner0", "tuner1"}  # the chief only serves
    assert len({e["pid"] for e in executions}) >= 1
    assert outcome.role == "chief"
    assert [t.status for t in outcome.trials] == ["COMPLETED"] * 4
    assert sorted(t.values["batch_size"] for t in outcome.trials) == [16, 32, 64, 128]
    assert outcome.baseline_path == Path("baselines/dist.yaml") and outcome.baseline_path.exists()
    assert outcome.report_path.exists()


@pytest.mark.parametrize(
    ("env", "missing"),
    [({"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_TUNER_ID": "tuner0"}, "KERASTUNER_ORACLE_PORT"),
     ({"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "8000"}, "KERASTUNER_TUNER_ID")],
    ids=["no-port", "no-tuner-id"],
)
def test_half_set_distributed_variables_are_named(env, missing, monkeypatch):
    from hypolab.tuning.search import role

    for name in ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(TuningError, match=f"KERASTUNER_ORACLE_IP is set \\('127.0.0.1'\\) but {missing} is not"):
        role()
