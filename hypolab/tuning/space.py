"""The search space in Keras Tuner's terms, mapped onto hypolab config keys.

A search file's ``space:`` maps hypolab config keys (``batch_size``,
``optimizer.learning_rate``, ``model.units``, ...) to hyperparameters. Each
hyperparameter is named for the key it sets, so a trial's values read as the
config they produce. A list-valued key (``model.units``, ``model.filters``) is
searched as ``layers``: one ``Int`` for the number of layers
(``model.units.count``) and one hyperparameter per layer (``model.units[0]``,
``model.units[1]``, ...), layer k active only when there are at least k+1
layers (``hp.conditional_scope``).

This module imports nothing heavy: ``define`` takes a
``keras_tuner.HyperParameters`` and only calls its methods.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

class ParamKind(str, enum.Enum):
    """The kinds of hyperparameter a search file can declare."""

    INT = "int"
    FLOAT = "float"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    FIXED = "fixed"
    LAYERS = "layers"


class Sampling(str, enum.Enum):
    """How Keras Tuner samples an ``int`` or ``float`` range."""

    LINEAR = "linear"
    LOG = "log"
    REVERSE_LOG = "reverse_log"


@dataclass(frozen=True)
class Condition:
    """A hyperparameter is active only when ``parent`` takes one of ``values``."""

    parent: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Param:
    """One searched config key.

    Args:
        key: the hypolab config key it sets, dotted (``optimizer.learning_rate``).
        kind: int, float, choice, boolean, fixed or layers.
        min, max: the range of an int or float; for ``layers`` the range of
            the number of layers.
        step: the step of an int or float range (a factor with log sampling).
        sampling: linear, log or reverse_log.
        values: the options of a choice.
        value: the value of a fixed setting.
        default: Keras Tuner's default (the first value Bayesian and grid
            searches try); None lets Keras Tuner pick.
        when: the condition under which it is active, or None.
        each: for ``layers``, the hyperparameter of every layer's entry.
    """

    key: str
    kind: ParamKind
    min: float | None = None
    max: float | None = None
    step: float | None = None
    sampling: Sampling = Sampling.LINEAR
    values: tuple[Any, ...] = ()
    value: Any = None
    default: Any = None
    when: Condition | None = None
    each: Param | None = None

    @property
    def count_name(self) -> str:
        """The hyperparameter holding the number of layers of a ``layers`` key."""
        return f"{self.key}.count"

    def layer_name(self, index: int) -> str:
        """The hyperparameter of layer ``index`` (0-based) of a ``layers`` key."""
        return f"{self.key}[{index}]"

    @property
    def names(self) -> tuple[str, ...]:
        """Every hyperparameter name this key declares."""
        if self.kind is ParamKind.LAYERS:
            return (self.count_name, *(self.layer_name(i) for i in range(int(self.max))))
        return (self.key,)


def define(hp: Any, params: tuple[Param, ...]) -> dict[str, Any]:
    """Declare ``params`` on a Keras Tuner ``HyperParameters`` and return the overrides.

    Args:
        hp: a ``keras_tuner.HyperParameters`` (duck-typed, so this module
            stays free of Keras).
        params: the search space in file order; a parent precedes the
            parameters that depend on it.

    Returns:
        The dotted overrides of the current values, e.g.
        ``{"model.units": [64, 32], "optimizer.learning_rate": 0.001}``;
        inactive hyperparameters set nothing.

    Example:

    >>> import keras_tuner
    >>> hp = keras_tuner.HyperParameters()
    >>> define(hp, (Param(key="batch_size", kind=ParamKind.CHOICE, values=(16, 32)),))
    {'batch_size': 16}
    """
    for param in params:
        if param.when is None:
            _declare(hp, param)
        else:
            with hp.conditional_scope(param.when.parent, list(param.when.values)):
                _declare(hp, param)
    return overrides_from_values(hp.values, params)


def _declare(hp: Any, param: Param) -> None:
    if param.kind is ParamKind.LAYERS:
        assert param.each is not None  # guaranteed by searchspec
        low, high = int(param.min), int(param.max)
        hp.Int(param.count_name, min_value=low, max_value=high, default=low)
        for index in range(high):
            # Layer k exists only when there are at least k+1 layers.
            counts = list(range(max(index + 1, low), high + 1))
            with hp.conditional_scope(param.count_name, counts):
                _declare_one(hp, param.each, param.layer_name(index))
        return
    _declare_one(hp, param, param.key)


def _declare_one(hp: Any, param: Param, name: str) -> None:
    if param.kind is ParamKind.INT:
        hp.Int(
            name,
            min_value=int(param.min),
            max_value=int(param.max),
            step=None if param.step is None else int(param.step),
            sampling=param.sampling.value,
            default=param.default,
        )
    elif param.kind is ParamKind.FLOAT:
        hp.Float(
            name,
            min_value=float(param.min),
            max_value=float(param.max),
            step=param.step,
            sampling=param.sampling.value,
            default=param.default,
        )
    elif param.kind is ParamKind.CHOICE:
        hp.Choice(name, list(param.values), ordered=None, default=param.default)
    elif param.kind is ParamKind.BOOLEAN:
        hp.Boolean(name, default=bool(param.default) if param.default is not None else False)
    elif param.kind is ParamKind.FIXED:
        hp.Fixed(name, param.value)
    else:  # pragma: no cover - searchspec rejects nested layers
        raise ValueError(f"cannot declare {param.kind} as a single hyperparameter")


def is_active(param: Param, values: Mapping[str, Any]) -> bool:
    """Whether ``param``'s condition holds for a trial's ``values``."""
    if param.when is None:
        return True
    return param.when.parent in values and values[param.when.parent] in param.when.values


def overrides_from_values(values: Mapping[str, Any], params: tuple[Param, ...]) -> dict[str, Any]:
    """Turn a trial's hyperparameter values into dotted hypolab overrides.

    Args:
        values: ``trial.hyperparameters.values``; Keras Tuner's own
            ``tuner/*`` entries are ignored.
        params: the search space.

    Returns:
        ``{config key: value}`` for every active parameter, in space order;
        a ``layers`` key gives the list of its active layers' values.

    Example:

    >>> units = Param(key="model.units", kind=ParamKind.LAYERS, min=1, max=3,
    ...               each=Param(key="units", kind=ParamKind.INT, min=8, max=64))
    >>> overrides_from_values({"model.units.count": 2, "model.units[0]": 32,
    ...                        "model.units[1]": 16, "model.units[2]": 8}, (units,))
    {'model.units': [32, 16]}
    """
    overrides: dict[str, Any] = {}
    for param in params:
        if not is_active(param, values):
            continue
        if param.kind is ParamKind.LAYERS:
            if param.count_name not in values:
                continue
            count = int(values[param.count_name])
            overrides[param.key] = [
                _plain(values[param.layer_name(i)])
                for i in range(count)
                if param.layer_name(i) in values
            ]
        elif param.key in values:
            overrides[param.key] = _plain(values[param.key])
    return overrides


def searched_values(values: Mapping[str, Any], params: tuple[Param, ...]) -> dict[str, Any]:
    """A trial's active hyperparameter values without Keras Tuner's ``tuner/*`` keys.

    Args:
        values: ``trial.hyperparameters.values``.
        params: the search space.

    Returns:
        ``{hyperparameter name: value}`` of the active ones, in space order.
    """
    active: dict[str, Any] = {}
    for param in params:
        if not is_active(param, values):
            continue
        if param.kind is ParamKind.LAYERS:
            count = int(values.get(param.count_name, 0))
            for name in (param.count_name, *(param.layer_name(i) for i in range(count))):
                if name in values:
                    active[name] = _plain(values[name])
        elif param.key in values:
            active[param.key] = _plain(values[param.key])
    return active


def _plain(value: Any) -> Any:
    """numpy scalars (from Bayesian search) as plain Python values, for YAML and JSON."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value
