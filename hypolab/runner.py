"""Train one seeded run of an arm with Keras's ``model.fit`` and record everything about it.

This is the ``keras_fit`` engine (``hypolab.records.Engine``): the configs
hypolab's packed engine cannot train (a ``custom`` builder, optimizers that
couple packed copies) train here, one model per seed, on hypolab's own data
order (``hypolab.order.epoch_order``, fed batch by batch with ``shuffle=False``).

``train_in`` takes where runs train (an ``Environment`` from
``hypolab.device.prepare``), a ``RunSpec`` (an arm's resolved config and one
seed) and the shared ``Dataset``, and returns a ``RunResult``; ``train_one``
does the same after setting the device up itself. Neither raises for the
run's own failure: a loss that becomes NaN/inf stops training and gives status
``diverged`` with the epoch; any exception (out of memory, a broken custom
builder, a builder's ``sys.exit``) gives status ``failed`` with the message, so
the other runs go on; only Ctrl-C stops the command.
The test split is only ever passed to ``model.evaluate`` after training.

Example:

    result = train_one(spec, hypolab.datasets.load(spec.data), device="cpu")
    result.metrics["test_accuracy"]
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import keras

from hypolab import models, runlogs
from hypolab.device import placement, prepare, prepare_device
from hypolab.models.history import best_epoch_index, final_metrics, score_metric
from hypolab.order import epoch_order
from hypolab.records import Dataset, Engine, RunResult, RunSpec, RunStatus, Task, TrainingConfig
from hypolab.records.runs import Device
from hypolab.run_record import (
    Clock,
    Environment,
    RUN_FAILURES,
    Outcome,
    data_notes,
    describe_error,
    divergence_error,
    record,
    seed_problem,
)

__all__ = [
    "EpochCallback", "EpochWatcher", "SeedOrder", "prepare_device", "run_seeded", "saved", "train_in", "train_one",
    "training_callbacks",
]  # fmt: skip

EpochCallback = Callable[[int, Mapping[str, float]], None]

#: Examples per validation and test step.
EVAL_BATCH_SIZE = 512


def train_one(
    spec: RunSpec,
    dataset: Dataset,
    *,
    device: Device = "auto",
    on_epoch: EpochCallback | None = None,
    tensorboard_dir: str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    models_dir: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Set the device up, then train, validate and test one seeded run of an arm.

    Args:
        spec: the arm's resolved config and the seed.
        dataset: the loaded data set (the same object for every run of a test).
        device: ``auto``, ``cpu`` or ``gpu`` (see ``hypolab.device.prepare``).
        on_epoch: called after each epoch with the 1-based epoch and its logs.
        tensorboard_dir: where to write TensorBoard logs, one folder per run
            with the arm and seed as hparams; None writes none.
        base_dir: the hypothesis file's folder, where a custom builder's
            module may live.
        models_dir: write the finished run's final model there as ``<key>.keras``
            (``hypolab.models.saving``); None writes none.

    Returns:
        A ``RunResult`` with status finished, diverged or failed.
    """
    return train_in(prepare(device), spec, dataset, on_epoch=on_epoch, tensorboard_dir=tensorboard_dir, base_dir=base_dir,
                    models_dir=models_dir)


def train_in(
    environment: Environment,
    spec: RunSpec,
    dataset: Dataset,
    *,
    on_epoch: EpochCallback | None = None,
    tensorboard_dir: str | os.PathLike[str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    models_dir: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Train, validate and test one seeded run where ``environment`` says (set up already).

    Args are those of ``train_one``, with the prepared ``environment`` in place of ``device``.

    Returns:
        A ``RunResult`` with status finished, diverged or failed.
    """
    return run_seeded(environment, spec, dataset, lambda watcher: _fit_and_evaluate(
        spec, dataset, watcher, tensorboard_dir, base_dir), on_epoch=on_epoch, engine=Engine.KERAS_FIT,
        notes=data_notes(dataset), models_dir=models_dir)  # fmt: skip


def run_seeded(environment: Environment, spec: RunSpec, dataset: Dataset, train: Callable[[EpochWatcher], Outcome],
               *, on_epoch: EpochCallback | None, engine: Engine, notes: tuple[str, ...] = (),
               models_dir: str | os.PathLike[str] | None = None, ours: bool = True) -> RunResult:  # fmt: skip
    """One model's run, whoever trains it: the seed set, ``train(watcher)``'s outcome, its failure as data, its record.

    What the ``keras_fit`` and ``trainer`` engines share: a fresh Keras session, a seed the
    backends take (else a failed run), ``keras.utils.set_random_seed``, training where
    ``environment`` says, any exception (a ``sys.exit`` too) a failed run with its message,
    the model saved where ``models_dir`` is given, and the record.

    Args:
        train: trains and evaluates with hypolab's ``EpochWatcher``; returns the ``Outcome``.
        engine: the engine the record names.
        notes: the record's notes (the model's note is added).
        ours: hypolab built and compiled the model (``hypolab.models.saving``).
    """
    clock = Clock()
    keras.backend.clear_session(free_memory=False)
    watcher = EpochWatcher(on_epoch)
    problem = seed_problem(spec.seed)
    if problem is not None:
        outcome = Outcome(status=RunStatus.FAILED, error=problem)
    else:
        keras.utils.set_random_seed(spec.seed)
        try:
            with placement(environment.device):
                outcome = train(watcher)
        except RUN_FAILURES as exc:  # a run's own failure (a builder's sys.exit too) is data, not a crash
            outcome = Outcome(status=RunStatus.FAILED, history=watcher.history, epochs_run=watcher.epochs,
                              error=describe_error(exc))  # fmt: skip
    seconds = clock.seconds()
    notes = notes + saved(outcome, models_dir, spec, dataset, ours=ours)
    keras.backend.clear_session(free_memory=False)
    return record(spec, outcome, environment, sizes=dataset.sizes, clock=clock, train_seconds=seconds,
                  engine=engine, notes=notes)  # fmt: skip


def saved(outcome: Outcome, models_dir: str | os.PathLike[str] | None, spec: RunSpec, dataset: Dataset, *,
          ours: bool) -> tuple[str, ...]:  # fmt: skip
    """The note of a finished run's model saved to ``models_dir`` (none where not asked, or not finished)."""
    if models_dir is None or outcome.status is not RunStatus.FINISHED or outcome.model is None:
        return ()
    from hypolab.models.saving import save_model

    return (save_model(outcome.model, models_dir, spec.key, dataset, ours=ours),)


def _fit_and_evaluate(spec: RunSpec, dataset: Dataset, watcher: EpochWatcher, tensorboard_dir, base_dir) -> Outcome:
    config = spec.config  # resolved: the hypothesis stage filled every default
    batch_size, epochs = config.batch_size, config.epochs
    task = Task(dataset.task)
    loss = models.loss_for(config.loss, task)

    model = models.build(config.model, dataset.input_shape, dataset.num_classes, task, base_dir=base_dir)
    model.compile(optimizer=models.make_optimizer(config.optimizer), loss=loss,
                  metrics=models.compiled_metrics(config.metrics, dataset))  # fmt: skip
    callbacks, early = training_callbacks(config, watcher)
    if tensorboard_dir is not None:
        callbacks.append(_tensorboard(spec, Path(tensorboard_dir)))
    # Evaluation batches never change the numbers (no dropout, BatchNorm in inference
    # mode; means weighted by batch size), only the number of steps: use big ones.
    eval_batch_size = max(batch_size, EVAL_BATCH_SIZE)
    model.fit(
        SeedOrder(dataset.x_train, dataset.standardised(dataset.y_train), batch_size=batch_size, seed=spec.seed),
        epochs=epochs,
        validation_data=(dataset.x_val, dataset.standardised(dataset.y_val)),
        validation_batch_size=eval_batch_size,
        shuffle=False,  # hypolab's order, the same as the packed engine's
        callbacks=callbacks,
        verbose=0,
    )
    history = watcher.history
    epochs_run = watcher.epochs
    params = models.count_trainable(model)
    if watcher.diverged_epoch is not None:
        return Outcome(
            status=RunStatus.DIVERGED, history=history, epochs_run=epochs_run, trainable_params=params,
            diverged_epoch=watcher.diverged_epoch,
            error=divergence_error(watcher.diverged_value, watcher.diverged_epoch),
        )  # fmt: skip
    score = score_metric(task)
    if early is not None:
        # EarlyStopping's own best (min_delta and baseline included) is what it restores.
        best_index = min(int(early.best_epoch), epochs_run - 1)
    else:
        best_index = best_epoch_index(history["val_loss"], "val_loss")
    # Restored best weights are exactly the weights validated at that epoch.
    final = best_index if early is not None and early.restore_best_weights else epochs_run - 1
    metrics = final_metrics(history, final, score, config.metrics)
    test = model.evaluate(dataset.x_test, dataset.standardised(dataset.y_test), batch_size=eval_batch_size,
                          verbose=0, return_dict=True)  # fmt: skip
    metrics["test_loss"] = float(test["loss"])
    for name in (score, *config.metric_names()):
        metrics[f"test_{name}"] = float(test[name])
    return Outcome(
        status=RunStatus.FINISHED, history=history, metrics=metrics, epochs_run=epochs_run, trainable_params=params,
        best_epoch=None if best_index is None else best_index + 1, model=model,
    )  # fmt: skip


def training_callbacks(config: TrainingConfig, watcher: EpochWatcher
                       ) -> tuple[list[keras.callbacks.Callback], keras.callbacks.EarlyStopping | None]:  # fmt: skip
    """hypolab's callbacks of one run: early stopping, ``ReduceLROnPlateau``, then the watcher.

    The watcher comes last, so the history it keeps holds the ``learning_rate``
    that ``ReduceLROnPlateau`` logs. Returns the callbacks and the early stopping (or None).
    """
    early = models.early_stopping(config.early_stopping)
    plateau = models.reduce_lr_on_plateau(config.reduce_lr_on_plateau)
    return [c for c in (early, plateau) if c is not None] + [watcher], early


class SeedOrder(keras.utils.PyDataset):
    """The training split in seed ``seed``'s order (``hypolab.order.epoch_order``), batch by batch.

    Epoch ``e``'s batch ``i`` is ``x[order[i * batch_size:(i + 1) * batch_size]]``
    with ``order = epoch_order(seed, e, n)[0]``, the last batch partial, as
    Keras's own ``shuffle=True`` would batch a permutation; Keras calls
    ``on_epoch_end`` after each epoch, which moves to the next epoch's order.
    """

    def __init__(self, x, y, *, batch_size: int, seed: int) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        self.x, self.y = x, y
        self.batch_size, self.seed = int(batch_size), int(seed)
        self.epoch = 0
        self.order = epoch_order(self.seed, 0, len(y))[0]

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __getitem__(self, index: int):
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = epoch_order(self.seed, self.epoch, len(self.y))[0]


class EpochWatcher(keras.callbacks.Callback):
    """hypolab's callback of every run: keeps the history as floats, reports epochs, stops on a NaN/inf loss.

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
        loss = logs["loss"]
        if not math.isfinite(loss):
            self.diverged_epoch = epoch + 1
            self.diverged_value = str(loss)
            self.model.stop_training = True
        if self._on_epoch is not None:
            self._on_epoch(epoch + 1, logs)


def _tensorboard(spec: RunSpec, root: Path) -> keras.callbacks.TensorBoard:
    """A TensorBoard callback for one run, in its folder with its hparams (``hypolab.runlogs``)."""
    return keras.callbacks.TensorBoard(log_dir=str(runlogs.log_dir(spec, root)))
