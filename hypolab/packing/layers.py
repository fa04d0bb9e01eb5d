"""Keras layers that hold K independent copies of a layer's weights.

A packed network carries K copies ("seeds") of one architecture side by side.
Tensors flow in one of two layouts:

- copies-first ``(batch, K, *features)``: what Dense layers and the output see;
- folded ``(batch, height, width, K * channels)``: what Conv2D, pooling and
  image batch normalization see, so that pooling and normalization act on
  all copies at once and K convolutions run as one batched matmul; the
  traced graph does not grow with K.

Every layer here is exact per copy: copy k's output depends only on copy k's
input and copy k's weights (no operation mixes copies, so a NaN in one copy
cannot reach another), and a layer with weights lists them in the plain Keras layer's
``get_weights()`` order (``packed_variables``) with, for each, the index of
copy k's slice (``copy_index(k)``): ``variable[index]`` has exactly the plain
weight's shape. That is how weights move between a plain model and its
packed twin.

Convolution is in ``hypolab.packing.conv``; dropout, whose masks must also be
per copy, is in ``hypolab.packing.dropout``.
"""

from __future__ import annotations

import enum
import math

import keras
from keras import ops


class CopyAxis(enum.Enum):
    """Where a packed variable keeps its K copies."""

    LEADING = "leading"  # (K, ...): PackedDense kernels and biases
    BLOCKS = "blocks"  # (..., K * n): conv kernels and biases, batch-norm vectors


class PackedDense(keras.layers.Layer):
    """K independent Dense layers as one batched matmul.

    Input ``(batch, K, in)``, output ``(batch, K, units)``; the kernel is
    ``(K, in, units)`` and copy k computes ``activation(x[:, k] @ kernel[k] + bias[k])``.

    Args:
        copies: K.
        in_features: input width of one copy.
        units: output width of one copy.
        activation: a Keras activation (name or function).
        use_bias: whether the copies have biases.
    """

    def __init__(
        self,
        copies: int,
        in_features: int,
        units: int,
        activation=None,
        use_bias: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.copies = copies
        self.in_features = in_features
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.copy_axis = CopyAxis.LEADING
        self.kernel = self.add_weight(
            shape=(copies, in_features, units), initializer="zeros", name="kernel"
        )
        self.bias = (
            self.add_weight(shape=(copies, units), initializer="zeros", name="bias")
            if use_bias
            else None
        )
        self.built = True

    def call(self, x):
        y = ops.einsum("bki,kio->bko", x, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    @property
    def packed_variables(self) -> list:
        return [self.kernel] + ([self.bias] if self.bias is not None else [])

    def copy_index(self, k: int) -> list[tuple]:
        return [(k,)] * len(self.packed_variables)


class PackedBatchNormalization(keras.layers.Layer):
    """K independent BatchNormalization layers, statistics per copy.

    Works on either layout: copies-first ``(batch, K, features)`` is viewed as
    ``(batch, K * features)``; folded images are normalized over their
    ``K * channels`` axis. Either way each (copy, feature) pair has its own
    batch statistics, moving statistics, gamma and beta, exactly as K plain
    ``BatchNormalization(axis=-1)`` layers would.

    Args:
        copies: K.
        features: features (or channels) of one copy.
        folded: True for folded image input, False for copies-first vectors.
        momentum, epsilon, center, scale: as the plain layer.
    """

    def __init__(
        self,
        copies: int,
        features: int,
        folded: bool,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.copies = copies
        self.features = features
        self.folded = folded
        self.copy_axis = CopyAxis.BLOCKS
        self.norm = keras.layers.BatchNormalization(
            axis=-1,
            momentum=momentum,
            epsilon=epsilon,
            center=center,
            scale=scale,
            name="norm",
        )
        self.norm.build((None, copies * features))

    def call(self, x, training=False, mask=None):
        """Normalize ``x``; ``mask`` (batch,) leaves padded examples out of the statistics."""
        # Normalizing a 2-D (rows, K * features) view keeps each copy's
        # reductions the same whatever K (a 4-D reduction may sum in another order).
        shape = ops.shape(x)
        flat = ops.reshape(x, (-1, self.copies * self.features))
        if mask is not None:
            rows_per_example = (
                math.prod(int(d) for d in x.shape[1:-1]) if self.folded else 1
            )
            mask = ops.reshape(
                ops.repeat(ops.expand_dims(mask, 1), rows_per_example, axis=1), (-1,)
            )
        y = self.norm(flat, training=training, mask=mask)
        return ops.reshape(y, shape)

    @property
    def packed_variables(self) -> list:
        return list(self.norm.weights)

    def copy_index(self, k: int) -> list[tuple]:
        features = slice(k * self.features, (k + 1) * self.features)
        return [(features,)] * len(self.packed_variables)


class Fold(keras.layers.Layer):
    """Copies-first images ``(batch, K, h, w, c)`` to folded ``(batch, h, w, K * c)``."""

    def __init__(
        self, copies: int, image_shape: tuple[int, int, int], name: str | None = None
    ):
        super().__init__(name=name)
        self.copies = copies
        self.image_shape = tuple(image_shape)
        self.built = True

    def call(self, x):
        height, width, channels = self.image_shape
        x = ops.transpose(x, (0, 2, 3, 1, 4))
        return ops.reshape(x, (-1, height, width, self.copies * channels))


class Unfold(keras.layers.Layer):
    """Folded images ``(batch, h, w, K * c)`` to copies-first flat ``(batch, K, h * w * c)``.

    The flat order within a copy is Keras's ``Flatten`` order (height, width,
    channel), so Dense weights map one to one.
    """

    def __init__(
        self, copies: int, image_shape: tuple[int, int, int], name: str | None = None
    ):
        super().__init__(name=name)
        self.copies = copies
        self.image_shape = tuple(image_shape)
        self.built = True

    def call(self, x):
        height, width, channels = self.image_shape
        x = ops.reshape(x, (-1, height, width, self.copies, channels))
        x = ops.transpose(x, (0, 3, 1, 2, 4))
        return ops.reshape(x, (-1, self.copies, height * width * channels))


class FlattenCopies(keras.layers.Layer):
    """Copies-first ``(batch, K, *shape)`` to ``(batch, K, prod(shape))``."""

    def __init__(self, copies: int, features: int, name: str | None = None):
        super().__init__(name=name)
        self.copies = copies
        self.features = features
        self.built = True

    def call(self, x):
        return ops.reshape(x, (-1, self.copies, self.features))
