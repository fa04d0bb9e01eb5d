"""Records of training: how to run a test (``RunOptions``), a run to do (``RunSpec``),
the data it trains on, and what it gave (``RunResult``).
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hypolab.records.hypothesis import DataConfig, Task
from hypolab.records.training import TrainingConfig

#: Where runs train: ``auto`` uses a visible GPU, ``cpu`` hides the GPUs, ``gpu`` fails without one.
Device = Literal["auto", "cpu", "gpu"]
DEVICES: tuple[Device, ...] = ("auto", "cpu", "gpu")

#: Where ``hypolab test`` keeps runs unless ``--store`` says otherwise.
DEFAULT_STORE = Path("reports") / "runs.sqlite"

#: Every seed is below this, 2**32: NumPy's and the Keras backends' seed range.
SEED_LIMIT = 2**32


@dataclass(frozen=True)
class RunOptions:
    """How one ``hypolab test`` trains: the options that travel together from the CLI
    (or ``hypolab.pipeline.run_hypothesis``) to the driver and its executor.

    Args:
        store: the run store's file.
        rerun: retrain every run even where the store holds it (the new
            records supersede the old ones).
        device: ``auto``, ``cpu`` or ``gpu``.
        pack: seeds trained together per model: a positive int, ``auto``, or
            None for the hypothesis file's ``pack``. ``1`` trains one seed at a time.
        tensorboard_dir: write TensorBoard logs of every trained run there; None writes none.
        deterministic: ask the backend for deterministic GPU ops.

    Example:

    >>> RunOptions(store="runs.sqlite", device="cpu", pack=1).pack
    1
    """

    store: str | os.PathLike[str] = DEFAULT_STORE
    rerun: bool = False
    device: Device = "auto"
    pack: int | Literal["auto"] | None = None
    tensorboard_dir: str | os.PathLike[str] | None = None
    deterministic: bool = False


class RunStatus(str, enum.Enum):
    """How a run ended."""

    FINISHED = "finished"
    DIVERGED = "diverged"
    FAILED = "failed"


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded data set, split and scaled, shared by every run of a test.

    Arrays are numpy arrays; ``x_*`` are float32 with the scaling fitted on the
    training split only, ``y_*`` are int labels (classification) or float32
    targets (regression).

    Args:
        name: the DataConfig name.
        task: classification or regression.
        x_train, y_train, x_val, y_val, x_test, y_test: the three splits.
        num_classes: number of classes (1 for regression).
        input_shape: shape of one example, e.g. ``(64,)`` or ``(28, 28, 1)``.
        class_names: label names where known.
    """

    name: str
    task: Task
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any
    num_classes: int
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...] = ()

    @property
    def sizes(self) -> dict[str, int]:
        """Examples per split: ``{"train": ..., "val": ..., "test": ...}``."""
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}


@dataclass(frozen=True)
class RunSpec:
    """One training run to do: an arm's resolved config with one seed.

    Args:
        key: hash of the resolved config, data config and seed; the store's key.
        hypothesis: the hypothesis name that planned it.
        arm: the arm's name.
        seed: the run's seed (weights, dropout and data order).
        config: the arm's resolved config.
        data: the data config.
    """

    key: str
    hypothesis: str
    arm: str
    seed: int
    config: TrainingConfig
    data: DataConfig


@dataclass(frozen=True)
class RunResult:
    """What one finished, diverged or failed run produced.

    Args:
        key: the RunSpec key.
        hypothesis: the hypothesis that first trained it.
        arm: the arm name.
        seed: the seed.
        config: the resolved config (the store keeps ``config.to_dict()``).
        data: the data config as a dict, plus ``sizes``: examples per split.
        status: finished, diverged or failed.
        history: per-epoch values of every metric, e.g. ``{"loss": [...],
            "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}``.
        metrics: final values, e.g. ``test_accuracy``, ``val_loss``,
            ``train_seconds``.
        best_epoch: 1-based epoch of the best monitored value, or None.
        epochs_run: epochs actually trained.
        trainable_params: trainable parameter count.
        train_seconds: wall time of training and evaluation.
        device: where it ran, e.g. ``cpu`` or ``gpu:0 (NVIDIA H100)``.
        backend: the Keras backend.
        versions: library versions (hypolab, keras, backend, python, numpy).
        started_at: ISO-8601 UTC start time.
        finished_at: ISO-8601 UTC end time.
        error: the error text of a failed run, or the reason of a diverged one.
        diverged_epoch: 1-based epoch where the loss became NaN/inf.
        notes: remarks about how it was trained (e.g. packing fallback).
    """

    key: str
    hypothesis: str
    arm: str
    seed: int
    config: TrainingConfig
    data: dict[str, Any]
    status: RunStatus
    history: dict[str, list[float]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    best_epoch: int | None = None
    epochs_run: int = 0
    trainable_params: int = 0
    train_seconds: float = 0.0
    device: str = ""
    backend: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    error: str | None = None
    diverged_epoch: int | None = None
    notes: tuple[str, ...] = ()
