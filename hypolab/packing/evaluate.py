"""Validation and test of a packed model: every copy on all of a split, per-copy means.

Evaluation runs ``predict_on_batch`` on fixed-size chunks (so the predict
function traces once) and takes each copy's loss and accuracy (or mae) in
numpy, where the common losses are computed as Keras computes them, and
each listed Keras metric with a fresh instance per copy. Regression targets
are standardised (``Dataset.standardised``); ``mae`` is scaled back to the
data's units by ``score_scale`` and the listed metrics convert themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np

from hypolab.packing.network import PackedNetwork
from hypolab.records import Task

#: Activation values (all copies) of one evaluation batch; bounds its memory.
_EVAL_VALUES = 1 << 26


def eval_batch_size(net: PackedNetwork, examples: int) -> int:
    """One evaluation batch size for validation and test, so the step traces once.

    A power of two covering ``examples`` where its activations for all copies
    stay under ``_EVAL_VALUES`` floats.
    """
    per_example = net.copies * net.activations_per_example
    cap = max(1, _EVAL_VALUES // max(per_example, 1))
    size = 1 << max(0, (max(examples, 1) - 1).bit_length())
    return max(1, min(size, 1 << (cap.bit_length() - 1)))


@dataclass(frozen=True)
class Evaluated:
    """Per-copy values of one split: ``loss``, ``score`` (accuracy or mae) and each listed metric (``extra``)."""

    loss: np.ndarray
    score: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def evaluate_copies(net: PackedNetwork, x, y, losses, task: Task, batch: int, *, score_scale: float = 1.0,
                    metrics: Callable[[int], Sequence[keras.metrics.Metric]] | None = None) -> Evaluated:  # fmt: skip
    """Per-copy mean loss, accuracy (or mae) and listed metrics on ``(x, y)``, every copy on all of it.

    Args:
        y: labels, or standardised regression targets.
        score_scale: what the mean absolute error is multiplied by (the targets' standard deviation).
        metrics: ``metrics(k)`` gives copy k's fresh listed metrics; None: none.
    """
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    loss_sum = np.zeros(net.copies)
    score_sum = np.zeros(net.copies)
    listed = [list(metrics(k)) for k in range(net.copies)] if metrics is not None else []
    for start in range(0, len(y), batch):
        x_chunk = x[start : start + batch]
        y_chunk = y[start : start + batch]
        padding = batch - len(x_chunk)
        if padding:
            # Every call has one shape, so the predict function traces once.
            x_chunk = np.concatenate([x_chunk, np.zeros((padding, *x.shape[1:]), x.dtype)])
        pred = np.asarray(net.predict_on_batch(x_chunk))[: len(y_chunk)]
        y_copies = np.repeat(y_chunk[:, None], net.copies, axis=1)
        loss_sum += np.asarray(keras.ops.convert_to_numpy(losses(y_copies, pred)), np.float64).sum(axis=0)
        if task is Task.CLASSIFICATION:
            score_sum += (np.argmax(pred, axis=-1) == y_copies).sum(axis=0)
        else:
            score_sum += np.abs(y_copies - pred[..., 0]).sum(axis=0)
        for k, copy_metrics in enumerate(listed):
            for metric in copy_metrics:
                metric.update_state(y_chunk, pred[:, k])
    count = max(len(y), 1)
    extra = {metric.name: np.array([float(keras.ops.convert_to_numpy(listed[k][i].result()))
                                    for k in range(net.copies)])
             for i, metric in enumerate(listed[0] if listed else [])}  # fmt: skip
    return Evaluated(loss=loss_sum / count, score=score_sum / count * score_scale, extra=extra)
