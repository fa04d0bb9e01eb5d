"""Shared by the runner, pipeline and CLI tests: a tiny hypothesis file and a fake trainer."""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

from hypolab.records import RunResult, RunStatus

TINY = """\
claim: A batch size of 8 gives higher test accuracy than 64 for a tiny MLP on digits.
metric: test_accuracy
direction: greater
margin: 0.01
seeds: {seeds}
pack: {pack}
failed_runs: {failed_runs}
data:
  name: digits
  subset: 120
base:
  model:
    kind: mlp
    units: [8]
  optimizer:
    name: adam
    learning_rate: 0.01
  epochs: {epochs}
  batch_size: 32
control:
  name: batch 64
  set: {{batch_size: 64}}
treatments:
  - name: batch 8
    set: {{batch_size: {treatment_batch}}}
"""


def write_hypothesis(folder, name="tiny", *, seeds=3, pack=1, epochs=1, treatment_batch=8, failed_runs="drop"):
    path = folder / f"{name}.yaml"
    path.write_text(TINY.format(seeds=seeds, pack=pack, epochs=epochs, treatment_batch=treatment_batch,
                                failed_runs=failed_runs))  # fmt: skip
    return path


class FakeTrainer:
    """Stands in for runner.train_one: records calls, returns a plausible record at once."""

    def __init__(self, fail=(), interrupt_at=None, seconds=0.0):
        self.calls = []
        self.fail = set(fail)
        self.interrupt_at = interrupt_at
        self.seconds = seconds

    def __call__(self, spec, dataset, *, device, on_epoch=None, tensorboard_dir=None, base_dir=None):
        if self.interrupt_at is not None and len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        self.calls.append((spec.arm, spec.seed))
        time.sleep(self.seconds)
        if on_epoch is not None:
            on_epoch(1, {"loss": 1.0})
        failed = (spec.arm, spec.seed) in self.fail
        return RunResult(
            key=spec.key, hypothesis=spec.hypothesis, arm=spec.arm, seed=spec.seed, config=spec.config,
            data=spec.data.to_dict(), status=RunStatus.FAILED if failed else RunStatus.FINISHED,
            metrics={} if failed else {"test_accuracy": 0.5 + 0.01 * spec.seed + 0.1 * (spec.arm == "batch 8")},
            error="RuntimeError: out of memory" if failed else None, device="cpu",
        )  # fmt: skip


def fake_runner_module(seconds: float) -> types.ModuleType:
    """A stand-in for ``hypolab.runner`` that never imports Keras (for fast subprocess tests)."""
    module = types.ModuleType("hypolab.runner")
    module.train_one = FakeTrainer(seconds=seconds)
    module.prepare_device = lambda device="auto", *, deterministic=False: "cpu"
    module.environment = lambda: ("fake", {})
    return module


#: Runs the ``hypolab`` CLI in a fresh process with ``fake_runner_module(0.3)`` as the runner.
CLI_WITH_FAKE_TRAINER = [
    sys.executable,
    "-c",
    f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import runner_cases, hypolab; "
    "fake = runner_cases.fake_runner_module(0.3); sys.modules['hypolab.runner'] = hypolab.runner = fake; "
    "from hypolab.cli import main; main()",
]
