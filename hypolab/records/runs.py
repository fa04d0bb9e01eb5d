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

#: How units of work execute: ``local`` in this process, ``ray`` as Ray tasks (``hypolab.executors``).
ExecutorKind = Literal["local", "ray"]
EXECUTORS: tuple[ExecutorKind, ...] = ("local", "ray")

#: Where ``hypolab test`` keeps runs unless ``--store`` says otherwise.
DEFAULT_STORE = Path("reports") / "runs.sqlite"

#: Every seed is below this, 2**32: NumPy's and the Keras backends' seed range.
SEED_LIMIT = 2**32

#: How a run's notes name the ``.keras`` file its final model was saved to (``--save-models``).
MODEL_NOTE = "model saved to "


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
        save_models: write each trained run's final model as ``.keras`` next to the store
            (``hypolab.store.models_dir``); the file's ``save_models: true`` does too.
        executor: ``local`` trains in this process; ``ray`` runs each unit of
            work as a Ray task (``pip install "hypolab[ray]"``).
        ray_address: with ``ray``: None starts a local Ray instance sized to
            this machine; ``auto`` or ``HOST:PORT`` joins a running cluster.
        workers: with ``ray``: at most this many units train at once; None:
            as many as the cluster's CPUs (GPUs) hold.
        gpus_per_unit: with ``ray``: the GPUs each unit asks Ray for (a
            fraction shares one); None: 1 where the device may be a GPU and
            the cluster has GPUs, else 0.

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
    save_models: bool = False
    executor: ExecutorKind = "local"
    ray_address: str | None = None
    workers: int | None = None
    gpus_per_unit: float | None = None


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
    ``model.fit`` on hypolab's own per-epoch data order (``hypolab.runner``);
    a config with ``trainer`` is trained by the user's own function
    (``hypolab.user_trainer``).
    """

    PACKED = "packed"
    KERAS_FIT = "keras_fit"
    TRAINER = "trainer"


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
    targets in the data's own units (regression). hypolab's engines train on
    regression targets standardised with the training split's ``target_mean``
    and ``target_std`` (``standardised``) and report metrics in the data's units.

    Args:
        name: the DataConfig name.
        task: classification or regression.
        x_train, y_train, x_val, y_val, x_test, y_test: the three splits.
        num_classes: number of classes (1 for regression).
        input_shape: shape of one example, e.g. ``(64,)`` or ``(28, 28, 1)``.
        class_names: label names where known.
        target_mean, target_std: regression: mean and standard deviation of the
            training targets (0 and 1 for classification).
        data: the data config it was loaded from (a trainer of your own may load its own data from it).
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
    target_mean: float = 0.0
    target_std: float = 1.0
    data: DataConfig | None = None

    def standardised(self, y: Any) -> Any:
        """Regression targets ``y`` (an array) as the engines train on them: ``(y - target_mean) / target_std``."""
        return (y - self.target_mean) / self.target_std if self.task is Task.REGRESSION else y

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

    @property
    def model_path(self) -> str | None:
        """The ``.keras`` file the run's final model was saved to (``--save-models``), from its notes; or None."""
        return next((note[len(MODEL_NOTE):] for note in self.notes if note.startswith(MODEL_NOTE)), None)


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


@dataclass(frozen=True)
class RegistrationCheck:
    """How a hypothesis file (and its baseline) compares with its first registration.

    Built by ``hypolab.hypothesis.registration.check_registration``; shown
    wherever the verdict appears (the terminal, the page, ``summary.md``,
    ``results.json``'s ``registration`` entry, the index of reports).

    Args:
        registered: whether the store holds a registration of this hypothesis.
        registered_sha256: SHA-256 of the registered text, or None.
        registered_at: when it was registered (ISO-8601 UTC), or None.
        sha256: SHA-256 of the text as it reads now.
        edited: the text differs from the registered one.
        changed: which of claim, metric, direction, margin, alpha differ.
        registered_baseline: the baseline the registered text built on, or None.
        baseline: the baseline it builds on now, or None.
    """

    registered: bool
    registered_sha256: str | None
    registered_at: str | None
    sha256: str
    edited: bool
    changed: tuple[str, ...] = ()
    registered_baseline: BaselineRef | None = None
    baseline: BaselineRef | None = None

    @property
    def baseline_changed(self) -> bool:
        """The baseline's content (or which baseline) differs from the registered one."""
        if not self.registered or (self.registered_baseline is None and self.baseline is None):
            return False
        return (self.registered_baseline and self.registered_baseline.sha256) != (self.baseline and self.baseline.sha256)

    @property
    def flagged(self) -> bool:
        """Whether a verdict shown with this file must carry a warning."""
        return self.edited or self.baseline_changed

    def to_dict(self) -> dict[str, Any]:
        """The ``registration`` entry of ``results.json``."""

        def ref(value: BaselineRef | None) -> dict[str, str] | None:
            return None if value is None else {"path": value.path, "sha256": value.sha256}

        return {
            "registered": self.registered, "registered_sha256": self.registered_sha256,
            "registered_at": self.registered_at, "sha256": self.sha256, "edited": self.edited,
            "changed": list(self.changed), "baseline_changed": self.baseline_changed,
            "registered_baseline": ref(self.registered_baseline), "baseline": ref(self.baseline),
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistrationCheck:
        def ref(value: Any) -> BaselineRef | None:
            return None if value is None else BaselineRef(path=str(value["path"]), sha256=str(value["sha256"]))

        return cls(registered=bool(data["registered"]), registered_sha256=data["registered_sha256"],
                   registered_at=data["registered_at"], sha256=str(data["sha256"]), edited=bool(data["edited"]),
                   changed=tuple(data["changed"]), registered_baseline=ref(data["registered_baseline"]),
                   baseline=ref(data["baseline"]))  # fmt: skip

    def summary(self) -> str:
        """One line for the terminal, ``summary.md`` and the index, e.g. ``edited after registration (...)``."""
        if not self.registered:
            return "not registered: the run store holds no registration of this file"
        parts = []
        if self.edited:
            what = f" (changed: {', '.join(self.changed)})" if self.changed else " (claim, metric, direction, margin and alpha unchanged)"
            parts.append(f"edited after registration on {self.registered_at}{what}")
        if self.baseline_changed:
            then = self.registered_baseline.sha256[:12] if self.registered_baseline else "none"
            now = self.baseline.sha256[:12] if self.baseline else "none"
            path = (self.baseline or self.registered_baseline).path
            parts.append(f"baseline {path} changed since registration (sha256 {then}... then, {now}... now)")
        return "; ".join(parts) if parts else f"unchanged since registration on {self.registered_at}"
