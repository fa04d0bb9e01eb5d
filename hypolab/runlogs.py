"""TensorBoard logs of runs (``--tensorboard DIR``): one folder per run, its hparams, its epochs.

``DIR/<hypothesis>/`` holds the HParams experiment config (``write_experiment``:
the arm and config hparams, the hypothesis' metric); each run's folder
``<arm>-seed<seed>-<key[:8]>/`` its hparams (hypothesis, arm and every config
leaf, the same for every seed of an arm, grouped as ``<hypothesis>/<arm>`` so
the HParams tab averages an arm's seeds), its final metrics (``test_accuracy``
...) and its per-epoch values under ``train/`` and ``validation/`` with
Keras's tag names (``epoch_loss``, ``epoch_accuracy``...). The packed
engine writes each copy's epochs here from its own loop (``RunLog``); the
``keras_fit`` engine hands the folder to Keras's ``TensorBoard`` callback.
Written with TensorBoard's own event writer, never TensorFlow.

Example:

    log = RunLog(spec, "tb")
    log.epoch(0, {"loss": 0.9, "accuracy": 0.7, "val_loss": 1.0, "val_accuracy": 0.6})
    log.close()
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hypolab.records import RunSpec


def log_dir(spec: RunSpec, root: str | os.PathLike[str]) -> Path:
    """The run's folder, after writing its hparams event there."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.hparams import summary_v2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder = run_folder(spec, root)
    # Same hparams and one group name for every seed of an arm: the HParams tab then averages the seeds.
    hparams: dict[str, Any] = {"hypothesis": spec.hypothesis, "arm": spec.arm}
    hparams.update(_hparams(spec))
    summary = summary_v2.hparams_pb(hparams, trial_id=group_name(spec), start_time_secs=time.time())
    writer = EventFileWriter(str(folder))
    writer.add_event(event_pb2.Event(summary=summary, wall_time=time.time()))
    writer.close()
    return folder


def group_name(spec: RunSpec) -> str:
    """The HParams group of a run: its hypothesis and arm (each seed is one session of the group)."""
    return f"{spec.hypothesis}/{spec.arm}"


def run_folder(spec: RunSpec, root: str | os.PathLike[str]) -> Path:
    """``DIR/<hypothesis>/<arm>-seed<seed>-<key[:8]>``, without writing anything."""
    arm = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.arm).strip("_") or "arm"
    return Path(root) / spec.hypothesis / f"{arm}-seed{spec.seed}-{spec.key[:8]}"


def final_metrics(spec: RunSpec, root: str | os.PathLike[str], metrics: Mapping[str, float], step: int) -> None:
    """Write a finished run's final metrics (``test_accuracy``, the hypothesis' metric among them) in its folder."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    values = [summary_pb2.Summary.Value(tag=name, simple_value=float(value)) for name, value in metrics.items()
              if isinstance(value, (int, float)) and not isinstance(value, bool)]  # fmt: skip
    writer = EventFileWriter(str(run_folder(spec, root)))
    writer.add_event(event_pb2.Event(step=int(step), wall_time=time.time(), summary=summary_pb2.Summary(value=values)))
    writer.close()


def write_experiment(hypothesis: str, specs: Sequence[RunSpec], metric: str, root: str | os.PathLike[str]) -> Path:
    """Write the HParams experiment config (``hparams_config``) of a hypothesis in ``DIR/<hypothesis>/``.

    It lists the hparams the runs carry (the arm with its names as a
    discrete domain, and every config leaf) and the metrics: the hypothesis'
    ``metric`` first, then the validation and training curves.
    """
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.hparams import api as hp
    from tensorboard.plugins.hparams import summary_v2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    leaves: dict[str, set] = {}
    for spec in specs:
        for name, value in _hparams(spec).items():
            leaves.setdefault(name, set()).add(value)
    arms = sorted({spec.arm for spec in specs})
    hparams = [hp.HParam("hypothesis", hp.Discrete([hypothesis])), hp.HParam("arm", hp.Discrete(arms))]
    for name, values in sorted(leaves.items()):
        kinds = {type(v) for v in values}
        hparams.append(hp.HParam(name, hp.Discrete(sorted(values)) if len(kinds) == 1 else None))
    base = metric.removeprefix("best_").removeprefix("val_").removeprefix("test_")
    metrics = [hp.Metric(metric, display_name=f"{metric} (the hypothesis' metric)"),
               hp.Metric(f"epoch_{base}", group="validation", display_name=f"validation {base} per epoch"),
               hp.Metric(f"epoch_{base}", group="train", display_name=f"training {base} per epoch")]  # fmt: skip
    folder = Path(root) / hypothesis
    summary = summary_v2.hparams_config_pb(hparams=hparams, metrics=metrics, time_created_secs=time.time())
    writer = EventFileWriter(str(folder))
    writer.add_event(event_pb2.Event(summary=summary, wall_time=time.time()))
    writer.close()
    return folder


def _hparams(spec: RunSpec) -> dict[str, Any]:
    """TensorBoard's hparams: the config's dotted leaves, scalars as they are, lists as text."""
    return {
        name: value if isinstance(value, (bool, int, float, str)) else str(value)
        for name, value in spec.config.flat().items()
        if value is not None and value != {}
    }


class RunLog:
    """One run's TensorBoard folder, written epoch by epoch (the packed engine's per-copy log)."""

    def __init__(self, spec: RunSpec, root: str | os.PathLike[str]) -> None:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        folder = log_dir(spec, root)
        self._writers = {split: EventFileWriter(str(folder / split)) for split in ("train", "validation")}

    def epoch(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Write epoch ``epoch`` (0-based): ``val_x`` under ``validation/epoch_x``, the rest under ``train/``."""
        from tensorboard.compat.proto import event_pb2, summary_pb2

        for split, writer in self._writers.items():
            values = [
                summary_pb2.Summary.Value(tag=f"epoch_{name.removeprefix('val_')}", simple_value=float(value))
                for name, value in logs.items()
                if name.startswith("val_") == (split == "validation")
            ]
            writer.add_event(event_pb2.Event(step=int(epoch), wall_time=time.time(),
                                             summary=summary_pb2.Summary(value=values)))  # fmt: skip

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
