"""TensorBoard logs of runs (``--tensorboard DIR``): one folder per run, its hparams, its epochs.

``DIR/<hypothesis>/<arm>-seed<seed>-<key[:8]>/`` holds the run's hparams
(hypothesis, arm, seed and every config leaf) as TensorBoard's hparams plugin
reads them, and its per-epoch values under ``train/`` and ``validation/``
with Keras's tag names (``epoch_loss``, ``epoch_accuracy``...). The packed
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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypolab.records import RunSpec


def log_dir(spec: RunSpec, root: str | os.PathLike[str]) -> Path:
    """The run's folder, after writing its hparams event there."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.hparams import summary_v2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    arm = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.arm).strip("_") or "arm"
    folder = Path(root) / spec.hypothesis / f"{arm}-seed{spec.seed}-{spec.key[:8]}"
    hparams: dict[str, Any] = {"hypothesis": spec.hypothesis, "arm": spec.arm, "seed": spec.seed}
    hparams.update(_hparams(spec))
    summary = summary_v2.hparams_pb(hparams, trial_id=f"{spec.arm}/seed {spec.seed}", start_time_secs=time.time())
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
