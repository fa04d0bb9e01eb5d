"""The ``mlp`` and ``cnn`` architectures (layer order: see ``hypolab.models``)."""

from __future__ import annotations

import difflib
from typing import Any

import keras

from hypolab.errors import ModelError
from hypolab.records import CnnConfig, MlpConfig, Task


def check_settings(config: MlpConfig | CnnConfig) -> None:
    """Check an ``mlp``/``cnn`` config's values before Keras sees them.

    The hypothesis stage validated them already; a record built in code
    (a test, a script) is checked here too, so Keras never gets a bad value.

    Raises:
        ModelError: a value of the wrong type or range.
    """
    for key in ("units", "filters") if isinstance(config, CnnConfig) else ("units",):
        widths = getattr(config, key)
        if not isinstance(widths, (list, tuple)) or not all(_positive_int(w) for w in widths):
            raise ModelError(
                f"model.{key} must be a list of positive integers, e.g. [64, 32]. "
                f"Got {list(widths) if isinstance(widths, tuple) else widths!r} instead."
            )
    if isinstance(config, CnnConfig) and not _positive_int(config.kernel_size):
        raise ModelError(
            f"model.kernel_size must be a positive integer. Got {config.kernel_size!r} instead."
        )
    dropout = config.dropout
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ModelError(f"model.dropout must be a number in [0, 1). Got {dropout!r} instead.")
    if not isinstance(config.batch_norm, bool):
        raise ModelError(
            f"model.batch_norm must be true or false. Got {config.batch_norm!r} instead."
        )
    activation = config.activation
    try:
        if not isinstance(activation, str):
            raise ValueError(activation)
        keras.activations.get(activation)
    except ValueError:
        known = sorted(
            n
            for n in dir(keras.activations)
            if not n.startswith("_") and n not in ("get", "serialize", "deserialize")
        )
        hint = difflib.get_close_matches(str(activation), known, n=1)
        raise ModelError(
            f"model.activation must be a Keras activation name ({', '.join(known)}). "
            f"Got {activation!r} instead." + (f" Did you mean {hint[0]!r}?" if hint else "")
        ) from None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _hidden_blocks(x, config: MlpConfig | CnnConfig):
    dropout = float(config.dropout)
    for i, units in enumerate(config.units):
        x = keras.layers.Dense(int(units), activation=config.activation, name=f"hidden_{i}")(x)
        if config.batch_norm:
            x = keras.layers.BatchNormalization(name=f"hidden_{i}_bn")(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"hidden_{i}_dropout")(x)
    return x


def _output(x, num_classes: int, task: Task):
    if task is Task.REGRESSION:
        return keras.layers.Dense(1, name="output")(x)
    return keras.layers.Dense(num_classes, activation="softmax", name="output")(x)


def mlp(config: MlpConfig, shape: tuple[int, ...], num_classes: int, task: Task) -> keras.Model:
    check_settings(config)
    inputs = keras.Input(shape=shape, name="input")
    x = keras.layers.Flatten(name="flatten")(inputs)
    x = _hidden_blocks(x, config)
    return keras.Model(inputs, _output(x, num_classes, task), name=config.kind.value)


def cnn(config: CnnConfig, shape: tuple[int, ...], num_classes: int, task: Task) -> keras.Model:
    check_settings(config)
    if len(shape) != 3:
        raise ModelError(
            f"model.kind 'cnn' needs image input of shape (height, width, channels). "
            f"Got examples of shape {shape} instead. Use kind 'mlp' for tabular data, "
            "or save images as an array of shape (n, height, width[, channels])."
        )
    inputs = keras.Input(shape=shape, name="input")
    height, width = shape[0], shape[1]
    dropout = float(config.dropout)
    x = inputs
    for j, filters in enumerate(config.filters):
        # No bias before a batch norm (its beta takes that role): such a bias gets no gradient.
        x = keras.layers.Conv2D(
            int(filters), int(config.kernel_size), padding="same", use_bias=not config.batch_norm,
            name=f"conv_{j}",
        )(x)
        if config.batch_norm:
            x = keras.layers.BatchNormalization(name=f"conv_{j}_bn")(x)
        x = keras.layers.Activation(config.activation, name=f"conv_{j}_act")(x)
        pool = (2 if height >= 2 else 1, 2 if width >= 2 else 1)
        if pool != (1, 1):
            # Never pool a side below 1: an 8x8 digit survives three blocks (8->4->2->1).
            x = keras.layers.MaxPooling2D(pool, name=f"conv_{j}_pool")(x)
            height, width = height // pool[0], width // pool[1]
        if dropout > 0:
            x = keras.layers.Dropout(dropout, name=f"conv_{j}_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = _hidden_blocks(x, config)
    return keras.Model(inputs, _output(x, num_classes, task), name=config.kind.value)
