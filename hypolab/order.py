"""The data order of a seed: one definition, used by every training path.

Epoch ``e`` of seed ``s`` sees the training examples in the order of
``numpy.random.default_rng([s, e])`` and nothing else, so a seed trains on the
same batches in hypolab's packed engine (copy k of any pack, a pack of one,
a remainder, a retry, a run taken over from another process) and, for the
configs that engine cannot train, in Keras's ``model.fit`` (``hypolab.runner``
feeds it these batches with ``shuffle=False``). The same generator also
draws the packed engine's per-example dropout keys.

Example:

    order, keys = epoch_order(seed=3, epoch=0, n=len(dataset.y_train))
"""

from __future__ import annotations

import numpy as np


def epoch_order(seed: int, epoch: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Seed ``seed``'s data order and dropout keys for one epoch.

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
