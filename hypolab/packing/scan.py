"""One epoch of a pack as one compiled JAX loop (``KERAS_BACKEND=jax`` only).

Keras's JAX ``fit`` dispatches every step from Python (a few milliseconds a
step on a GPU), which dominates small batches: 288 steps an epoch at batch
size 4 on digits. Here the full batches of an epoch run as one ``jax.lax.scan``
over the step that Keras's own stateless API defines
(``model.stateless_call``, ``optimizer.stateless_apply``); the last, partial
batch is padded and masked, so an epoch is one dispatch of one compiled
function. The step's
arithmetic is the packed model's: the loss is the sum of the copies' mean
losses, so each copy gets its own gradient.

Example:

    run_epoch = ScanEpochs(net, per_copy_losses, Task.CLASSIFICATION)
    train_loss, train_accuracy = run_epoch(index, keys, labels, batch_size=4)
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hypolab.packing.network import PackedNetwork
from hypolab.packing.objective import PerCopyLoss
from hypolab.records import Task


class ScanEpochs:
    """Trains a compiled ``PackedNetwork`` one epoch per call, with per-copy training metrics.

    Args:
        net: the packed model, compiled (its optimizer is used statelessly).
        losses: per-copy loss function ``(y (batch, K), pred) -> (batch, K)``.
        task: classification (accuracy) or regression (mae).
    """

    def __init__(self, net: PackedNetwork, losses: PerCopyLoss, task: Task) -> None:
        self.net = net
        self.losses = losses
        self.task = task
        net.optimizer.build(net.trainable_variables)
        self._scan = jax.jit(self._scan_steps)

    def __call__(
        self,
        index: np.ndarray,
        keys: np.ndarray,
        labels: np.ndarray,
        *,
        batch_size: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Train one epoch on rows ``index`` (n, K) in order; return per-copy mean loss and score."""
        net = self.net
        state = (
            [v.value for v in net.trainable_variables],
            [v.value for v in net.non_trainable_variables],
            [v.value for v in net.optimizer.variables],
            jnp.zeros(net.copies, "float32"),
            jnp.zeros(net.copies, "float32"),
        )
        n = len(index)
        steps = -(-n // batch_size)
        padding = steps * batch_size - n
        # The last, partial batch is padded to a full one and its padding
        # masked out of the loss, the metrics and the batch statistics, so
        # the epoch is one scan of one compiled step (not a second compile).
        mask = np.ones(n, "float32")  # padded with zeros below

        def batched(a):
            a = np.concatenate([a, np.zeros((padding, *a.shape[1:]), a.dtype)])
            return jnp.asarray(a.reshape(steps, batch_size, *a.shape[1:]))

        state = self._scan(
            state, tuple(batched(a) for a in (index, keys, labels, mask))
        )
        trainable, non_trainable, optimizer_values, loss_sum, score_sum = state
        for variable, value in zip(net.trainable_variables, trainable):
            variable.assign(value)
        for variable, value in zip(net.non_trainable_variables, non_trainable):
            variable.assign(value)
        for variable, value in zip(net.optimizer.variables, optimizer_values):
            variable.assign(value)
        return np.asarray(loss_sum) / max(n, 1), np.asarray(score_sum) / max(n, 1)

    def _one_step(self, state, batch) -> Any:
        trainable, non_trainable, optimizer_values, loss_sum, score_sum = state
        index, keys, labels, mask = batch
        net = self.net
        real = jnp.sum(mask)
        inputs = {"index": index, "keys": keys, "mask": mask}

        def total_loss(trainable_values):
            pred, new_non_trainable = net.stateless_call(
                trainable_values, non_trainable, inputs, training=True
            )
            per_copy = self.losses(labels, pred) * mask[:, None]
            # Sum over copies of each copy's mean loss over the real rows.
            return jnp.sum(per_copy) / real, (new_non_trainable, per_copy, pred)

        (_, (non_trainable, per_copy, pred)), grads = jax.value_and_grad(
            total_loss, has_aux=True
        )(trainable)
        trainable, optimizer_values = net.optimizer.stateless_apply(
            optimizer_values, grads, trainable
        )
        if self.task is Task.CLASSIFICATION:
            score = (jnp.argmax(pred, axis=-1) == labels.astype("int32")).astype(
                "float32"
            )
        else:
            score = jnp.abs(labels.astype(pred.dtype) - pred[..., 0])
        return (
            trainable,
            non_trainable,
            optimizer_values,
            loss_sum + jnp.sum(per_copy, axis=0),
            score_sum + jnp.sum(score * mask[:, None], axis=0),
        )

    def _scan_steps(self, state, batches):
        def body(carry, batch):
            return self._one_step(carry, batch), None

        state, _ = jax.lax.scan(body, state, batches)
        return state
