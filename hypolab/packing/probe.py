"""``pack: auto`` for compute-heavy models: measure a few steps packed and alone, keep the faster.

Packing K seeds into one model wins by cutting per-step overhead; where a
step is dominated by arithmetic (convolutions, wide layers), K copies cost
about K single models and packing can lose a little to memory traffic. So
a model whose copy does more than ``hypolab.probes.PROBE_MACS`` multiply-adds per example
is timed for ``STEPS`` training steps as one copy and as the pack ``auto``
would train, after a warm-up step each (compilation); the pack wins unless
its time per seed is more than ``TOLERANCE`` above one copy's. The choice is
recorded per model shape and device (``hypolab.probes``), so a machine
measures once. Lighter models always pack. No measured number is any run's:
a seed's results do not depend on its pack size.
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np

from hypolab import models
from hypolab.order import epoch_order
from hypolab.records import DataConfig, Dataset, Task, TrainingConfig
from hypolab.run_record import utc_now

#: Timed training steps per candidate, after one untimed step.
STEPS = 4
#: How much slower per seed a pack may measure than one copy and still be chosen (timer noise).
TOLERANCE = 0.03


def multiply_adds(config: TrainingConfig, dataset: Dataset) -> int:
    """Multiply-adds of one copy's forward pass on one example (Dense and Conv2D layers)."""
    model = models.build(config.model, dataset.input_shape, dataset.num_classes, dataset.task)
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            total += int(layer.kernel.shape[0]) * int(layer.units)
        elif isinstance(layer, keras.layers.Conv2D):
            total += math.prod(int(d) for d in layer.output.shape[1:]) * math.prod(int(d) for d in layer.kernel.shape[:3])
    return total


def measured_size(config: TrainingConfig, dataset: Dataset, data: DataConfig, size: int, device: str) -> tuple[int, str]:
    """``size`` (what memory allows) or 1, whichever trains a seed faster here, and why.

    Args:
        config: the arm's config; dataset: its loaded data; data: its config (the cache key).
        size: the most seeds that fit in the device's memory (at least 2).
        device: where runs train, as the worker's environment describes it.
    """
    from hypolab import probes

    known = probes.lookup(config, data, device)
    if known is not None:
        return min(known.size, size) if known.size > 1 else 1, f"{known.why} (measured {known.measured_at})"
    alone = _seconds_per_step(config, dataset, 1)
    packed = _seconds_per_step(config, dataset, size)
    per_seed = packed / size
    chosen = size if per_seed <= alone * (1 + TOLERANCE) else 1
    why = (f"on {device}, {STEPS} steps of batch {config.batch_size}: {size} copies {packed * 1000:.1f} ms a step "
           f"({per_seed * 1000:.1f} ms a seed), one copy {alone * 1000:.1f} ms")  # fmt: skip
    probes.remember(config, data, probes.PackProbe(device=device, size=chosen, why=why, measured_at=utc_now()))
    return chosen, why


def _seconds_per_step(config: TrainingConfig, dataset: Dataset, copies: int) -> float:
    """Wall seconds of one training step of a pack of ``copies`` (the best of ``STEPS``), after one warm-up step."""
    from hypolab.packing.fit import compile_packed
    from hypolab.packing.model import build_packed

    task = Task(dataset.task)
    batch = config.batch_size
    keras.backend.clear_session(free_memory=False)
    try:
        net = build_packed(config, dataset.input_shape, dataset.num_classes, task, range(copies),
                           x_train=dataset.x_train)  # fmt: skip
        compile_packed(net, config, dataset, models.loss_for(config.loss, task), steps_per_epoch=1)
        n = len(dataset.y_train)
        rows = [epoch_order(seed, 0, n) for seed in range(copies)]
        index = np.stack([order[:batch] for order, _ in rows], axis=1)
        keys = np.stack([key[:batch] for _, key in rows], axis=1)
        labels = np.asarray(dataset.standardised(np.asarray(dataset.y_train)))[index]
        step = {"index": index, "keys": keys}
        net.train_on_batch(step, labels)
        times = []
        for _ in range(STEPS):
            start = time.perf_counter()
            net.train_on_batch(step, labels)
            times.append(time.perf_counter() - start)
        return min(times)
    finally:
        keras.backend.clear_session(free_memory=False)
