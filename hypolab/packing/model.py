"""The packed twin of a plain ``mlp`` or ``cnn``: K seeds in one Keras model.

``build_packed`` builds the plain model of every seed exactly as the plain
runner does (``keras.utils.set_random_seed(seed)`` then
``hypolab.models.build``), maps each of its layers, in order, to the packed
layer of ``hypolab.packing.layers`` (and ``conv``, ``dropout``) and copies the
seed's initial weights into copy k, so copy k starts from the very weights the
plain run of that seed starts from. The result is a ``PackedNetwork``
(``hypolab.packing.network``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np

from hypolab import models
from hypolab.errors import ModelError
from hypolab.packing.conv import PackedConv2D
from hypolab.packing.dropout import PackedDropout
from hypolab.packing.layers import (
    FlattenCopies,
    Fold,
    PackedBatchNormalization,
    PackedDense,
    Unfold,
)
from hypolab.packing.network import PackedNetwork
from hypolab.records import Task, TrainingConfig

#: Layers applied unchanged to folded images (they act per channel).
_PER_CHANNEL = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)


def plain_model(
    config: TrainingConfig, input_shape, num_classes: int, task, seed: int
) -> keras.Model:
    """The plain model of one seed, with the initial weights the plain runner gives it."""
    keras.utils.set_random_seed(int(seed))
    return models.build(config.model, input_shape, num_classes, task)


def copy_model(net: PackedNetwork, config: TrainingConfig, input_shape, num_classes: int, task, k: int,
               seed: int) -> keras.Model:  # fmt: skip
    """Copy k of a trained pack as its plain model: the plain model of ``seed`` with the copy's weights."""
    plain = plain_model(config, input_shape, num_classes, task, seed)
    for name, arrays in net.copy_weights(k).items():
        plain.get_layer(name).set_weights(arrays)
    return plain


def build_packed(
    config: TrainingConfig,
    input_shape: Sequence[int],
    num_classes: int,
    task: Task | str,
    seeds: Sequence[int],
    x_train: np.ndarray | None = None,
) -> PackedNetwork:
    """Build the packed model of ``len(seeds)`` copies, copy k initialised from ``seeds[k]``.

    Args:
        config: the arm's resolved config (its ``model`` is used).
        input_shape: shape of one example.
        num_classes: number of classes (ignored for regression).
        task: classification or regression.
        seeds: one seed per copy.
        x_train: the training inputs, held on the device for training by
            index; None for a model that only evaluates.

    Returns:
        A built ``PackedNetwork`` whose copy k has the initial weights of
        ``hypolab.models.build`` under ``keras.utils.set_random_seed(seeds[k])``.

    Raises:
        ModelError: the plain model has a layer the packed model cannot
            reproduce (only ``mlp`` and ``cnn`` are packable).

    Example:

    >>> net = build_packed(config, (64,), 10, "classification", seeds=[0, 1, 2])
    >>> net(np.zeros((5, 64), "float32")).shape
    (5, 3, 10)
    """
    seeds = [int(s) for s in seeds]
    plains = [plain_model(config, input_shape, num_classes, task, s) for s in seeds]
    n_train = 0 if x_train is None else len(x_train)
    net = _packed_twin(
        plains[0], len(seeds), tuple(int(d) for d in input_shape), n_train
    )
    # Every weight exists already (the packed layers create theirs); marking
    # the model built instead of calling it skips compiling each op eagerly.
    net.built = True
    if x_train is not None:
        net.x_table.assign(np.asarray(x_train, dtype="float32"))
    net.set_copy_weights(
        {
            k: {name: plain.get_layer(name).get_weights() for name in net.layer_map}
            for k, plain in enumerate(plains)
        }
    )
    return net


def _unsupported(layer: keras.layers.Layer, why: str) -> ModelError:
    return ModelError(
        f"seed packing cannot reproduce layer {layer.name!r} ({type(layer).__name__}): {why}. "
        "Set 'pack: 1' to train one seed at a time."
    )


def _packed_twin(
    plain: keras.Model,
    copies: int,
    input_shape: tuple[int, ...],
    training_examples: int,
) -> PackedNetwork:
    stages: list[keras.layers.Layer] = []
    layer_map: dict[str, keras.layers.Layer] = {}
    folded = False
    shape = input_shape
    dropout_salt = 0
    for layer in plain.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        out_shape = tuple(int(d) for d in layer.output.shape[1:])
        if isinstance(layer, keras.layers.Flatten):
            if folded:
                stages.append(Unfold(copies, shape, name=f"{layer.name}_unfold"))
                folded = False
            else:
                stages.append(FlattenCopies(copies, math.prod(shape), name=layer.name))
        elif isinstance(layer, keras.layers.Conv2D):
            if layer.data_format != "channels_last" or layer.groups != 1:
                raise _unsupported(
                    layer, "only channels_last, ungrouped convolutions pack"
                )
            if not folded:
                stages.append(Fold(copies, shape, name=f"{layer.name}_fold"))
                folded = True
            packed = PackedConv2D(
                copies,
                in_channels=shape[-1],
                filters=layer.filters,
                kernel_size=layer.kernel_size,
                strides=layer.strides,
                padding=layer.padding,
                dilation_rate=layer.dilation_rate,
                activation=layer.activation,
                use_bias=layer.use_bias,
                name=layer.name,
            )
            stages.append(packed)
            layer_map[layer.name] = packed
        elif isinstance(layer, keras.layers.Dense):
            if folded or len(shape) != 1:
                raise _unsupported(
                    layer, f"Dense on input of shape {shape}; only flat input packs"
                )
            packed = PackedDense(
                copies,
                shape[0],
                layer.units,
                layer.activation,
                layer.use_bias,
                name=layer.name,
            )
            stages.append(packed)
            layer_map[layer.name] = packed
        elif isinstance(layer, keras.layers.BatchNormalization):
            if layer.axis not in (-1, len(shape)) or (not folded and len(shape) != 1):
                raise _unsupported(
                    layer, "only last-axis normalization of flat or image input packs"
                )
            packed = PackedBatchNormalization(
                copies,
                shape[-1],
                folded=folded,
                momentum=layer.momentum,
                epsilon=layer.epsilon,
                center=layer.center,
                scale=layer.scale,
                name=layer.name,
            )
            stages.append(packed)
            layer_map[layer.name] = packed
        elif isinstance(layer, keras.layers.Dropout):
            if layer.noise_shape is not None:
                raise _unsupported(layer, "noise_shape is not supported")
            dropout_salt += 1
            stages.append(
                PackedDropout(
                    copies, layer.rate, shape, folded, dropout_salt, name=layer.name
                )
            )
        elif isinstance(layer, keras.layers.Activation):
            if folded and layer.activation in (
                keras.activations.softmax,
                keras.activations.log_softmax,
            ):
                raise _unsupported(layer, "softmax over image channels")
            stages.append(keras.layers.Activation(layer.activation, name=layer.name))
        elif isinstance(layer, _PER_CHANNEL):
            if layer.data_format != "channels_last":
                raise _unsupported(layer, "only channels_last pooling packs")
            if not folded:
                stages.append(Fold(copies, shape, name=f"{layer.name}_fold"))
                folded = True
            stages.append(type(layer).from_config(layer.get_config()))
        else:
            raise _unsupported(layer, "no packed counterpart")
        shape = out_shape
    if folded:
        raise _unsupported(
            plain.layers[-1], "the model must end with flat (Dense) output"
        )
    activations = sum(
        math.prod(int(d) for d in layer.output.shape[1:]) for layer in plain.layers
    )
    return PackedNetwork(
        stages,
        copies,
        input_shape,
        layer_map,
        training_examples,
        activations,
        name=f"packed_{plain.name}",
    )
