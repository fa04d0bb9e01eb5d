"""Train one packed model whose copy k is seed k: the fused training loop.

- copy k starts from seed k's plain initial weights (``build_packed``);
- each epoch, copy k sees the training data in its own order, and its dropout
  masks come from its own keys; both are drawn from
  ``numpy.random.default_rng([seed, epoch])`` only (``hypolab.order.epoch_order``,
  the order every training path uses), so a
  seed trains the same alone or beside any other seeds, and an interrupted
  arm resumes exactly;
- the loss is the sum of the copies' mean losses, so each copy's gradient is
  its own; optimizer state is per weight (and clipping per copy);
- early stopping and divergence are decided per copy, as Keras's
  ``EarlyStopping`` and the runner's NaN check do for one model: a copy that
  stops is frozen (its kept weights are written back after every epoch and
  before testing) while the others go on;
- listed Keras metrics are kept per copy (one instance each), and
  ``ReduceLROnPlateau`` lowers each copy's own learning rate (the optimizer
  steps every copy with its own); a learning-rate schedule is a function of
  the step, which every copy shares;
- regression copies train on standardised targets; ``mae`` and the listed
  metrics are reported in the data's units.

Example:

    trained = fit_copies(config, dataset, [CopyState(seed=s) for s in (0, 1, 2)])
    trained.outcomes[1].metrics["test_accuracy"]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from hypolab import models
from hypolab.models.history import score_metric
from hypolab.order import epoch_order
from hypolab.packing.copies import CopyState, PlateauRule, StopRule
from hypolab.packing.evaluate import eval_batch_size, evaluate_copies
from hypolab.packing.model import build_packed
from hypolab.packing.network import PackedNetwork
from hypolab.packing.objective import (
    PackedLoss,
    PerCopyMetric,
    PerCopyTraining,
    numpy_loss_fn,
    per_copy_loss_fn,
    per_copy_optimizer,
    set_copy_rates,
)
from hypolab.records import Dataset, Task, TrainingConfig
from hypolab.run_record import Outcome

EpochCallback = Callable[[int, Mapping[str, float]], None]


def compile_packed(net: PackedNetwork, config: TrainingConfig, dataset: Dataset, loss: str,
                   steps_per_epoch: int) -> tuple[PerCopyTraining, list[list[PerCopyMetric]]]:  # fmt: skip
    """Compile ``net`` with the per-copy loss, metrics and optimizer.

    Returns:
        The per-copy loss and score tracker, and per copy its listed metrics.
    """
    task = Task(dataset.task)
    losses = per_copy_loss_fn(loss, task)
    tracker = PerCopyTraining(net.copies, losses, task)
    listed = [[PerCopyMetric(models.build_metric(spec, dataset), k) for spec in config.metrics]
              for k in range(net.copies)]  # fmt: skip
    optimizer = per_copy_optimizer(models.make_optimizer(config.optimizer), net.copy_axes(), net.copies,
                                   per_copy_rates=config.reduce_lr_on_plateau is not None)  # fmt: skip
    net.compile(
        optimizer=optimizer,
        loss=PackedLoss(losses),
        metrics=[tracker, *(metric for copy in listed for metric in copy)],
        steps_per_execution=steps_per_execution(steps_per_epoch),
    )
    return tracker, listed


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
        outcomes: per copy, how its run went (status, history, metrics, best epoch...).
        trainable_params: trainable parameters of one copy.
    """

    network: PackedNetwork
    copies: list[CopyState]
    outcomes: list[Outcome]
    trainable_params: int


def fit_copies(
    config: TrainingConfig,
    dataset: Dataset,
    copies: Sequence[CopyState],
    *,
    on_epoch: EpochCallback | None = None,
    on_copy_epoch: Callable[[int, int, Mapping[str, float]], None] | None = None,
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
        on_copy_epoch: called with ``(k, epoch, logs)`` for each copy k still
            training after each 0-based epoch (its own logs: TensorBoard).
    """
    # The resolved config: the hypothesis stage filled every default.
    loss = models.loss_for(config.loss, dataset.task)
    batch_size, epochs = config.batch_size, config.epochs
    rule = StopRule.from_config(config.early_stopping)
    plateau = PlateauRule.from_config(config.reduce_lr_on_plateau)

    copies = list(copies)
    task = Task(dataset.task)
    # A lone seed trains as a pack of one. Its kernels may round in the last
    # bit otherwise than in a larger pack (a size-1 axis squeezed away); the
    # models hold no bias that batch normalization would leave gradient-free
    # (no Conv2D bias before a batch norm), where Adam used to amplify such
    # differences, so a seed agrees alone and packed to 1e-5 (tests/test_packing.py).
    real = len(copies)
    net = build_packed(config, dataset.input_shape, dataset.num_classes, task, [c.seed for c in copies],
                       x_train=dataset.x_train)  # fmt: skip
    y_train = np.asarray(dataset.standardised(np.asarray(dataset.y_train)))
    n = len(y_train)
    tracker, listed = compile_packed(net, config, dataset, loss, steps_per_epoch=-(-n // batch_size))
    if plateau.enabled:
        start = float(np.float32(config.optimizer.learning_rate))
        for copy in copies:
            copy.learning_rate = start
    losses = numpy_loss_fn(loss, task) or tracker.losses
    scan_epochs = None
    if keras.backend.backend() == "jax" and not config.metrics and not plateau.enabled:
        # The compiled epoch loop tracks the loss and score only, at one learning rate.
        from hypolab.packing.scan import ScanEpochs  # imports jax

        scan_epochs = ScanEpochs(net, tracker.losses, task)
    eval_batch = eval_batch_size(net, max(len(dataset.y_val), len(dataset.y_test)))
    score = score_metric(task)
    scale = dataset.target_std if task is Task.REGRESSION else 1.0

    def evaluate(x, y):
        fresh = (lambda k: [models.build_metric(spec, dataset) for spec in config.metrics]) if config.metrics else None
        return evaluate_copies(net, x, dataset.standardised(np.asarray(y)), losses, task, eval_batch,
                               score_scale=scale, metrics=fresh)  # fmt: skip

    for epoch in range(epochs):
        if not any(c.active for c in copies):
            break
        orders = [epoch_order(c.seed, epoch, n) for c in copies]
        index = np.stack([o for o, _ in orders], axis=1)
        keys = np.stack([k for _, k in orders], axis=1)
        if scan_epochs is not None:
            train_loss, train_score = scan_epochs(index, keys, y_train[index], batch_size=batch_size)
        else:
            net.fit({"index": index, "keys": keys}, y_train[index], batch_size=batch_size, epochs=1,
                    shuffle=False, verbose=0)  # fmt: skip
            train_loss, train_score = tracker.per_copy()
        train_score = np.asarray(train_score) * scale
        val = evaluate(dataset.x_val, dataset.y_val)
        epoch_logs = []
        for k, copy in enumerate(copies):
            if copy.active:
                logs = {
                    "loss": float(train_loss[k]),
                    score: float(train_score[k]),
                    **{metric.metric.name: float(keras.ops.convert_to_numpy(metric.result())) for metric in listed[k]},
                    "val_loss": float(val.loss[k]),
                    f"val_{score}": float(val.score[k]),
                    **{f"val_{name}": float(values[k]) for name, values in val.extra.items()},
                    **({"learning_rate": copy.learning_rate} if plateau.enabled else {}),
                }
                epoch_logs.append(logs)
                if on_copy_epoch is not None and k < real:
                    on_copy_epoch(k, epoch, logs)
                copy.end_epoch(epoch, logs, rule, lambda k=k: net.copy_weights(k))
                copy.lower_rate(logs, plateau)
        if on_epoch is not None and epoch_logs:
            on_epoch(epoch + 1, {name: float(np.mean([l[name] for l in epoch_logs])) for name in epoch_logs[0]})
        # Keep stopped copies exactly as they stopped while the others go on.
        kept = {k: c.kept_weights for k, c in enumerate(copies) if c.kept_weights is not None}
        if kept and any(c.active for c in copies):
            net.set_copy_weights(kept)
        if plateau.enabled:
            set_copy_rates(net.optimizer, [c.learning_rate for c in copies])

    final = {k: c.final_weights(rule) for k, c in enumerate(copies)}
    net.set_copy_weights({k: w for k, w in final.items() if w is not None})
    test = evaluate(dataset.x_test, dataset.y_test)
    params = net.trainable_params_per_copy()
    copies = copies[:real]
    outcomes = [copy.outcome(test.loss[k], test.score[k], score, rule, params,
                             {name: values[k] for name, values in test.extra.items()}, config.metrics)
                for k, copy in enumerate(copies)]  # fmt: skip
    return TrainedPack(network=net, copies=copies, outcomes=outcomes, trainable_params=params)
