"""A packed ``Conv2D``: K independent convolutions as one batched matmul over image patches.

Part of ``hypolab.packing.layers``' family: exact per copy, weights listed in
the plain layer's ``get_weights()`` order with each copy's slice
(``copy_index``), on folded images ``(batch, height, width, K * channels)``.
"""

from __future__ import annotations

import keras
from keras import ops

from hypolab.packing.layers import CopyAxis


class PackedConv2D(keras.layers.Layer):
    """K independent Conv2D layers as one batched matmul over image patches.

    Input and output are folded ``(batch, height, width, K * channels)``.
    The kernel is stored as ``(kh, kw, in_channels, K * filters)``, copy k's
    filters being ``kernel[..., k * filters:(k + 1) * filters]``, exactly a
    grouped convolution's (``groups=K``) kernel. The convolution itself is
    computed as ``kh * kw`` shifted slices (the patches) and one einsum of
    each copy's patches with its own kernel: the same number of operations
    whatever K, and each copy's arithmetic is the same matmul whatever K.
    That last point is why this is not ``keras.ops.conv`` with groups: a
    grouped convolution takes other kernels than a plain one (on TensorFlow's
    CPU it even goes through XLA), and Adam amplifies those last-bit
    differences on a bias that batch normalization makes gradient-free, so a
    seed would not train the same alone and in a pack.

    Args:
        copies: K.
        in_channels: input channels of one copy.
        filters, kernel_size, strides, padding, dilation_rate, activation,
            use_bias: as the plain ``keras.layers.Conv2D``.
        image_shape: ``(height, width)`` of the input.
    """

    def __init__(
        self,
        copies: int,
        in_channels: int,
        filters: int,
        kernel_size: tuple[int, int],
        image_shape: tuple[int, int],
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
        self.dilation_rate = tuple(dilation_rate)
        self.activation = keras.activations.get(activation)
        self.copy_axis = CopyAxis.BLOCKS
        self._geometry = [
            _conv_geometry(size, k, s, d, padding)
            for size, k, s, d in zip(
                image_shape, self.kernel_size, self.strides, self.dilation_rate
            )
        ]
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
        (pad_h, out_h), (pad_w, out_w) = self._geometry
        if any(pad_h) or any(pad_w):
            x = ops.pad(x, ((0, 0), pad_h, pad_w, (0, 0)))
        (kh, kw), (sh, sw), (dh, dw) = (
            self.kernel_size,
            self.strides,
            self.dilation_rate,
        )
        patches = [
            x[
                :,
                i * dh : i * dh + (out_h - 1) * sh + 1 : sh,
                j * dw : j * dw + (out_w - 1) * sw + 1 : sw,
                :,
            ]
            for i in range(kh)
            for j in range(kw)
        ]
        # (batch, h, w, taps, K, c) -> (batch, h, w, K, taps * c), taps in kernel order.
        stacked = ops.reshape(
            ops.stack(patches, axis=3),
            (-1, out_h, out_w, kh * kw, self.copies, self.in_channels),
        )
        stacked = ops.reshape(
            ops.transpose(stacked, (0, 1, 2, 4, 3, 5)),
            (-1, out_h, out_w, self.copies, kh * kw * self.in_channels),
        )
        kernel = ops.reshape(
            self.kernel, (kh * kw * self.in_channels, self.copies, self.filters)
        )
        y = ops.einsum("bhwkp,pkf->bhwkf", stacked, kernel)
        y = ops.reshape(y, (-1, out_h, out_w, self.copies * self.filters))
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    @property
    def packed_variables(self) -> list:
        return [self.kernel] + ([self.bias] if self.bias is not None else [])

    def copy_index(self, k: int) -> list[tuple]:
        filters = slice(k * self.filters, (k + 1) * self.filters)
        return [(Ellipsis, filters)] * len(self.packed_variables)


def _conv_geometry(size: int, kernel: int, stride: int, dilation: int, padding: str):
    """``((pad_before, pad_after), output_size)`` of one spatial axis, as Keras computes them."""
    span = dilation * (kernel - 1) + 1
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return (total // 2, total - total // 2), out
    return (0, 0), (size - span) // stride + 1
