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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Union

from hypolab.records.hypothesis import flatten


class ModelKind(str, enum.Enum):
    """The model families a config can build (``model.kind``)."""

    MLP = "mlp"
    CNN = "cnn"
    CUSTOM = "custom"


class Arguments(Mapping[str, Any]):
    """A frozen, hashable mapping of keyword arguments, e.g. a custom builder's ``args``.

    Nested mappings are held as ``Arguments`` and lists as tuples, so the
    whole value is hashable; ``to_dict()`` gives the plain dicts and lists
    back. It compares equal to any mapping with the same plain values.

    Example:
        >>> Arguments({"width": 3, "layers": [1, 2]}).to_dict()
        {'width': 3, 'layers': [1, 2]}
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        self._items = {key: _freeze(value) for key, value in (items or {}).items()}

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self.to_dict() == (other.to_dict() if isinstance(other, Arguments) else dict(other))

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Arguments({self.to_dict()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Arguments, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """The arguments as plain dicts and lists (fresh copies)."""
        return {key: _thaw(value) for key, value in self._items.items()}


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value if isinstance(value, Arguments) else Arguments(value)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Arguments):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


class _Part:
    """What the records below share: frozen values, ``to_dict`` of their fields, a strict ``from_dict``."""

    #: Where the part sits in a resolved config, for messages.
    where: ClassVar[str] = ""

    def __post_init__(self) -> None:
        # Lists become tuples and mappings ``Arguments``, so every record is hashable; any
        # other value is kept as given (a trainer's check names a wrong one).
        for f in fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, _freeze(getattr(self, f.name)))

    def to_dict(self) -> dict[str, Any]:
        """The part as the resolved dict holds it: plain values, lists for tuples."""
        out: dict[str, Any] = {"kind": self.kind.value} if isinstance(self, _Model) else {}
        out.update((f.name, _thaw(getattr(self, f.name))) for f in fields(self))  # type: ignore[arg-type]
        return out

    @classmethod
    def place(cls) -> str:
        """Where the part sits in a resolved config, as messages name it."""
        return cls.where

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The keys of this part's dict, in order."""
        names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        return ("kind", *names) if issubclass(cls, _Model) else names

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Read the part from its dict; a missing or an unknown key is a ``ValueError``."""
        _exact_keys(data, cls.keys(), cls.place())
        return cls(**{f.name: data[f.name] for f in fields(cls)})  # type: ignore[arg-type]


class _Model(_Part):
    kind: ClassVar[ModelKind]

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
class OptimizerSettings(_Part):
    """A Keras optimizer by name, its learning rate and its other constructor arguments.

    Args:
        name: the Keras optimizer name, lower case, e.g. ``adam``.
        learning_rate: the learning rate (a float).
        args: every other constructor argument written, e.g. ``{"momentum": 0.9}``.
    """

    where: ClassVar[str] = "optimizer"

    name: str
    learning_rate: float
    args: Arguments


    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "learning_rate": ..., **args}``, as the resolved dict holds it."""
        return {"name": self.name, "learning_rate": self.learning_rate, **self.args.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OptimizerSettings:
        """Read ``{"name", "learning_rate", **args}``: both named keys are required."""
        _exact_keys(data, ("name", "learning_rate"), cls.place(), open_ended=True)
        args = {key: value for key, value in data.items() if key not in ("name", "learning_rate")}
        return cls(name=data["name"], learning_rate=data["learning_rate"], args=args)


@dataclass(frozen=True, kw_only=True)
class EarlyStoppingSettings(_Part):
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
        optimizer: the optimizer and its arguments.
        loss: a Keras loss name, or ``auto`` (the task's default loss).
        epochs: epochs to train (fewer where early stopping stops).
        batch_size: examples per gradient step.
        early_stopping: Keras's early stopping, or None to train every epoch.
    """

    model: ModelConfig
    optimizer: OptimizerSettings
    loss: str
    epochs: int
    batch_size: int
    early_stopping: EarlyStoppingSettings | None

    #: The keys of ``to_dict()``, in order.
    KEYS: ClassVar[tuple[str, ...]] = ("model", "optimizer", "loss", "epochs", "batch_size", "early_stopping")

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as a plain dict: what run keys hash and the store keeps."""
        return {
            "model": self.model.to_dict(),
            "optimizer": self.optimizer.to_dict(),
            "loss": self.loss,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "early_stopping": None if self.early_stopping is None else self.early_stopping.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingConfig:
        """Read a resolved config dict (``to_dict()``'s shape) back into the record.

        Raises:
            ValueError: a key is missing or unknown, at any level, or the
                model's kind is unknown.
        """
        _exact_keys(data, cls.KEYS, "")
        early = data["early_stopping"]
        return cls(
            model=model_from_dict(data["model"]),
            optimizer=OptimizerSettings.from_dict(data["optimizer"]),
            loss=data["loss"],
            epochs=data["epochs"],
            batch_size=data["batch_size"],
            early_stopping=None if early is None else EarlyStoppingSettings.from_dict(early),
        )

    def flat(self) -> dict[str, Any]:
        """The dotted leaves of ``to_dict()`` (``records.flatten``), e.g. ``{"model.units": [64], ...}``."""
        return flatten(self.to_dict())


def _exact_keys(data: Any, expected: tuple[str, ...], where: str, *, open_ended: bool = False) -> None:
    """Check that ``data`` is a mapping with exactly the keys ``expected`` (at least, where ``open_ended``).

    Raises:
        ValueError: naming where, the missing and unknown keys, and the keys expected.
    """
    place = f"resolved config: {where}" if where else "resolved config"
    if not isinstance(data, Mapping):
        raise ValueError(f"{place} must be a mapping. Got {type(data).__name__} instead.")
    missing = [key for key in expected if key not in data]
    unknown = [] if open_ended else [key for key in data if key not in expected]
    if missing or unknown:
        problems = [f"missing {', '.join(map(repr, missing))}"] if missing else []
        problems += [f"unknown {', '.join(map(repr, unknown))}"] if unknown else []
        what = "the keys" if not open_ended else "at least the keys"
        raise ValueError(
            f"{place}: {' and '.join(problems)}. Expected {what} {', '.join(expected)}; "
            f"got {', '.join(map(str, data)) or 'none'}."
        )
