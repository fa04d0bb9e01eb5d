"""What ``model.compile`` and ``model.fit`` get: a fresh optimizer (its learning rate or schedule), the loss,
the metrics, early stopping and ``ReduceLROnPlateau``."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from hypolab.errors import ModelError
from hypolab.records import (
    EarlyStoppingSettings,
    LearningRateSchedule,
    OptimizerSettings,
    ReduceLROnPlateauSettings,
    Task,
    higher_is_better,
)
from hypolab.records.schedules import SCHEDULES

#: Keras optimizer names accepted by ``optimizer.name`` (case-insensitive).
OPTIMIZERS: dict[str, type] = {
    "adadelta": keras.optimizers.Adadelta,
    "adafactor": keras.optimizers.Adafactor,
    "adagrad": keras.optimizers.Adagrad,
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "adamax": keras.optimizers.Adamax,
    "ftrl": keras.optimizers.Ftrl,
    "lion": keras.optimizers.Lion,
    "nadam": keras.optimizers.Nadam,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}
# Optimizers added in later Keras 3 releases, where this Keras has them.
for _name in ("Lamb", "Muon"):
    if hasattr(keras.optimizers, _name):
        OPTIMIZERS[_name.lower()] = getattr(keras.optimizers, _name)


def make_optimizer(optimizer_config: OptimizerSettings) -> keras.optimizers.Optimizer:
    """Create a fresh Keras optimizer from the resolved ``TrainingConfig.optimizer``.

    Args:
        optimizer_config: the name, the learning rate and the other
            arguments, all passed to the optimizer's constructor.

    Returns:
        A new ``keras.optimizers.Optimizer`` (never shared between runs).

    Raises:
        ModelError: an unknown optimizer name, an argument it does not take,
            or a value it rejects.

    Example:

    >>> make_optimizer(OptimizerSettings(name="sgd", learning_rate=0.1, args={"momentum": 0.9}))
    <keras.src.optimizers.sgd.SGD object at ...>
    """
    kwargs = {"learning_rate": learning_rate(optimizer_config.learning_rate), **optimizer_config.args.to_dict()}
    name = str(optimizer_config.name).lower()
    cls = OPTIMIZERS.get(name)
    if cls is None:
        hint = difflib.get_close_matches(name, OPTIMIZERS, n=1)
        raise ModelError(
            f"optimizer.name must be a Keras optimizer: {', '.join(OPTIMIZERS)}. "
            f"Got {optimizer_config.name!r} instead."
            + (f" Did you mean {hint[0]!r}?" if hint else "")
        )
    allowed = _init_arguments(cls)
    for key in kwargs:
        if key not in allowed:
            hint = (
                [_ALIASES[key]] if key in _ALIASES else difflib.get_close_matches(key, allowed, n=1)
            )
            raise ModelError(
                f"optimizer: {cls.__name__} takes no argument {key!r}. "
                f"Expected one of: {', '.join(allowed)}."
                + (f" Did you mean {hint[0]!r}?" if hint else "")
            )
    for key, value in kwargs.items():
        # YAML reads `learning_rate: 1` as an int, which Keras rejects; floats are meant.
        if key in _FLOAT_ARGUMENTS and isinstance(value, int) and not isinstance(value, bool):
            kwargs[key] = float(value)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"optimizer: {cls.__name__}({_kwargs(kwargs)}) failed: {exc}") from exc


def learning_rate(rate: float | LearningRateSchedule) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """A constant learning rate as it is, or a fresh Keras schedule built from its name and arguments.

    Raises:
        ModelError: an unknown schedule, or arguments Keras refuses.
    """
    if not isinstance(rate, LearningRateSchedule):
        return rate
    known = SCHEDULES.get(rate.name)
    if known is None:
        raise ModelError(f"optimizer.learning_rate: unknown schedule {rate.name!r}. Expected one of: "
                         f"{', '.join(SCHEDULES)}.")  # fmt: skip
    args = rate.args.to_dict()
    try:
        return getattr(keras.optimizers.schedules, known.keras_class)(**args)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"optimizer.learning_rate: {known.keras_class}({_kwargs(args)}) failed: {exc}") from exc


#: Keras 2 / tf.keras spellings a user may still write.
_ALIASES = {"lr": "learning_rate", "decay": "weight_decay"}
_FLOAT_ARGUMENTS = frozenset(
    {"learning_rate", "beta_1", "beta_2", "epsilon", "momentum", "rho", "weight_decay",
     "clipnorm", "clipvalue", "global_clipnorm", "ema_momentum", "initial_accumulator_value"}
)  # fmt: skip


def _init_arguments(cls: type) -> list[str]:
    params = inspect.signature(cls.__init__).parameters
    return [
        n
        for n, p in params.items()
        if n not in ("self", "name") and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


def _kwargs(kwargs: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def loss_for(loss: str, task: Task | str) -> str:
    """The Keras loss name of an arm's resolved ``TrainingConfig.loss``.

    ``auto`` gives ``sparse_categorical_crossentropy`` for classification
    (integer labels, softmax output) and ``mse`` for regression.

    Raises:
        ModelError: a name Keras does not know.
    """
    task = Task(task)
    if loss == "auto":
        return "sparse_categorical_crossentropy" if task is Task.CLASSIFICATION else "mse"
    try:
        keras.losses.get(loss)
    except (ValueError, TypeError) as exc:
        raise ModelError(
            f"loss must be 'auto' or a Keras loss name (e.g. sparse_categorical_crossentropy, "
            f"mse, mae, huber). Got {loss!r} instead."
        ) from exc
    return str(loss)


def early_stopping(settings: EarlyStoppingSettings | None) -> keras.callbacks.EarlyStopping | None:
    """Keras's EarlyStopping from a resolved ``TrainingConfig.early_stopping`` (None: train every epoch)."""
    if settings is None:
        return None
    return keras.callbacks.EarlyStopping(
        monitor=settings.monitor,
        patience=int(settings.patience),
        min_delta=float(settings.min_delta),
        restore_best_weights=bool(settings.restore_best_weights),
    )


def reduce_lr_on_plateau(settings: ReduceLROnPlateauSettings | None) -> keras.callbacks.ReduceLROnPlateau | None:
    """Keras's ReduceLROnPlateau from a resolved ``TrainingConfig.reduce_lr_on_plateau`` (None: none).

    Its ``mode`` is the monitor's better direction (``records.higher_is_better``), as the packed engine decides it.
    """
    if settings is None:
        return None
    return keras.callbacks.ReduceLROnPlateau(
        monitor=settings.monitor, factor=float(settings.factor), patience=int(settings.patience),
        min_delta=float(settings.min_delta), cooldown=int(settings.cooldown), min_lr=float(settings.min_lr),
        mode="max" if higher_is_better(settings.monitor) is True else "min",
    )  # fmt: skip


def metrics_for(task: Task | str) -> list[str]:
    """The compiled metrics: ``["accuracy"]`` (classification) or ``["mae"]`` (regression)."""
    return ["accuracy"] if Task(task) is Task.CLASSIFICATION else ["mae"]


def count_trainable(model: keras.Model) -> int:
    """Number of trainable parameters (scalars) of a built model."""
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
