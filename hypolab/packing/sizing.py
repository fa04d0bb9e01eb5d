"""Which arms can be packed, and how many seeds go in one pack.

``supports`` is decided on the resolved config alone: ``mlp`` and ``cnn``
models pack; a ``custom`` builder (an architecture hypolab cannot rebuild
with stacked weights) and optimizers whose update mixes the elements of a
weight tensor (their copies would interact) do not, and the runner trains
those one seed at a time.

``pack_size`` turns the hypothesis's ``pack`` (``auto`` or a positive int)
into a number: ``auto`` is the whole arm where an estimate of the pack's
memory fits in half of the memory available on the machine that trains (it
is called there, by the executor's worker), fewer seeds otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypolab.device import available_memory
from hypolab.plan import unsupported_reason
from hypolab.records import DataConfig, Dataset, RunSpec, TrainingConfig

#: Bytes per parameter per copy: weights, gradients, up to two moment slots,
#: and the early-stopping snapshots (float32).
_BYTES_PER_PARAM = 4 * 6
#: Activation bytes per value: forward output, its gradient, masks and temporaries.
_BYTES_PER_ACTIVATION = 4 * 4


def supports(config: TrainingConfig) -> bool:
    """Whether the seeds of an arm with this resolved config can be trained packed.

    True for ``mlp`` and ``cnn`` models with an element-wise optimizer (adam,
    sgd, rmsprop...); False for ``custom`` models and for adafactor, lamb
    and muon. Where False, train one seed at a time and say why in the run's
    notes (``unsupported_reason``).
    """
    return unsupported_reason(config) is None


def pack_size(
    config: TrainingConfig,
    dataset: Dataset,
    runs: int,
    requested: str | int = "auto",
    *,
    memory_bytes: int | None = None,
) -> int:
    """How many seeds of an arm to train in one pack.

    Args:
        config: the arm's resolved config.
        dataset: the loaded data set (its shapes size the estimate).
        runs: seeds of the arm still to train.
        requested: ``auto`` or a positive int (the hypothesis's ``pack``);
            1 means the plain one-seed-at-a-time runner.
        memory_bytes: memory to fit in; by default half of this machine's
            available memory (``hypolab.device.available_memory``), which
            bounds a GPU run too since the training inputs are staged through it.

    Returns:
        An int in ``[1, max(runs, 1)]``: ``requested`` capped by ``runs``, or
        for ``auto`` the most seeds whose estimated memory fits.
    """
    runs = max(int(runs), 1)
    if requested != "auto":
        return max(1, min(int(requested), runs))
    budget = memory_bytes if memory_bytes is not None else available_memory() // 2
    per_copy, shared = estimate_memory(config, dataset)
    fitting = (budget - shared) // max(per_copy, 1)
    return int(max(1, min(runs, fitting)))


def choose_pack(
    config: TrainingConfig,
    dataset: Dataset,
    data: DataConfig,
    runs: int,
    requested: str | int,
    *,
    device: str,
    memory_bytes: int,
) -> tuple[int, str | None]:
    """Seeds per model for an arm, and for ``auto`` why (``hypolab.executors.worker`` calls it where runs train).

    ``auto`` takes as many seeds as ``memory_bytes`` holds (``pack_size``);
    a compute-heavy model is then measured packed and alone first
    (``hypolab.packing.probe``) and trains one seed per model where packing
    measured slower.

    Args:
        config, dataset, runs, requested: as for ``pack_size``.
        data: the arm's data config (a measurement's cache key).
        device: where runs train (``Environment.device``).
        memory_bytes: memory a pack may take on that device.
    """
    size = pack_size(config, dataset, runs, requested, memory_bytes=memory_bytes)
    if requested != "auto":
        return size, None
    if size < 2:
        return size, (f"auto: one seed per model: the memory free on {device} ({memory_bytes >> 20} MiB for a pack) "
                      "holds one copy")  # fmt: skip
    from hypolab.packing.probe import measured_size, multiply_adds
    from hypolab.probes import PROBE_MACS

    macs = multiply_adds(config, dataset)
    if macs <= PROBE_MACS:
        return size, (f"auto: {size} seeds per model, as many as the arm has and memory holds; a light model "
                      f"({macs:,} multiply-adds per example) always gains from packing")  # fmt: skip
    chosen, why = measured_size(config, dataset, data, size, device)
    return chosen, f"auto: {chosen} seed{'s' if chosen > 1 else ''} per model, measured {why}"


def estimate_memory(config: TrainingConfig, dataset: Dataset) -> tuple[int, int]:
    """Estimated bytes ``(per copy, shared)`` of a pack of this arm.

    Per copy: parameters with their gradients, optimizer slots and snapshots,
    plus one batch of activations (and one evaluation chunk). Shared: the
    training inputs held on the device.
    """
    from hypolab import models  # Keras only when a pack is sized

    model = models.build(
        config.model, dataset.input_shape, dataset.num_classes, dataset.task
    )
    params = models.count_trainable(model)
    activations = sum(
        math.prod(int(d) for d in layer.output.shape[1:]) for layer in model.layers
    )
    batch = config.batch_size
    per_copy = (
        params * _BYTES_PER_PARAM + (batch + 2048) * activations * _BYTES_PER_ACTIVATION
    )
    shared = int(getattr(dataset.x_train, "nbytes", 0))
    return int(per_copy), shared


def split_packs(specs: Sequence[RunSpec], size: int) -> list[list[RunSpec]]:
    """Consecutive packs of at most ``size`` specs, in order.

    Packing does not change any run's result, so how seeds are grouped only
    changes speed and memory.
    """
    size = max(int(size), 1)
    specs = list(specs)
    return [specs[i : i + size] for i in range(0, len(specs), size)]
