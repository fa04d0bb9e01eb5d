"""The light commands never import TensorFlow or Keras (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BATCHSIZE = str(ROOT / "hypotheses" / "batchsize.yaml")
#: Issue 15's examples: a regression CSV probed for its task, Keras metrics, a schedule, a trainer module.
DIABETES = str(ROOT / "hypotheses" / "diabetes_schedule.yaml")
OWN_TRAINER = str(ROOT / "hypotheses" / "own_trainer.yaml")
HEAVY = ("tensorflow", "keras", "keras_tuner", "jax", "torch")

SCRIPT = """
import json, sys
args = json.loads(sys.argv[1])
if args is None:
    import hypolab
else:
    from hypolab.cli import main
    try:
        main(args, standalone_mode=False)
    except SystemExit:
        pass
print("MODULES=" + json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (None, ""),
        (["--help"], "Usage:"),
        (["validate", BATCHSIZE], "batchsize.yaml: ok"),
        (["plan", BATCHSIZE], "runs: 2 arms x 10 seeds"),
        (["validate", DIABETES], "diabetes_schedule.yaml: ok"),
        (["plan", DIABETES], "task regression (data.task: regression)"),
        (["validate", OWN_TRAINER], "own_trainer.yaml: ok"),
        (["plan", OWN_TRAINER], "engine: trainer"),
        (["new", "light"], "wrote hypotheses/light.yaml"),
        (["schema"], '"title": "hypolab hypothesis file (v1)"'),
    ],
    ids=["import", "help", "validate", "plan", "validate-regression-metrics-schedule", "plan-regression",
         "validate-trainer", "plan-trainer", "new", "schema"],
)
def test_light_commands_do_not_import_tensorflow_or_keras(args, shows, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(args)],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert shows in done.stdout, "the command must really have run"
    line = [l for l in done.stdout.splitlines() if l.startswith("MODULES=")][-1]
    modules = json.loads(line.removeprefix("MODULES="))
    assert "hypolab" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == []
