"""Validation and test of a packed model: every copy on all of a split, per-copy means.

Evaluation runs ``predict_on_batch`` on fixed-size chunks (so the predict
function traces once) and takes each copy's loss and accuracy (or mae) in
numpy, where the common losses are computed as Keras computes them.
"""

from __future__ import annotations

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


def evaluate_copies(net: PackedNetwork, x, y, losses, task: Task, batch: int) -> tuple[np.ndarray, np.ndarray]:
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
            x_chunk = np.concatenate([x_chunk, np.zeros((padding, *x.shape[1:]), x.dtype)])
        pred = np.asarray(net.predict_on_batch(x_chunk))[: len(y_chunk)]
        y_copies = np.repeat(y_chunk[:, None], net.copies, axis=1)
        loss_sum += np.asarray(keras.ops.convert_to_numpy(losses(y_copies, pred)), np.float64).sum(axis=0)
        if task is Task.CLASSIFICATION:
            score_sum += (np.argmax(pred, axis=-1) == y_copies).sum(axis=0)
        else:
            score_sum += np.abs(y_copies - pred[..., 0]).sum(axis=0)
    return loss_sum / max(len(y), 1), score_sum / max(len(y), 1)
