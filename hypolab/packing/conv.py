"""A packed ``Conv2D``: K independent convolutions, one plain convolution per copy.

Part of ``hypolab.packing.layers``' family: exact per copy, weights listed in
the plain layer's ``get_weights()`` order with each copy's slice
(``copy_index``), on folded images ``(batch, height, width, K * channels)``.
"""

from __future__ import annotations

import keras
from keras import ops

from hypolab.packing.layers import CopyAxis


class PackedConv2D(keras.layers.Layer):
    """K independent Conv2D layers: copy k's channels convolved with copy k's kernel.

    Input and output are folded ``(batch, height, width, K * channels)``.
    The kernel is stored as ``(kh, kw, in_channels, K * filters)``, copy k's
    filters being ``kernel[..., k * filters:(k + 1) * filters]``, exactly a
    grouped convolution's (``groups=K``) kernel. Each copy's output is one
    ``keras.ops.conv`` of its own channels with its own filters: the very
    convolution a plain model of that seed runs, so a copy's arithmetic does
    not depend on K and no operation mixes copies.

    Why not one grouped ``keras.ops.conv``: measured on TensorFlow 2.21's CPU
    (batch 64, K=4, 28x28x1, filters 16 -> 32, forward and backward), Keras
    sends a grouped convolution through XLA, whose gradient took about 800 ms
    a step; these K plain convolutions took 27 ms, K plain single-seed models
    about the same, and the former patches-and-einsum form 250-320 ms
    (``benchmarks/bench_packing.py`` times whole packs).

    Args:
        copies: K.
        in_channels: input channels of one copy.
        filters, kernel_size, strides, padding, dilation_rate, activation,
            use_bias: as the plain ``keras.layers.Conv2D``.
    """

    def __init__(
        self,
        copies: int,
        in_channels: int,
        filters: int,
        kernel_size: tuple[int, int],
        strides: tuple[int, int] = (1, 1),
        padding: str = "valid",
        dilation_rate: tuple[int, int] = (1, 1),
        activation=None,
        use_bias: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.copies = copies
        self.in_channels = in_channels
        self.filters = filters
        self.kernel_size = tuple(kernel_size)
        self.strides = tuple(strides)
        self.padding = padding
        self.dilation_rate = tuple(dilation_rate)
        self.activation = keras.activations.get(activation)
        self.copy_axis = CopyAxis.BLOCKS
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, in_channels, copies * filters),
            initializer="zeros",
            name="kernel",
        )
        self.bias = (
            self.add_weight(shape=(copies * filters,), initializer="zeros", name="bias")
            if use_bias
            else None
        )
        self.built = True

    def call(self, x):
        return self.activation(ops.concatenate([self._one_copy(x, k) for k in range(self.copies)], axis=-1))

    def _one_copy(self, x, k: int):
        """Copy k's convolution, its bias added on its own (so its gradient sums copy k's maps alone)."""
        channels, filters = slice(k * self.in_channels, (k + 1) * self.in_channels), slice(k * self.filters, (k + 1) * self.filters)
        y = ops.conv(x[..., channels], self.kernel[..., filters], strides=self.strides, padding=self.padding,
                     dilation_rate=self.dilation_rate)  # fmt: skip
        return y if self.bias is None else y + self.bias[filters]

    @property
    def packed_variables(self) -> list:
        return [self.kernel] + ([self.bias] if self.bias is not None else [])

    def copy_index(self, k: int) -> list[tuple]:
        filters = slice(k * self.filters, (k + 1) * self.filters)
        return [(Ellipsis, filters)] * len(self.packed_variables)
