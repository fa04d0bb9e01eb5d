"""Train one seeded run of an arm and record everything about it.

``train_one`` takes a ``RunSpec`` (an arm's resolved config and one seed) and
the shared ``Dataset`` and returns a ``RunResult``. It never raises for the
run's own failure: a loss that becomes NaN/inf stops training and gives status
``diverged`` with the epoch; any exception (out of memory, a broken custom
builder) gives status ``failed`` with the message, so the other runs go on.
The test split is only ever passed to ``model.evaluate`` after training.

Example:

    describe = prepare_device("cpu")
    result = train_one(spec, hypolab.datasets.load(spec.data), device="cpu")
    result.metrics["test_accuracy"]
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np

from hypolab import models
from hypolab.errors import DeviceError
from hypolab.records import Dataset, RunResult, RunSpec, RunStatus, Task

Device = Literal["auto", "cpu", "gpu"]
EpochCallback = Callable[[int, Mapping[str, float]], None]

_BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy"}
_prepared: dict[str, str] = {}
#: Examples per validation and test step.
_EVAL_BATCH_SIZE = 512


def prepare_device(device: Device = "auto", *, deterministic: bool = False) -> str:
    """Set up the backend for ``device`` once per process and describe it.

    ``cpu`` hides the GPUs (effective when called before the backend first
    touches a GPU; ``train_one`` also places every op on the CPU). ``auto``
    uses a visible GPU, with TensorFlow's memory growth on so several
    processes can share it. ``deterministic`` asks for deterministic GPU ops.

    Args:
        device: ``auto``, ``cpu`` or ``gpu``.
        deterministic: enable op determinism (slower on GPU; CPU runs are
            deterministic already).

    Returns:
        What runs will use, e.g. ``cpu`` or ``gpu:0 (NVIDIA H100 80GB HBM3)``.

    Raises:
        DeviceError: ``gpu`` was asked for and no GPU is visible.
    """
    if device in _prepared and not deterministic:
        return _prepared[device]
    if device not in ("auto", "cpu", "gpu"):
        raise DeviceError(f"device must be one of auto, cpu, gpu. Got {device!r} instead.")
    backend = keras.backend.backend()
    if device == "cpu":
        # Read by CUDA when the backend first initialises it; harmless afterwards.
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    if deterministic:
        os.environ["TF_DETERMINISTIC_OPS"] = "1"
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        if hasattr(keras.config, "enable_op_determinism"):  # newer Keras releases
            keras.config.enable_op_determinism()
    gpu_name = _configure_backend(backend, hide_gpus=device == "cpu", deterministic=deterministic)
    if device == "gpu" and gpu_name is None:
        raise DeviceError(
            f"--device gpu: no GPU is visible to the {backend} backend. Expected a CUDA GPU with "
            "drivers installed (pip install 'hypolab[gpu]'); use --device auto or cpu to train on the CPU."
        )
    described = "cpu" if device == "cpu" or gpu_name is None else f"gpu:0 ({gpu_name})"
    _prepared[device] = described
    return described


def _configure_backend(backend: str, *, hide_gpus: bool, deterministic: bool) -> str | None:
    """Backend-specific set-up; returns the first GPU's name, or None."""
    if backend == "tensorflow":
        import tensorflow as tf  # only here: memory growth and visibility have no Keras API

        gpus = tf.config.list_physical_devices("GPU")
        try:
            if hide_gpus:
                tf.config.set_visible_devices([], "GPU")
            for gpu in gpus:
                tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # the runtime is initialised already (e.g. in a notebook); keep its settings
        if deterministic:
            tf.config.experimental.enable_op_determinism()
        if hide_gpus or not tf.config.list_logical_devices("GPU"):
            return None
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    if backend == "jax":
        import jax

        if deterministic:
            os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_gpu_deterministic_ops=true").strip()
        gpus = [] if hide_gpus else [d for d in jax.devices() if d.platform == "gpu"]
        return gpus[0].device_kind if gpus else None
    if backend == "torch":
        import torch

        if deterministic:
            torch.use_deterministic_algorithms(True)
        if hide_gpus or not torch.cuda.is_available():
            return None
        return torch.cuda.get_device_name(0)
    return None


def environment() -> tuple[str, dict[str, str]]:
    """The Keras backend and the versions a run record keeps."""
    backend = keras.backend.backend()
    versions = {
        "hypolab": _version("hypolab"),
        "keras": keras.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    package = _BACKEND_PACKAGES.get(backend)
    if package and package != "numpy":
        versions[package] = _version(package)
    return backend, versions


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        module = sys.modules.get(package)
        return str(getattr(module, "__version__", "unknown"))


def train_one(
    spec: RunSpec,
    dataset: Dataset,
    *,
    device: Device = "auto",
    on_epoch: EpochCallback | None = None,
    tensorboard_dir: str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Train, validate and test one seeded run of an arm.

    Args:
        spec: the arm's resolved config and the seed.
        dataset: the loaded data set (the same object for every run of a test).
        device: ``auto``, ``cpu`` or ``gpu`` (see ``prepare_device``).
        on_epoch: called after each epoch with the 1-based epoch and its logs.
        tensorboard_dir: where to write TensorBoard logs, one folder per run
            with the arm and seed as hparams; None writes none.
        base_dir: the hypothesis file's folder, where a custom builder's
            module may live.

    Returns:
        A ``RunResult`` with status finished, diverged or failed.
    """
    described = prepare_device(device)
    backend, versions = environment()
    started_at = _utc_now()
    start = time.perf_counter()
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(spec.seed)
    watcher = _EpochWatcher(on_epoch)
    record = {
        "key": spec.key, "hypothesis": spec.hypothesis, "arm": spec.arm, "seed": spec.seed,
        "config": spec.config, "data": {**spec.data.to_dict(), "sizes": dataset.sizes}, "device": described,
        "backend": backend, "versions": versions, "started_at": started_at,
    }  # fmt: skip
    try:
        with placement(described):
            outcome = _fit_and_evaluate(spec, dataset, watcher, tensorboard_dir, base_dir)
    except Exception as exc:  # a run's own failure is data, not a crash of the test
        seconds = time.perf_counter() - start
        keras.backend.clear_session(free_memory=False)
        return RunResult(
            **record, status=RunStatus.FAILED, history=watcher.history, epochs_run=watcher.epochs,
            train_seconds=seconds, metrics={"train_seconds": seconds, "epochs_run": float(watcher.epochs)},
            finished_at=_utc_now(), error=_describe_error(exc),
        )  # fmt: skip
    seconds = time.perf_counter() - start
    keras.backend.clear_session(free_memory=False)
    outcome["metrics"].update(train_seconds=seconds, epochs_run=float(outcome["epochs_run"]))
    return RunResult(**record, **outcome, train_seconds=seconds, finished_at=_utc_now())


def _fit_and_evaluate(spec, dataset, watcher, tensorboard_dir, base_dir) -> dict[str, Any]:
    config = spec.config
    task = Task(dataset.task)
    model = models.build(config["model"], dataset.input_shape, dataset.num_classes, task, base_dir=base_dir)
    model.compile(
        optimizer=models.make_optimizer(config["optimizer"]),
        loss=models.loss_for(config, task),
        metrics=models.metrics_for(task),
    )
    callbacks: list[keras.callbacks.Callback] = [watcher]
    early = _early_stopping(config.get("early_stopping"))
    if early is not None:
        callbacks.append(early)
    if tensorboard_dir is not None:
        callbacks.append(_tensorboard(spec, Path(tensorboard_dir)))
    batch_size = int(config["batch_size"])
    # Evaluation batches never change the numbers (no dropout, BatchNorm in inference
    # mode; means weighted by batch size), only the number of steps: use big ones.
    eval_batch_size = max(batch_size, _EVAL_BATCH_SIZE)
    model.fit(
        dataset.x_train,
        dataset.y_train,
        batch_size=batch_size,
        epochs=int(config["epochs"]),
        validation_data=(dataset.x_val, dataset.y_val),
        validation_batch_size=eval_batch_size,
        shuffle=True,
        callbacks=callbacks,
        verbose=0,
    )
    history = watcher.history
    epochs_run = watcher.epochs
    params = models.count_trainable(model)
    if watcher.diverged_epoch is not None:
        return {
            "status": RunStatus.DIVERGED, "history": history, "metrics": {}, "epochs_run": epochs_run,
            "trainable_params": params, "diverged_epoch": watcher.diverged_epoch,
            "error": divergence_error(watcher.diverged_value, watcher.diverged_epoch),
        }  # fmt: skip
    score = "accuracy" if task is Task.CLASSIFICATION else "mae"
    if early is not None:
        # EarlyStopping's own best (min_delta and baseline included) is what it restores.
        best_index = min(int(early.best_epoch), epochs_run - 1)
    else:
        best_index = best_epoch_index(history.get("val_loss", []), "val_loss")
    # Restored best weights are exactly the weights validated at that epoch.
    final = best_index if early is not None and early.restore_best_weights else epochs_run - 1
    metrics = final_metrics(history, final, score)
    test = model.evaluate(dataset.x_test, dataset.y_test, batch_size=eval_batch_size, verbose=0, return_dict=True)
    metrics["test_loss"] = float(test["loss"])
    metrics[f"test_{score}"] = float(test[score])
    return {
        "status": RunStatus.FINISHED, "history": history, "metrics": metrics, "epochs_run": epochs_run,
        "trainable_params": params, "best_epoch": None if best_index is None else best_index + 1,
    }  # fmt: skip


class _EpochWatcher(keras.callbacks.Callback):
    """Keeps the history as floats, reports epochs, and stops on a NaN/inf loss.

    Checked per epoch, not per batch: a NaN or inf in any batch makes the
    epoch's mean loss NaN/inf too, and a per-batch check would force a device
    sync every step.
    """

    def __init__(self, on_epoch: EpochCallback | None) -> None:
        super().__init__()
        self._on_epoch = on_epoch
        self.history: dict[str, list[float]] = {}
        self.epochs = 0
        self.diverged_epoch: int | None = None
        self.diverged_value = ""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        logs = {name: float(value) for name, value in (logs or {}).items()}
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)
        self.epochs = epoch + 1
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(loss):
            self.diverged_epoch = epoch + 1
            self.diverged_value = str(loss)
            self.model.stop_training = True
        if self._on_epoch is not None:
            self._on_epoch(epoch + 1, logs)


def _early_stopping(options: Mapping[str, Any] | None) -> keras.callbacks.EarlyStopping | None:
    if not options:
        return None
    return keras.callbacks.EarlyStopping(
        monitor=options.get("monitor", "val_loss"),
        patience=int(options.get("patience", 3)),
        min_delta=float(options.get("min_delta", 0.0)),
        restore_best_weights=bool(options.get("restore_best_weights", True)),
    )


def placement(described: str) -> contextlib.AbstractContextManager:
    """The device scope a run trains in: the CPU where ``described`` is ``cpu``.

    The torch backend needs ``"cpu"``: under ``"cpu:0"`` it moves every weight
    to a device it sees as another, and the copies get no gradients.
    """
    if described != "cpu":
        return contextlib.nullcontext()
    return keras.device("cpu" if keras.backend.backend() == "torch" else "cpu:0")


def divergence_error(value: float, epoch: int) -> str:
    """The error text of a diverged run (the same for plain and packed runs)."""
    return f"loss became {value} at epoch {epoch}; training stopped there"


def final_metrics(history: Mapping[str, list[float]], final: int, score: str) -> dict[str, float]:
    """A finished run's train and validation metrics from its per-epoch history.

    Args:
        history: per-epoch values (``loss``, ``val_loss``, ``<score>``, ``val_<score>``).
        final: 0-based epoch whose weights the run ends with (the restored best
            epoch under early stopping with ``restore_best_weights``, else the last).
        score: ``accuracy`` (classification) or ``mae`` (regression).

    Returns:
        ``loss`` and ``<score>`` of the last epoch trained, ``val_*`` at ``final``,
        and ``best_val_*`` over all epochs.
    """
    return {
        "loss": history["loss"][-1],
        score: history[score][-1],
        "val_loss": history["val_loss"][final],
        f"val_{score}": history[f"val_{score}"][final],
        "best_val_loss": min(history["val_loss"]),
        f"best_val_{score}": (max if score == "accuracy" else min)(history[f"val_{score}"]),
    }


def best_epoch_index(values: list[float], monitor: str) -> int | None:
    """The best finite value's 0-based epoch, ties to the earliest (as EarlyStopping)."""
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite:
        return None
    higher_is_better = "acc" in monitor or "auc" in monitor
    # Ties go to the earliest epoch, as EarlyStopping's strict comparison does.
    if higher_is_better:
        return max(finite, key=lambda vi: (vi[0], -vi[1]))[1]
    return min(finite, key=lambda vi: (vi[0], vi[1]))[1]


def _tensorboard(spec: RunSpec, root: Path) -> keras.callbacks.TensorBoard:
    """A TensorBoard callback for one run, after writing its hparams (arm, seed, config)."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.hparams import summary_v2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    arm = re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.arm).strip("_") or "arm"
    log_dir = root / spec.hypothesis / f"{arm}-seed{spec.seed}-{spec.key[:8]}"
    hparams: dict[str, Any] = {"hypothesis": spec.hypothesis, "arm": spec.arm, "seed": spec.seed}
    hparams.update(_flatten(spec.config))
    summary = summary_v2.hparams_pb(hparams, trial_id=f"{spec.arm}/seed {spec.seed}", start_time_secs=time.time())
    writer = EventFileWriter(str(log_dir))
    writer.add_event(event_pb2.Event(summary=summary, wall_time=time.time()))
    writer.close()
    return keras.callbacks.TensorBoard(log_dir=str(log_dir))


def _flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted scalar entries of a config (lists as text), for TensorBoard's hparams table."""
    flat: dict[str, Any] = {}
    for name, value in config.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        elif isinstance(value, (bool, int, float, str)):
            flat[dotted] = value
        elif value is not None:
            flat[dotted] = str(value)
    return flat


def _describe_error(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)
    message = f"{type(exc).__name__}: {exc}".strip()
    if where:
        frame = where[-1]
        message += f" (at {Path(frame.filename).name}:{frame.lineno})"
    return message


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
