"""Shared by the runner, pipeline and CLI tests: a tiny hypothesis file, fake trainers and a fake executor."""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

from factories import run_result

from hypolab.records import RunStatus

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


def fake_record(spec, failing=False):
    """A plausible record of ``spec`` at once: batch 8 scores 0.1 above batch 64, seeds add 0.01 each."""
    return run_result(
        spec, status=RunStatus.FAILED if failing else RunStatus.FINISHED,
        metrics={} if failing else {"test_accuracy": 0.5 + 0.01 * spec.seed + 0.1 * (spec.arm == "batch 8")},
        error="RuntimeError: out of memory" if failing else None, device="cpu",
    )  # fmt: skip


class FakeTrainer:
    """Stands in for the trainers the executor calls (``runner.train_in``, ``packing.train_pack_in``).

    Records every run trained (``calls``), the packs (``packs``) and the runs
    trained one at a time (``singles``); reports one epoch per run; returns
    ``fake_record``s at once. ``fail`` holds the ``(arm, seed)`` runs that fail;
    ``interrupt_at`` raises KeyboardInterrupt before that many runs are done.
    """

    def __init__(self, fail=(), interrupt_at=None, seconds=0.0):
        self.calls = []
        self.packs = []
        self.singles = []
        self.fail = set(fail)
        self.interrupt_at = interrupt_at
        self.seconds = seconds

    def install(self, monkeypatch) -> None:
        from hypolab import packing, runner

        monkeypatch.setattr(runner, "train_in", self.train_in)
        monkeypatch.setattr(packing, "train_pack_in", self.train_pack_in)

    def train_in(self, environment, spec, dataset, *, on_epoch=None, tensorboard_dir=None, base_dir=None):
        self.singles.append((spec.arm, spec.seed))
        result = self._train(spec)
        if on_epoch is not None:
            on_epoch(1, {"loss": 1.0})
        return result

    def train_pack_in(self, environment, specs, dataset, *, on_epoch=None, tensorboard_dir=None):
        self.packs.append([(s.arm, s.seed) for s in specs])
        results = [self._train(spec) for spec in specs]
        if on_epoch is not None:
            on_epoch(1, {"loss": 1.0})
        return results

    def _train(self, spec):
        if self.interrupt_at is not None and len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        self.calls.append((spec.arm, spec.seed))
        time.sleep(self.seconds)
        return fake_record(spec, failing=(spec.arm, spec.seed) in self.fail)


class FakeExecutor:
    """An ``Executor`` that never imports Keras: each run takes ``seconds`` and gives a ``fake_record``."""

    def __init__(self, settings=None, seconds=0.0):
        self.seconds = seconds
        self.units = []

    def prepare(self, data, base_dir):
        pass

    def pack_choice(self, config, data, *, base_dir, runs, requested):
        from hypolab.executors import PackChoice

        return PackChoice(size=1 if requested == 1 else min(runs, 2))

    def run(self, units, on_event):
        from hypolab.executors import RunFinished, RunsStarted

        for unit in units:
            self.units.append(unit)
            on_event(RunsStarted(unit.keys))
            for spec in unit.specs:
                time.sleep(self.seconds)
                on_event(RunFinished(fake_record(spec)))

    def close(self):
        pass


def fake_local_module(seconds: float) -> types.ModuleType:
    """A stand-in for ``hypolab.executors.local`` whose ``LocalExecutor`` is a ``FakeExecutor``."""
    module = types.ModuleType("hypolab.executors.local")
    module.LocalExecutor = lambda settings: FakeExecutor(settings, seconds=seconds)
    return module


#: Runs the ``hypolab`` CLI in a fresh process with ``fake_local_module(0.3)`` as the local executor.
CLI_WITH_FAKE_EXECUTOR = [
    sys.executable,
    "-c",
    f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import runner_cases; "
    "sys.modules['hypolab.executors.local'] = runner_cases.fake_local_module(0.3); "
    "from hypolab.cli import main; main()",
]
