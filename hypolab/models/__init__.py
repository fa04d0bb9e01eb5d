"""Keras models, optimizers, losses and metrics from a resolved arm config.

The runner, the packing trainer and the tuner all build their models here, so
the architectures below are the definition of ``mlp`` and ``cnn``. Every layer
gets a fixed name (``hidden_0``, ``conv_1_bn``, ``output``...) so that code
that re-implements an architecture (seed packing) can map weights one to one.

``mlp`` (``model.kind: mlp``), input of any shape::

    Input(input_shape) -> Flatten(name="flatten")
    for i, units_i in enumerate(units):
        Dense(units_i, activation)            name f"hidden_{i}"
        [BatchNormalization()]                name f"hidden_{i}_bn"       if batch_norm
        [Dropout(dropout)]                    name f"hidden_{i}_dropout"  if dropout > 0
    output                                    name "output"

``cnn`` (``model.kind: cnn``), input ``(height, width, channels)``::

    Input(input_shape)
    for j, filters_j in enumerate(filters):
        Conv2D(filters_j, kernel_size, padding="same")   name f"conv_{j}"
            (no activation; use_bias=not batch_norm: a bias before a batch norm
            gets no gradient, and its runs' keys name this: ``plan.run_key``)
        [BatchNormalization()]                name f"conv_{j}_bn"         if batch_norm
        Activation(activation)                name f"conv_{j}_act"
        MaxPooling2D(pool)                    name f"conv_{j}_pool"
            pool = (2 if height >= 2 else 1, 2 if width >= 2 else 1);
            the layer is left out where both are 1 (the map is 1x1)
        [Dropout(dropout)]                    name f"conv_{j}_dropout"    if dropout > 0
    Flatten(name="flatten")
    then the same hidden Dense blocks as ``mlp`` for ``units``, then output

The output is ``Dense(num_classes, activation="softmax")`` for classification
and ``Dense(1)`` (linear) for regression, named ``output``. Keras defaults
everywhere else (glorot_uniform kernels, zero biases, BatchNormalization
momentum 0.99, epsilon 1e-3; MaxPooling2D padding "valid").

``custom`` imports ``builder: "module:function"`` and calls
``function(input_shape, num_classes, **args)``, which must return an
uncompiled ``keras.Model``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import keras

from hypolab.errors import ModelError
from hypolab.models.architectures import cnn, mlp
from hypolab.models.compilation import (
    OPTIMIZERS,
    count_trainable,
    early_stopping,
    learning_rate,
    loss_for,
    make_optimizer,
    metrics_for,
    reduce_lr_on_plateau,
)
from hypolab.models.metrics import build_metric, compiled_metrics
from hypolab.models.custom import build_custom, load_builder
from hypolab.records import (
    CnnConfig,
    CustomConfig,
    MlpConfig,
    ModelConfig,
    ModelKind,
    Task,
    TrainingConfig,
)

__all__ = [
    "OPTIMIZERS",
    "build",
    "build_metric",
    "check_config",
    "compiled_metrics",
    "count_trainable",
    "early_stopping",
    "learning_rate",
    "load_builder",
    "loss_for",
    "make_optimizer",
    "metrics_for",
    "reduce_lr_on_plateau",
]


def build(
    model_config: ModelConfig,
    input_shape: Sequence[int],
    num_classes: int,
    task: Task | str,
    *,
    base_dir: str | Path | None = None,
) -> keras.Model:
    """Build the uncompiled model an arm's ``model`` config describes.

    Args:
        model_config: the resolved ``TrainingConfig.model``: an ``MlpConfig``,
            ``CnnConfig`` or ``CustomConfig``.
        input_shape: shape of one example, e.g. ``(8, 8, 1)``.
        num_classes: number of classes (ignored for regression).
        task: classification or regression.
        base_dir: where a ``custom`` builder's module may also be found
            (the hypothesis file's folder); the current directory is always tried.

    Returns:
        A ``keras.Model`` (not compiled). Call ``keras.utils.set_random_seed``
        first for reproducible initial weights.

    Raises:
        ModelError: the config cannot be built (not a model record, a bad
            value, a cnn on non-image input, a custom builder that fails to
            import or returns something else than a model).

    Example:

    >>> model = build(MlpConfig(units=(8,), activation="relu", dropout=0.0, batch_norm=False),
    ...               (64,), 10, "classification")
    >>> model.output_shape
    (None, 10)
    """
    task = Task(task)
    shape = tuple(int(d) for d in input_shape)
    if isinstance(model_config, MlpConfig):
        return mlp(model_config, shape, num_classes, task)
    if isinstance(model_config, CnnConfig):
        return cnn(model_config, shape, num_classes, task)
    if isinstance(model_config, CustomConfig):
        return build_custom(model_config, shape, num_classes, task, base_dir)
    kinds = ", ".join(kind.value for kind in ModelKind)
    raise ModelError(
        f"model must be the record of one of the kinds {kinds} (hypolab.records.MlpConfig, CnnConfig, "
        f"CustomConfig). Got {type(model_config).__name__} instead."
    )


def check_config(
    config: TrainingConfig,
    input_shape: Sequence[int],
    num_classes: int,
    task: Task | str,
    *,
    base_dir: str | Path | None = None,
) -> None:
    """Build an arm's model, optimizer and loss once, to fail before any training.

    Raises:
        ModelError: as ``build``, ``make_optimizer`` and ``loss_for`` do.
    """
    build(config.model, input_shape, num_classes, task, base_dir=base_dir)
    make_optimizer(config.optimizer)
    loss_for(config.loss, task)
