"""``PackedNetwork``: K independent copies of one architecture, trained as one Keras model.

The packed model takes either

- ``{"index": (batch, K) int32, "keys": (batch, K) int32}`` during training:
  row b of copy k is training example ``index[b, k]``, gathered inside the
  step from the training inputs held on the device, and ``keys[b, k]`` seeds
  copy k's dropout masks for that example; an optional ``"mask": (batch,)``
  float marks padding rows (0) that batch normalization leaves out; or
- plain examples ``(batch, *input_shape)`` for evaluation, which every copy
  sees;

and returns ``(batch, K, outputs)``. ``copy_weights``/``set_copy_weights``
move one copy's weights in the plain model's layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np
from keras import ops

from hypolab.packing.dropout import PackedDropout
from hypolab.packing.layers import PackedBatchNormalization


class PackedNetwork(keras.Model):
    """K independent copies of one architecture, trained as one model.

    Build it with ``build_packed``; ``layer_map`` names, for each plain
    layer with weights, its packed counterpart.
    """

    def __init__(
        self,
        stages: Sequence[keras.layers.Layer],
        copies: int,
        input_shape: tuple[int, ...],
        layer_map: Mapping[str, keras.layers.Layer],
        training_examples: int = 0,
        activations_per_example: int = 0,
        name: str = "packed",
    ) -> None:
        super().__init__(name=name)
        self.stages = list(stages)
        self.copies = copies
        self.example_shape = tuple(input_shape)
        self.layer_map = dict(layer_map)
        # Per-copy activation values of one example, to size evaluation batches.
        self.activations_per_example = activations_per_example
        # The training inputs live on the device; each step gathers its rows.
        self.x_table = self.add_weight(
            shape=(training_examples, *input_shape),
            initializer="zeros",
            trainable=False,
            name="x_table",
        )

    def call(self, inputs, training=False):
        mask = None
        if isinstance(inputs, dict):
            x = ops.take(self.x_table, inputs["index"], axis=0)
            keys = inputs["keys"]
            mask = inputs.get("mask")
        else:
            x = ops.repeat(ops.expand_dims(inputs, 1), self.copies, axis=1)
            keys = None
        for stage in self.stages:
            if isinstance(stage, PackedDropout):
                x = stage(x, keys, training=training) if keys is not None else x
            elif isinstance(stage, PackedBatchNormalization):
                x = stage(x, training=training, mask=mask)
            else:
                x = stage(x)
        return x

    @property
    def packed_layers(self) -> list[keras.layers.Layer]:
        """The stages that hold weights, in plain-model order."""
        return [s for s in self.stages if hasattr(s, "packed_variables")]

    def copy_weights(self, k: int) -> dict[str, list[np.ndarray]]:
        """Copy k's weights, by plain layer name, in plain ``get_weights()`` layout."""
        out = {}
        for name, layer in self.layer_map.items():
            arrays = [np.array(v.numpy()) for v in layer.packed_variables]
            out[name] = [a[i].copy() for a, i in zip(arrays, layer.copy_index(k))]
        return out

    def set_copy_weights(
        self, weights_by_copy: Mapping[int, Mapping[str, Sequence[np.ndarray]]]
    ) -> None:
        """Write several copies' weights at once, leaving the other copies as they are.

        Args:
            weights_by_copy: ``{k: {plain layer name: [arrays]}}`` as
                ``copy_weights`` returns.
        """
        if not weights_by_copy:
            return
        for name, layer in self.layer_map.items():
            arrays = [np.array(v.numpy()) for v in layer.packed_variables]
            for k, weights in weights_by_copy.items():
                for array, index, plain in zip(
                    arrays, layer.copy_index(k), weights[name]
                ):
                    array[index] = plain
            for variable, array in zip(layer.packed_variables, arrays):
                variable.assign(array)

    def copy_axes(self) -> list:
        """Where each trainable variable keeps its copies, in ``trainable_variables`` order."""
        axes = {
            id(v): layer.copy_axis
            for layer in self.layer_map.values()
            for v in layer.packed_variables
        }
        return [axes[id(v)] for v in self.trainable_variables]

    def trainable_params_per_copy(self) -> int:
        total = sum(int(np.prod(v.shape)) for v in self.trainable_weights)
        return total // self.copies
