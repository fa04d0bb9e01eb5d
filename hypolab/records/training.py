"""The resolved training config of an arm: what every trainer reads, with nothing left to default.

The hypothesis stage builds one ``TrainingConfig`` per arm (``resolve``: the
file's ``base`` merged with the arm's ``set``, defaults filled, validated);
the plan, the trainers (runner, packing, tuning), the report and the store
read its typed fields. ``to_dict()`` is the resolved dict exactly as the run
key hashes it and the store keeps it (JSON); ``from_dict()`` reads such a
dict back and refuses a missing or an unknown key.

A model is one record per kind (``MlpConfig``, ``CnnConfig``,
``CustomConfig``), so no kind carries another kind's fields. Every record is
frozen, built by keyword, comparable and hashable; free-form values (a
custom builder's ``args``, an optimizer's other arguments) are held as
``Arguments``, a frozen mapping.

Example:
    >>> config = TrainingConfig.from_dict(h.control.config.to_dict())
    >>> config.model.kind, config.model.units, config.optimizer.learning_rate
    (<ModelKind.MLP: 'mlp'>, (64,), 0.001)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Union

from hypolab.records.hypothesis import flatten
from hypolab.records.metrics import MetricSpec
from hypolab.records.parts import Arguments, Part, exact_keys
from hypolab.records.schedules import LearningRateSchedule, ReduceLROnPlateauSettings



class ModelKind(str, enum.Enum):
    """The model families a config can build (``model.kind``)."""

    MLP = "mlp"
    CNN = "cnn"
    CUSTOM = "custom"


class _Model(Part):
    kind: ClassVar[ModelKind]

    def leading(self) -> dict[str, Any]:
        return {"kind": self.kind.value}

    @classmethod
    def leading_keys(cls) -> tuple[str, ...]:
        return ("kind",)

    @classmethod
    def place(cls) -> str:
        return f"model (kind '{cls.kind.value}')"


@dataclass(frozen=True, kw_only=True)
class MlpConfig(_Model):
    """``model.kind: mlp``: Dense layers of ``units``, then the output layer.

    Args:
        units: widths of the hidden Dense layers, input to output.
        activation: the Keras activation of the hidden layers.
        dropout: rate after each hidden layer (0: no Dropout layer).
        batch_norm: BatchNormalization after each hidden Dense layer.
    """

    kind: ClassVar[ModelKind] = ModelKind.MLP

    units: tuple[int, ...]
    activation: str
    dropout: float
    batch_norm: bool


@dataclass(frozen=True, kw_only=True)
class CnnConfig(_Model):
    """``model.kind: cnn``: Conv2D blocks of ``filters``, then Dense layers of ``units``.

    Args:
        filters: filters of each Conv2D block, one block per entry.
        kernel_size: square kernel size of every Conv2D layer.
        units: widths of the Dense layers after the conv blocks.
        activation: the Keras activation of the hidden layers.
        dropout: rate after each block and hidden layer.
        batch_norm: BatchNormalization after each conv and Dense layer.
    """

    kind: ClassVar[ModelKind] = ModelKind.CNN

    filters: tuple[int, ...]
    kernel_size: int
    units: tuple[int, ...]
    activation: str
    dropout: float
    batch_norm: bool


@dataclass(frozen=True, kw_only=True)
class CustomConfig(_Model):
    """``model.kind: custom``: a user's ``builder(input_shape, num_classes, **args)``.

    Args:
        builder: ``"module:function"``.
        args: keyword arguments passed to the builder.
    """

    kind: ClassVar[ModelKind] = ModelKind.CUSTOM

    builder: str
    args: Arguments


#: The model of a training config: one record per ``ModelKind``.
ModelConfig = Union[MlpConfig, CnnConfig, CustomConfig]  # noqa: UP007 - a runtime alias on Python 3.10

_MODELS: dict[ModelKind, type[_Model]] = {model.kind: model for model in (MlpConfig, CnnConfig, CustomConfig)}


def model_from_dict(data: Mapping[str, Any]) -> ModelConfig:
    """The model record of a resolved ``model`` dict, chosen by its ``kind``.

    Raises:
        ValueError: ``data`` is not a mapping, its kind is unknown, or it
            misses a key of its kind or has one its kind does not have.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"resolved config: 'model' must be a mapping. Got {type(data).__name__} instead.")
    kinds = ", ".join(kind.value for kind in ModelKind)
    try:
        kind = ModelKind(data.get("kind"))
    except ValueError:
        raise ValueError(f"resolved config: model.kind must be one of {kinds}. Got {data.get('kind')!r} instead.") from None
    return _MODELS[kind].from_dict(data)


@dataclass(frozen=True, kw_only=True)
class OptimizerSettings(Part):
    """A Keras optimizer by name, its learning rate and its other constructor arguments.

    Args:
        name: the Keras optimizer name, lower case, e.g. ``adam``.
        learning_rate: the learning rate: a float, or a Keras schedule by name
            (``LearningRateSchedule``), a function of the optimizer's step.
        args: every other constructor argument written, e.g. ``{"momentum": 0.9}``.
    """

    where: ClassVar[str] = "optimizer"

    name: str
    learning_rate: float | LearningRateSchedule
    args: Arguments

    def __post_init__(self) -> None:
        if isinstance(self.learning_rate, Mapping) and not isinstance(self.learning_rate, LearningRateSchedule):
            object.__setattr__(self, "learning_rate", LearningRateSchedule.from_dict(self.learning_rate))
        super().__post_init__()

    @property
    def schedule(self) -> LearningRateSchedule | None:
        """The learning-rate schedule, or None for a constant learning rate."""
        return self.learning_rate if isinstance(self.learning_rate, LearningRateSchedule) else None

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "learning_rate": ..., **args}``, as the resolved dict holds it."""
        rate = self.learning_rate.to_dict() if isinstance(self.learning_rate, LearningRateSchedule) else self.learning_rate
        return {"name": self.name, "learning_rate": rate, **self.args.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OptimizerSettings:
        """Read ``{"name", "learning_rate", **args}``: both named keys are required.

        A mapping ``learning_rate`` is a schedule: ``{"schedule": name, **args}``.
        """
        exact_keys(data, ("name", "learning_rate"), cls.place(), open_ended=True)
        args = {key: value for key, value in data.items() if key not in ("name", "learning_rate")}
        rate = data["learning_rate"]
        if isinstance(rate, Mapping):
            rate = LearningRateSchedule.from_dict(rate)
        return cls(name=data["name"], learning_rate=rate, args=args)


@dataclass(frozen=True, kw_only=True)
class EarlyStoppingSettings(Part):
    """The arguments of ``keras.callbacks.EarlyStopping``, every one of them set.

    Args:
        monitor: the logged value watched, e.g. ``val_loss``.
        patience: epochs without improvement before stopping.
        min_delta: smallest change that counts as an improvement.
        restore_best_weights: end with the weights of the best epoch.
    """

    where: ClassVar[str] = "early_stopping"

    monitor: str
    patience: int
    min_delta: float
    restore_best_weights: bool


@dataclass(frozen=True, kw_only=True)
class TrainingConfig:
    """An arm's resolved training config: how each of its seeds is built and trained.

    Args:
        model: the model, one record per kind.
        optimizer: the optimizer and its arguments (its learning rate may be a schedule).
        loss: a Keras loss name, or ``auto`` (the task's default loss).
        epochs: epochs to train (fewer where early stopping stops).
        batch_size: examples per gradient step.
        early_stopping: Keras's early stopping, or None to train every epoch.
        metrics: Keras metrics recorded besides the loss and the task's score metric.
        reduce_lr_on_plateau: Keras's ``ReduceLROnPlateau``, or None.
        trainer: ``"module:function"``: the user's own ``fit(config, seed, data, callbacks)``
            trains each run instead of hypolab; None: hypolab trains.
        args: free-form values for the user's trainer (``base.args``), merged by arms like every key.
    """

    model: ModelConfig
    optimizer: OptimizerSettings
    loss: str
    epochs: int
    batch_size: int
    early_stopping: EarlyStoppingSettings | None
    metrics: tuple[MetricSpec, ...] = ()
    reduce_lr_on_plateau: ReduceLROnPlateauSettings | None = None
    trainer: str | None = None
    args: Arguments = field(default_factory=Arguments)

    #: The keys every resolved dict has, in order.
    REQUIRED_KEYS: ClassVar[tuple[str, ...]] = ("model", "optimizer", "loss", "epochs", "batch_size", "early_stopping")
    #: The keys written only where set (off by default), so a config that uses none of them
    #: has the dict, and so the run keys, it had before they existed.
    OPTIONAL_KEYS: ClassVar[tuple[str, ...]] = ("metrics", "reduce_lr_on_plateau", "trainer", "args")
    #: Every key of ``to_dict()``, in order.
    KEYS: ClassVar[tuple[str, ...]] = REQUIRED_KEYS + OPTIONAL_KEYS

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", tuple(
            m if isinstance(m, MetricSpec) else MetricSpec.from_dict(m) for m in self.metrics))  # fmt: skip
        if not isinstance(self.args, Arguments):
            object.__setattr__(self, "args", Arguments(self.args))

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as a plain dict: what run keys hash and the store keeps.

        The ``OPTIONAL_KEYS`` appear only where set (a metric listed, a callback, a trainer, an argument).
        """
        out: dict[str, Any] = {
            "model": self.model.to_dict(),
            "optimizer": self.optimizer.to_dict(),
            "loss": self.loss,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "early_stopping": None if self.early_stopping is None else self.early_stopping.to_dict(),
        }
        if self.metrics:
            out["metrics"] = [metric.to_dict() for metric in self.metrics]
        if self.reduce_lr_on_plateau is not None:
            out["reduce_lr_on_plateau"] = self.reduce_lr_on_plateau.to_dict()
        if self.trainer is not None:
            out["trainer"] = self.trainer
        if self.args:
            out["args"] = self.args.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingConfig:
        """Read a resolved config dict (``to_dict()``'s shape) back into the record.

        Raises:
            ValueError: a key is missing or unknown, at any level, or the
                model's kind is unknown.
        """
        exact_keys(data, cls.REQUIRED_KEYS, "", optional=cls.OPTIONAL_KEYS)
        early = data["early_stopping"]
        plateau = data.get("reduce_lr_on_plateau")
        metrics = data.get("metrics") or ()
        if not isinstance(metrics, (list, tuple)):
            raise ValueError(f"resolved config: 'metrics' must be a list. Got {type(metrics).__name__} instead.")
        return cls(
            model=model_from_dict(data["model"]),
            optimizer=OptimizerSettings.from_dict(data["optimizer"]),
            loss=data["loss"],
            epochs=data["epochs"],
            batch_size=data["batch_size"],
            early_stopping=None if early is None else EarlyStoppingSettings.from_dict(early),
            metrics=tuple(MetricSpec.from_dict(m) for m in metrics),
            reduce_lr_on_plateau=None if plateau is None else ReduceLROnPlateauSettings.from_dict(plateau),
            trainer=data.get("trainer"),
            args=Arguments(data.get("args") or {}),
        )

    def flat(self) -> dict[str, Any]:
        """The dotted leaves of ``to_dict()`` (``records.flatten``), e.g. ``{"model.units": [64], ...}``."""
        return flatten(self.to_dict())

    def metric_names(self) -> tuple[str, ...]:
        """The names the config's own Keras metrics are logged under (``MetricSpec.log_name``)."""
        return tuple(metric.log_name for metric in self.metrics)
