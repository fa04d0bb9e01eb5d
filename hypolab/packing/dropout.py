"""Dropout whose masks depend on the copy's own seed only.

A packed copy's dropout masks come from a counter-based hash (Wellons'
``lowbias32``) of a per-example, per-copy int32 key, fed with the data and
drawn from the copy's seed (``hypolab.order.epoch_order``), of the
layer's salt and of the element's position within the copy's example. No
random state is shared between copies or advanced by other copies, so a
copy's masks are the same whether it trains alone or in a pack of any size,
on every backend (``mix32`` is bit for bit ``mix32_numpy``).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

#: Odd constants of the 32-bit integer hash (Wellons' ``lowbias32``) and of
#: the golden-ratio increment used to mix in a layer's salt.
_MIX_1 = 0x7FEB352D
_MIX_2 = 0x846CA68B
_GOLDEN = 0x9E3779B9


def _signed(value: int) -> int:
    """The int32 with the same 32 bits as the unsigned ``value``."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def mix32_numpy(x: np.ndarray) -> np.ndarray:
    """``lowbias32`` on uint32 numpy values (the reference for ``mix32``).

    Args:
        x: integer array; its low 32 bits are hashed.

    Returns:
        A uint32 array of the same shape.
    """
    x = np.asarray(x).astype(np.uint64) & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * _MIX_1) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * _MIX_2) & 0xFFFFFFFF
    x ^= x >> 16
    return x.astype(np.uint32)


def _logical_right_shift(x, bits: int):
    # int32 ``>>`` is arithmetic on every backend; masking the sign-extended
    # bits off makes it the unsigned shift the hash needs.
    return ops.bitwise_and(ops.right_shift(x, bits), (1 << (32 - bits)) - 1)


def mix32(x):
    """``lowbias32`` on int32 tensors, bit for bit equal to ``mix32_numpy``.

    int32 multiplication wraps modulo 2**32 on TensorFlow, JAX and torch, so
    the low 32 bits equal the unsigned product.
    """
    x = ops.bitwise_xor(x, _logical_right_shift(x, 16))
    x = ops.multiply(x, ops.convert_to_tensor(_signed(_MIX_1), dtype="int32"))
    x = ops.bitwise_xor(x, _logical_right_shift(x, 15))
    x = ops.multiply(x, ops.convert_to_tensor(_signed(_MIX_2), dtype="int32"))
    return ops.bitwise_xor(x, _logical_right_shift(x, 16))


def keep_mask(keys, salt: int, positions: np.ndarray, rate: float):
    """Dropout keep-mask from per-example, per-copy keys and element positions.

    Args:
        keys: int32 tensor, one key per example and copy, already shaped to
            broadcast against ``positions`` (e.g. ``(batch, K, 1)``).
        salt: the layer's salt, so two dropout layers draw different masks.
        positions: int array of the element indices within one copy's
            example, shaped to broadcast against ``keys``.
        rate: the drop probability.

    Returns:
        A float tensor of 0s and 1s, ``u >= rate`` with ``u`` uniform on
        [0, 1) from 24 hashed bits.
    """
    position_hash = mix32_numpy(positions).view(np.int32)
    salted = mix32(ops.bitwise_xor(keys, _signed(salt * _GOLDEN)))
    bits = mix32(ops.add(salted, ops.convert_to_tensor(position_hash, dtype="int32")))
    uniform = ops.cast(_logical_right_shift(bits, 8), "float32") * (1.0 / (1 << 24))
    return ops.cast(ops.greater_equal(uniform, rate), "float32")


class PackedDropout(keras.layers.Layer):
    """Dropout with masks drawn per copy from the copy's own keys.

    Args:
        copies: K.
        rate: fraction of units to drop during training.
        feature_shape: shape of one copy's example at this point, e.g.
            ``(64,)`` copies-first or ``(4, 4, 32)`` folded (height, width,
            channels of one copy).
        folded: True for folded image input.
        salt: distinguishes this layer's masks from other dropout layers'.
    """

    def __init__(
        self,
        copies: int,
        rate: float,
        feature_shape: tuple[int, ...],
        folded: bool,
        salt: int,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.copies = copies
        self.rate = float(rate)
        self.feature_shape = tuple(feature_shape)
        self.folded = folded
        self.salt = int(salt)
        positions = np.arange(math.prod(self.feature_shape), dtype=np.int64)
        if folded:
            height, width, channels = self.feature_shape
            self._positions = positions.reshape(1, height, width, 1, channels)
        else:
            self._positions = positions.reshape(1, 1, *self.feature_shape)
        self.built = True

    def call(self, x, keys, training=False):
        if not training or self.rate <= 0.0:
            return x
        scale = 1.0 / (1.0 - self.rate)
        if self.folded:
            height, width, channels = self.feature_shape
            split = ops.reshape(x, (-1, height, width, self.copies, channels))
            copy_keys = ops.reshape(keys, (-1, 1, 1, self.copies, 1))
            mask = keep_mask(copy_keys, self.salt, self._positions, self.rate)
            return ops.reshape(
                split * mask * scale, (-1, height, width, self.copies * channels)
            )
        copy_keys = ops.reshape(
            keys, (-1, self.copies) + (1,) * len(self.feature_shape)
        )
        mask = keep_mask(copy_keys, self.salt, self._positions, self.rate)
        return x * mask * scale
