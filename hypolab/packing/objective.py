"""The loss, metrics, gradient clipping and learning rates of a packed model, all per copy.

The packed model's loss is the sum over copies of each copy's mean loss, so
the gradient reaching copy k's weights is exactly the gradient of copy k's
own loss. The training metrics keep one running value per copy (the listed
Keras metrics one instance per copy, ``PerCopyMetric``), gradient clipping by
norm is applied per copy, since Keras's ``clipnorm`` and ``global_clipnorm``
would otherwise take norms across all copies and couple them, and where
``ReduceLROnPlateau`` lowers each copy's learning rate on its own, the
optimizer steps each copy with its own rate (``per_copy_rates``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from keras import ops

from hypolab.packing.layers import CopyAxis
from hypolab.records import Task

PerCopyLoss = Callable[[Any, Any], Any]


def per_copy_loss_fn(loss_name: str, task: Task) -> PerCopyLoss:
    """A function ``(y_true (batch, K), y_pred (batch, K, out)) -> (batch, K)`` losses.

    Args:
        loss_name: a Keras loss name, as ``hypolab.models.loss_for`` returns it.
        task: classification (integer labels) or regression (one target).
    """
    fn = keras.losses.get(loss_name)
    if isinstance(fn, keras.losses.Loss):
        # A Loss object would reduce over copies; use its per-example function.
        fn = getattr(fn, "fn", None)
        if fn is None:
            raise ValueError(f"loss {loss_name!r} has no per-example function to pack")

    def losses(y_true, y_pred):
        if task is Task.REGRESSION:
            y_true = ops.expand_dims(ops.cast(y_true, y_pred.dtype), -1)
        return fn(y_true, y_pred)

    return losses


#: Keras's probability epsilon, as its cross-entropy clips with it.
_EPSILON = 1e-7


def numpy_loss_fn(loss_name: str, task: Task) -> PerCopyLoss | None:
    """The common losses on numpy arrays, as Keras computes them; None for others.

    Evaluating in numpy avoids compiling each small eager op per shape (JAX
    compiles every new shape, about 0.1 s each on a GPU). Cross-entropy of
    probabilities follows Keras: renormalise, clip to ``[1e-7, 1 - 1e-7]``,
    ``-log p[label]``.
    """
    name = {"mean_squared_error": "mse", "mean_absolute_error": "mae"}.get(
        loss_name, loss_name
    )
    if task is Task.CLASSIFICATION and name == "sparse_categorical_crossentropy":

        def crossentropy(y_true, y_pred):
            p = y_pred / np.sum(y_pred, axis=-1, keepdims=True)
            p = np.clip(p, _EPSILON, 1.0 - _EPSILON)
            picked = np.take_along_axis(
                p, np.asarray(y_true, dtype=np.int64)[..., None], axis=-1
            )
            return -np.log(picked[..., 0])

        return crossentropy
    if task is Task.REGRESSION and name in ("mse", "mae"):
        power = 2 if name == "mse" else 1

        def error(y_true, y_pred):
            return (
                np.abs(np.asarray(y_true, dtype=np.float64) - y_pred[..., 0]) ** power
            )

        return error
    return None


class PackedLoss(keras.losses.Loss):
    """Sum over copies of each copy's per-example loss; Keras then means over the batch."""

    def __init__(self, losses: PerCopyLoss, name: str = "packed_loss") -> None:
        super().__init__(name=name)
        self.losses = losses

    def call(self, y_true, y_pred):
        return ops.sum(self.losses(y_true, y_pred), axis=1)


class PerCopyTraining(keras.metrics.Metric):
    """Running mean training loss and accuracy (or mae) of each copy over an epoch.

    ``result()`` is the loss vector; ``per_copy()`` gives both, as Keras's
    plain ``loss`` and ``accuracy``/``mae`` logs would be for each copy.
    """

    def __init__(
        self, copies: int, losses: PerCopyLoss, task: Task, name: str = "per_copy"
    ) -> None:
        super().__init__(name=name)
        self.copies = copies
        self.losses = losses
        self.task = task
        self.loss_sum = self.add_variable(
            shape=(copies,), initializer="zeros", name="loss_sum"
        )
        self.score_sum = self.add_variable(
            shape=(copies,), initializer="zeros", name="score_sum"
        )
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred)
        self.loss_sum.assign_add(ops.sum(self.losses(y_true, y_pred), axis=0))
        if self.task is Task.CLASSIFICATION:
            predicted = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
            score = ops.cast(ops.equal(predicted, ops.cast(y_true, "int32")), "float32")
        else:
            score = ops.abs(ops.cast(y_true, y_pred.dtype) - y_pred[..., 0])
        self.score_sum.assign_add(ops.sum(score, axis=0))
        self.count.assign_add(ops.cast(ops.shape(y_pred)[0], "float32"))

    def result(self):
        return self.loss_sum / ops.maximum(self.count, 1.0)

    def per_copy(self) -> tuple[Any, Any]:
        count = max(float(self.count.numpy()), 1.0)
        return (
            np.asarray(self.loss_sum.numpy()) / count,
            np.asarray(self.score_sum.numpy()) / count,
        )

    def reset_state(self):
        # numpy zeros: no backend op to compile for each new shape.
        for variable in (self.loss_sum, self.score_sum, self.count):
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))


class PerCopyMetric(keras.metrics.Metric):
    """One copy's running value of a listed Keras metric, from the packed model's outputs.

    Args:
        metric: the copy's own metric (``hypolab.models.build_metric``).
        copy: k: it sees ``y_true[:, k]`` and ``y_pred[:, k]``.
    """

    def __init__(self, metric: keras.metrics.Metric, copy: int) -> None:
        super().__init__(name=f"{metric.name}__copy{copy}")
        self.metric = metric
        self.copy = copy

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.metric.update_state(y_true[:, self.copy], ops.convert_to_tensor(y_pred)[:, self.copy])

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()


def per_copy_optimizer(
    optimizer: keras.optimizers.Optimizer, axes: Sequence[CopyAxis], copies: int, *, per_copy_rates: bool = False
) -> keras.optimizers.Optimizer:
    """The same optimizer, with ``clipnorm``/``global_clipnorm`` taken per copy, and per-copy learning rates.

    Every other part of the Keras optimizers this accepts acts element by
    element (moments, weight decay, ``clipvalue``) or on the shared step
    count, so the copies never interact.

    Args:
        optimizer: a fresh optimizer from ``hypolab.models.make_optimizer``.
        axes: where each trainable variable keeps its copies, in the model's
            ``trainable_variables`` order (the order Keras passes gradients).
        copies: K.
        per_copy_rates: step copy k with its own learning rate, ``copy_rates[k]``
            (set with ``set_copy_rates``), in place of the optimizer's one: for
            ``ReduceLROnPlateau`` per copy. The optimizers of
            ``hypolab.plan.PER_COPY_RATE_OPTIMIZERS`` use the rate element by element.
    """
    clipping = bool(optimizer.clipnorm or optimizer.global_clipnorm)
    if not (clipping or per_copy_rates):
        return optimizer
    base = type(optimizer)

    class PerCopy(base):  # type: ignore[misc, valid-type]
        def _rate(self, variable):
            """Each copy's learning rate, shaped to broadcast over ``variable``'s copies."""
            axis = axes[self._get_variable_index(variable)]
            rates = ops.cast(self.copy_rates, variable.dtype)
            if axis is CopyAxis.LEADING:
                return ops.reshape(rates, (copies,) + (1,) * (len(variable.shape) - 1))
            return ops.repeat(rates, variable.shape[-1] // copies)

        def update_step(self, gradient, variable, learning_rate):
            if per_copy_rates:
                learning_rate = self._rate(variable)
            return super().update_step(gradient, variable, learning_rate)

        def _apply_weight_decay(self, variables):
            if not per_copy_rates:
                return super()._apply_weight_decay(variables)
            if self.weight_decay is None:
                return None
            for variable in variables:
                if self._use_weight_decay(variable):
                    decay = ops.cast(self.weight_decay, variable.dtype)
                    variable.assign(variable - variable * decay * self._rate(variable))
            return None

        def _clip_gradients(self, grads):
            if not clipping:
                return super()._clip_gradients(grads)
            norms2 = [_squared_norms(g, axis, copies) for g, axis in zip(grads, axes)]
            if self.clipnorm and self.clipnorm > 0:
                limit = self.clipnorm
                return [
                    _scale(g, axis, copies, limit / ops.maximum(ops.sqrt(n2), limit))
                    for g, axis, n2 in zip(grads, axes, norms2)
                ]
            limit = self.global_clipnorm
            total = ops.sqrt(sum(norms2))
            factor = limit / ops.maximum(total, limit)
            return [_scale(g, axis, copies, factor) for g, axis in zip(grads, axes)]

    PerCopy.__name__ = f"PerCopy{base.__name__}"
    packed = PerCopy.from_config(optimizer.get_config())
    if per_copy_rates:
        start = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        packed.copy_rates = keras.Variable(np.full(copies, start, "float32"), trainable=False, name="copy_rates")
    return packed


def set_copy_rates(optimizer: keras.optimizers.Optimizer, rates: Sequence[float]) -> None:
    """Set each copy's learning rate of a ``per_copy_optimizer(..., per_copy_rates=True)``."""
    optimizer.copy_rates.assign(np.asarray(rates, dtype="float32"))


def _as_copies(g, axis: CopyAxis, copies: int):
    """A gradient viewed as ``(K, n)``: row k is copy k's part."""
    if axis is CopyAxis.LEADING:
        return ops.reshape(g, (copies, -1))
    per_copy = g.shape[-1] // copies
    blocks = ops.reshape(g, (-1, copies, per_copy))
    return ops.reshape(ops.transpose(blocks, (1, 0, 2)), (copies, -1))


def _squared_norms(g, axis: CopyAxis, copies: int):
    return ops.sum(ops.square(_as_copies(g, axis, copies)), axis=1)


def _scale(g, axis: CopyAxis, copies: int, factor):
    if axis is CopyAxis.LEADING:
        return g * ops.reshape(factor, (copies,) + (1,) * (len(g.shape) - 1))
    per_copy = g.shape[-1] // copies
    return g * ops.repeat(factor, per_copy)
