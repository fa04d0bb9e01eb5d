"""Records of training: how to run a test (``RunOptions``), a run to do (``RunSpec``),
the data it trains on, and what it gave (``RunResult``).
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hypolab.records.hypothesis import BaselineRef, DataConfig, Task
from hypolab.records.training import TrainingConfig

#: Where runs train: ``auto`` uses a visible GPU, ``cpu`` hides the GPUs, ``gpu`` fails without one.
Device = Literal["auto", "cpu", "gpu"]
DEVICES: tuple[Device, ...] = ("auto", "cpu", "gpu")

#: Where ``hypolab test`` keeps runs unless ``--store`` says otherwise.
DEFAULT_STORE = Path("reports") / "runs.sqlite"


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


class Engine(str, enum.Enum):
    """The training loop a run goes through; part of its key (``hypolab.plan.engine_for``).

    Decided by the resolved config alone, so one key always has one engine:
    every ``mlp`` and ``cnn`` run trains in hypolab's packed loop, one seed or
    many per model (``hypolab.packing``); the configs it cannot pack (a
    ``custom`` builder, optimizers that couple copies) train with Keras's
    ``model.fit`` on hypolab's own per-epoch data order (``hypolab.runner``).
    """

    PACKED = "packed"
    KERAS_FIT = "keras_fit"


class Timing(str, enum.Enum):
    """What a record's ``train_seconds`` measures."""

    #: The run's own wall time: it trained alone in its model.
    OWN = "own"
    #: The wall time of a pack of seeds divided by its size: one shared measurement, not this seed's.
    SHARED = "shared"
    #: Written before hypolab recorded it (a migrated store).
    UNKNOWN = "unknown"


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
        data: the data config (with its ``fingerprint``).
        engine: the training loop it goes through (part of the key).
    """

    key: str
    hypothesis: str
    arm: str
    seed: int
    config: TrainingConfig
    data: DataConfig
    engine: Engine = Engine.PACKED


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
        engine: the training loop that trained it; None in a record written
            before hypolab recorded it (a migrated store).
        timing: what ``train_seconds`` measures (the run's own time, or a share of its pack's).
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
    engine: Engine | None = Engine.PACKED
    timing: Timing = Timing.OWN


@dataclass(frozen=True)
class PlanIdentity:
    """What a registered plan rested on, kept in the run store beside its keys.

    ``hypolab status``, ``plan`` and ``report`` compare it with the file as it
    reads now to say why stored runs no longer match (other data, another
    baseline, an edited file).

    Args:
        hypothesis: the hypothesis name.
        path: the file as given when it was planned.
        data: the data config, with the content ``fingerprint`` it had.
        baseline: the baseline file and its hash, or None.
        source_sha256: SHA-256 of the hypothesis file's text.
        planned_at: ISO-8601 UTC time of the plan.
    """

    hypothesis: str
    path: str
    data: DataConfig
    baseline: BaselineRef | None
    source_sha256: str
    planned_at: str


@dataclass(frozen=True)
class Registration:
    """A hypothesis file's text as first registered in the run store, before its runs trained.

    Args:
        source: the file's text.
        sha256: SHA-256 hex of ``source``.
        registered_at: ISO-8601 UTC time.
        baseline: the baseline it built on then (path and content hash), or
            None (none used, or registered by a hypolab that did not record it).
    """

    source: str
    sha256: str
    registered_at: str
    baseline: BaselineRef | None = None
