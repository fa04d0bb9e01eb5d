"""Keras layers that hold K independent copies of a layer's weights.

A packed network carries K copies ("seeds") of one architecture side by side.
Tensors flow in one of two layouts:

- copies-first ``(batch, K, *features)``: what Dense layers and the output see;
- folded ``(batch, height, width, K * channels)``: what Conv2D, pooling and
  image batch normalization see, so that pooling and normalization act on
  all copies at once (convolutions run one plain convolution per copy).

Every layer here is exact per copy, and rounds the same whatever K (on
TensorFlow's CPU, checked bit for bit by ``tests/test_packing.py`` at widths
that are no multiple of the SIMD width): no reduction runs across the
``K * features`` columns, where a copy's last features would round otherwise
alone than in a pack. Also copy k's output depends only on copy k's
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


#: float32 values in the widest SIMD register (AVX-512) of the CPUs TensorFlow runs on.
_LANES = 16


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
            # Through an einsum, not ``y + bias``: the gradient of a broadcast add sums down the batch
            # over all K * units columns, which rounds copy k's last columns otherwise with K=1 than
            # with K=2; this gradient is one per-copy product, the same whatever K.
            y = y + ops.einsum("bk,ko->bko", ops.ones_like(x[..., 0]), self.bias)
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
    ``BatchNormalization(axis=-1)`` layers would (Keras's formulas: the
    biased batch variance, ``momentum``, ``epsilon``; weights in its
    ``get_weights()`` order).

    The statistics are taken along the last axis of the transposed
    ``(K * features, rows)`` view: each feature's sum then runs over its own
    contiguous row and rounds the same whatever K, where a reduction down the
    rows of a ``(rows, K * features)`` matrix rounds the features past the
    last full SIMD register otherwise (with K=1 against K=2, measured on
    TensorFlow's CPU); ``1 / sqrt`` on per-copy padded vectors
    (``_inverse_std``) keeps the scalar tail of an elementwise kernel off a
    copy's features. So a seed normalizes bit for bit the same alone and in a
    pack of any size (``tests/test_packing.py``), gradients included.

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
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.copy_axis = CopyAxis.BLOCKS
        width = (copies * features,)
        self.gamma = self.add_weight(shape=width, initializer="ones", name="gamma") if scale else None
        self.beta = self.add_weight(shape=width, initializer="zeros", name="beta") if center else None
        self.moving_mean = self.add_weight(shape=width, initializer="zeros", trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=width, initializer="ones", trainable=False, name="moving_variance")
        self.built = True

    def call(self, x, training=False, mask=None):
        """Normalize ``x``; ``mask`` (batch,) leaves padded examples out of the statistics."""
        shape = ops.shape(x)
        rows = ops.transpose(ops.reshape(x, (-1, self.copies * self.features)))  # (K * features, rows)
        if training:
            mean, variance = self._moments(rows, mask, x)
            keep = self.momentum
            self.moving_mean.assign(self.moving_mean * keep + mean[:, 0] * (1.0 - keep))
            self.moving_variance.assign(self.moving_variance * keep + variance[:, 0] * (1.0 - keep))
        else:
            mean = ops.expand_dims(self.moving_mean, 1)
            variance = ops.expand_dims(self.moving_variance, 1)
        inverse = self._inverse_std(variance)
        if self.gamma is not None:
            inverse = inverse * ops.expand_dims(self.gamma, 1)
        shift = -mean * inverse
        if self.beta is not None:
            shift = shift + ops.expand_dims(self.beta, 1)
        return ops.reshape(ops.transpose(rows * inverse + shift), shape)

    def _inverse_std(self, variance):
        """``1 / sqrt(variance + epsilon)``, ``(K * features, 1)``, each copy's features padded to whole SIMD registers.

        Elementwise kernels take a scalar loop for a tensor's last ``size % lanes`` elements, and
        the scalar and vector gradients of ``sqrt`` round differently; padded, copy k's features
        fill the same lanes of full registers whatever K.
        """
        lanes = -(-self.features // _LANES) * _LANES
        per_copy = ops.reshape(variance, (self.copies, self.features))
        padded = ops.pad(per_copy, ((0, 0), (0, lanes - self.features)), constant_values=1.0)
        inverse = (1.0 / ops.sqrt(padded + self.epsilon))[:, : self.features]
        return ops.reshape(inverse, (self.copies * self.features, 1))

    def _moments(self, rows, mask, x):
        """Per-feature mean and biased variance ``(K * features, 1)`` of ``rows``, masked rows left out."""
        if mask is None:
            mean = ops.mean(rows, axis=1, keepdims=True)
            variance = ops.mean(ops.square(rows - ops.stop_gradient(mean)), axis=1, keepdims=True)
            return mean, variance
        per_example = math.prod(int(d) for d in x.shape[1:-1]) if self.folded else 1
        weights = ops.reshape(ops.repeat(ops.expand_dims(ops.cast(mask, rows.dtype), 1), per_example, axis=1), (1, -1))
        # As Keras's masked moments: sums over the kept rows, divided by their count plus its epsilon.
        count = ops.sum(weights, axis=1, keepdims=True) + keras.config.epsilon()
        mean = ops.sum(rows * weights, axis=1, keepdims=True) / count
        variance = ops.sum(ops.square(rows - mean) * weights, axis=1, keepdims=True) / count
        return mean, variance

    @property
    def packed_variables(self) -> list:
        return [v for v in (self.gamma, self.beta, self.moving_mean, self.moving_variance) if v is not None]

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
