"""Train the seeds of one arm together: one packed model, one fused step.

``train_pack`` gives every spec the ``RunResult`` that ``hypolab.runner.train_one``
would give it, trained as one copy of a packed model:

- copy k starts from seed k's plain initial weights (``build_packed``);
- each epoch, copy k sees the training data in its own order, and its dropout
  masks come from its own keys; both are drawn from
  ``numpy.random.default_rng([seed, epoch])`` only, so a seed trains the same
  alone or beside any other seeds, and an interrupted arm resumes exactly;
- the loss is the sum of the copies' mean losses, so each copy's gradient is
  its own; optimizer state is per weight (and clipping per copy);
- early stopping and divergence are decided per copy, as Keras's
  ``EarlyStopping`` and the runner's NaN check do for one model: a copy that
  stops is frozen (its kept weights are written back after every epoch and
  before testing) while the others go on.

Example:

    results = train_pack(specs_of_one_arm, hypolab.datasets.load(data), device="cpu")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import keras
import numpy as np

from hypolab import models
from hypolab.errors import ModelError
from hypolab.packing.copies import CopyState, StopRule
from hypolab.packing.model import PackedNetwork, build_packed
from hypolab.packing.objective import (
    PackedLoss,
    PerCopyTraining,
    numpy_loss_fn,
    per_copy_loss_fn,
    per_copy_optimizer,
)
from hypolab.records import Dataset, RunResult, RunSpec, RunStatus, Task

EpochCallback = Callable[[int, Mapping[str, float]], None]

#: Activation values (all copies) of one evaluation batch; bounds its memory.
_EVAL_VALUES = 1 << 26


def epoch_order(seed: int, epoch: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Copy ``seed``'s data order and dropout keys for one epoch.

    Args:
        seed: the run's seed.
        epoch: 0-based epoch.
        n: training examples.

    Returns:
        ``(order, keys)``: a permutation of ``range(n)`` and one int32 key per
        position, drawn from ``numpy.random.default_rng([seed, epoch])`` only.
    """
    rng = np.random.default_rng([int(seed) % (1 << 63), int(epoch)])
    order = rng.permutation(n).astype(np.int32)
    keys = rng.integers(0, 1 << 32, size=n, dtype=np.uint32).view(np.int32)
    return order, keys


def train_pack(
    specs: Sequence[RunSpec],
    dataset: Dataset,
    *,
    device: str = "auto",
    on_epoch: EpochCallback | None = None,
) -> list[RunResult]:
    """Train the specs of one arm as the copies of one packed model.

    Args:
        specs: runs of one arm (one resolved config), one per seed; train them
            all in one pack (``hypolab.packing.split_packs`` sizes packs).
        dataset: the loaded data set.
        device: ``auto``, ``cpu`` or ``gpu``, as for ``hypolab.runner.train_one``.
        on_epoch: called after each epoch with the 1-based epoch and the
            logs averaged over the copies still training.

    Returns:
        One ``RunResult`` per spec, in order, with every field the plain
        runner fills; ``notes`` say the run was packed and with how many seeds.
        Like ``train_one`` it does not raise for a run's own failure: an
        exception fails every run of the pack, a NaN loss diverges one copy.

    Raises:
        ModelError: the specs do not share one config, or the config cannot
            be packed (see ``hypolab.packing.supports``).
    """
    from hypolab import runner

    specs = list(specs)
    _check_one_arm(specs)
    described = runner.prepare_device(device)
    backend, versions = runner.environment()
    started_at = _utc_now()
    start = time.perf_counter()
    copies = [CopyState(seed=s.seed) for s in specs]
    keras.backend.clear_session(free_memory=False)
    try:
        with runner.placement(described):
            trained = fit_copies(specs[0].config, dataset, copies, on_epoch=on_epoch)
        outcomes, params = trained.outcomes, trained.trainable_params
        del trained
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - the pack's own failure is data, as for one run
        outcomes, params = None, 0
        error = f"{type(exc).__name__}: {exc}".strip()
    keras.backend.clear_session(free_memory=False)
    finished_at = _utc_now()
    seconds = (time.perf_counter() - start) / len(specs)
    notes = (
        (
            f"packed: trained as one of {len(specs)} copies of one model "
            f"(seeds {', '.join(str(s.seed) for s in specs)}); "
            f"train_seconds is the pack's wall time divided by {len(specs)}"
        ),
    )
    results = []
    for k, spec in enumerate(specs):
        record = {
            "key": spec.key, "hypothesis": spec.hypothesis, "arm": spec.arm, "seed": spec.seed,
            "config": spec.config, "data": {**spec.data.to_dict(), "sizes": dataset.sizes}, "device": described,
            "backend": backend, "versions": versions, "started_at": started_at,
            "finished_at": finished_at, "train_seconds": seconds, "notes": notes,
            "history": copies[k].history, "epochs_run": copies[k].epochs,
        }  # fmt: skip
        if outcomes is None:
            metrics = {"train_seconds": seconds, "epochs_run": float(copies[k].epochs)}
            results.append(
                RunResult(
                    **record, status=RunStatus.FAILED, metrics=metrics, error=error
                )
            )
            continue
        outcome = dict(outcomes[k])
        outcome["metrics"].update(
            train_seconds=seconds, epochs_run=float(copies[k].epochs)
        )
        results.append(RunResult(**record, **outcome, trainable_params=params))
    return results


def _check_one_arm(specs: Sequence[RunSpec]) -> None:
    if not specs:
        raise ModelError("train_pack needs at least one RunSpec. Got none.")
    first = specs[0]
    for spec in specs[1:]:
        if spec.config != first.config or spec.data != first.data:
            raise ModelError(
                f"train_pack trains the seeds of one arm: every spec must share one config and data. "
                f"Got arm {spec.arm!r} seed {spec.seed} differing from arm {first.arm!r} seed {first.seed}."
            )
    seeds = [s.seed for s in specs]
    if len(set(seeds)) != len(seeds):
        raise ModelError(f"train_pack needs distinct seeds. Got {seeds}.")


def compile_packed(
    net: PackedNetwork, config: Mapping[str, Any], task: Task, steps_per_epoch: int
) -> PerCopyTraining:
    """Compile ``net`` with the per-copy loss, metrics and optimizer; return the metric."""
    losses = per_copy_loss_fn(models.loss_for(config, task), task)
    tracker = PerCopyTraining(net.copies, losses, task)
    optimizer = per_copy_optimizer(
        models.make_optimizer(config["optimizer"]), net.copy_axes(), net.copies
    )
    net.compile(
        optimizer=optimizer,
        loss=PackedLoss(losses),
        metrics=[tracker],
        steps_per_execution=steps_per_execution(steps_per_epoch),
    )
    return tracker


def steps_per_execution(steps_per_epoch: int) -> int:
    """Train steps per call into the compiled function.

    On TensorFlow, several steps per call (a ``tf.while_loop``) cut the
    per-step Python and dispatch overhead that dominates small batches
    (measured in ``benchmarks/bench_packing.py``); with few steps an epoch the
    loop's extra tracing costs more than it saves. JAX's and torch's trainers
    loop over steps in Python either way.
    """
    if keras.backend.backend() != "tensorflow" or steps_per_epoch <= 32:
        return 1
    return 32


@dataclass
class TrainedPack:
    """A trained pack: the network (copies restored as they ended) and per-copy outcomes.

    Args:
        network: the packed model; ``network.copy_weights(k)`` are copy k's
            final weights in the plain model's layout.
        copies: the per-copy states (histories, early stopping, divergence).
        outcomes: per copy, the ``RunResult`` fields that depend on training
            (status, metrics, best_epoch, diverged_epoch, error).
        trainable_params: trainable parameters of one copy.
    """

    network: PackedNetwork
    copies: list[CopyState]
    outcomes: list[dict[str, Any]]
    trainable_params: int


def fit_copies(
    config: Mapping[str, Any],
    dataset: Dataset,
    copies: Sequence[CopyState],
    *,
    on_epoch: EpochCallback | None = None,
) -> TrainedPack:
    """Train one packed model whose copy k is ``copies[k].seed``; test each copy.

    The core of ``train_pack``, without the run records: it raises on any
    failure. Histories and stopping states are written into ``copies``.

    Args:
        config: the arm's resolved config.
        dataset: the loaded data set.
        copies: one fresh ``CopyState(seed=...)`` per seed.
        on_epoch: called with the 1-based epoch and the mean logs of the
            copies still training.
    """
    copies = list(copies)
    task = Task(dataset.task)
    if len(copies) == 1:
        # A lone seed trains beside one inert copy (never recorded): with K=1
        # some backends' kernels take a shortcut (a size-1 axis squeezed
        # away) that rounds differently, and Adam can amplify last-bit
        # differences on a bias that batch normalization leaves gradient-free.
        # With K >= 2 a copy's arithmetic does not depend on K.
        copies.append(CopyState(seed=copies[0].seed + 1, active=False))
        real = 1
    else:
        real = len(copies)
    seeds = [c.seed for c in copies]
    net = build_packed(
        config,
        dataset.input_shape,
        dataset.num_classes,
        task,
        seeds,
        x_train=dataset.x_train,
    )
    y_train = np.asarray(dataset.y_train)
    n = len(y_train)
    batch_size = int(config["batch_size"])
    tracker = compile_packed(net, config, task, steps_per_epoch=-(-n // batch_size))
    losses = numpy_loss_fn(models.loss_for(config, task), task) or tracker.losses
    scan_epochs = None
    if keras.backend.backend() == "jax":
        from hypolab.packing.scan import ScanEpochs  # imports jax

        scan_epochs = ScanEpochs(net, tracker.losses, task)
    eval_batch = _eval_batch(net, max(len(dataset.y_val), len(dataset.y_test)))
    score = "accuracy" if task is Task.CLASSIFICATION else "mae"
    rule = StopRule.from_config(config.get("early_stopping"))

    for epoch in range(int(config["epochs"])):
        if not any(c.active for c in copies):
            break
        orders = [epoch_order(c.seed, epoch, n) for c in copies]
        index = np.stack([o for o, _ in orders], axis=1)
        keys = np.stack([k for _, k in orders], axis=1)
        if scan_epochs is not None:
            train_loss, train_score = scan_epochs(
                index, keys, y_train[index], batch_size=batch_size
            )
        else:
            net.fit(
                {"index": index, "keys": keys},
                y_train[index],
                batch_size=batch_size,
                epochs=1,
                shuffle=False,
                verbose=0,
            )
            train_loss, train_score = tracker.per_copy()
        val_loss, val_score = _evaluate(
            net, dataset.x_val, dataset.y_val, losses, task, eval_batch
        )
        epoch_logs = []
        for k, copy in enumerate(copies):
            if copy.active:
                logs = {
                    "loss": float(train_loss[k]),
                    score: float(train_score[k]),
                    "val_loss": float(val_loss[k]),
                    f"val_{score}": float(val_score[k]),
                }
                epoch_logs.append(logs)
                copy.end_epoch(epoch, logs, rule, lambda k=k: net.copy_weights(k))
        if on_epoch is not None and epoch_logs:
            on_epoch(
                epoch + 1,
                {
                    name: float(np.mean([l[name] for l in epoch_logs]))
                    for name in epoch_logs[0]
                },
            )
        # Keep stopped copies exactly as they stopped while the others go on.
        kept = {
            k: c.kept_weights
            for k, c in enumerate(copies)
            if c.kept_weights is not None
        }
        if kept and any(c.active for c in copies):
            net.set_copy_weights(kept)

    final = {k: c.final_weights(rule) for k, c in enumerate(copies)}
    net.set_copy_weights({k: w for k, w in final.items() if w is not None})
    test_loss, test_score = _evaluate(
        net, dataset.x_test, dataset.y_test, losses, task, eval_batch
    )
    params = net.trainable_params_per_copy()
    copies = copies[:real]
    outcomes = [
        copy.outcome(test_loss[k], test_score[k], score, rule)
        for k, copy in enumerate(copies)
    ]
    return TrainedPack(
        network=net, copies=copies, outcomes=outcomes, trainable_params=params
    )


def _eval_batch(net: PackedNetwork, examples: int) -> int:
    """One evaluation batch size for validation and test, so the step traces once.

    A power of two covering ``examples`` where its activations for all copies
    stay under ``_EVAL_VALUES`` floats.
    """
    per_example = net.copies * net.activations_per_example
    cap = max(1, _EVAL_VALUES // max(per_example, 1))
    size = 1 << max(0, (max(examples, 1) - 1).bit_length())
    return max(1, min(size, 1 << (cap.bit_length() - 1)))


def _evaluate(
    net: PackedNetwork, x, y, losses, task: Task, batch: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-copy mean loss and accuracy (or mae) on ``(x, y)``, every copy on all of it."""
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    loss_sum = np.zeros(net.copies)
    score_sum = np.zeros(net.copies)
    for start in range(0, len(y), batch):
        x_chunk = x[start : start + batch]
        y_chunk = y[start : start + batch]
        padding = batch - len(x_chunk)
        if padding:
            # Every call has one shape, so the predict function traces once.
            x_chunk = np.concatenate(
                [x_chunk, np.zeros((padding, *x.shape[1:]), x.dtype)]
            )
        pred = np.asarray(net.predict_on_batch(x_chunk))[: len(y_chunk)]
        y_copies = np.repeat(y_chunk[:, None], net.copies, axis=1)
        loss_sum += np.asarray(
            keras.ops.convert_to_numpy(losses(y_copies, pred)), np.float64
        ).sum(axis=0)
        if task is Task.CLASSIFICATION:
            score_sum += (np.argmax(pred, axis=-1) == y_copies).sum(axis=0)
        else:
            score_sum += np.abs(y_copies - pred[..., 0]).sum(axis=0)
    return loss_sum / max(len(y), 1), score_sum / max(len(y), 1)


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")  # noqa: UP017 - Python 3.10
