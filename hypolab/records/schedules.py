"""How the learning rate moves: a Keras schedule by name, or ``ReduceLROnPlateau`` beside early stopping.

``optimizer.learning_rate`` is a number, or a Keras learning-rate schedule
by name with its arguments (``SCHEDULES``: ``cosine_decay`` with its
warm-up, ``exponential_decay``, ``piecewise_constant_decay``...), a function
of the optimizer's step. ``reduce_lr_on_plateau`` holds the arguments of
``keras.callbacks.ReduceLROnPlateau``, which lowers a constant learning rate
when a logged value stops improving. The table is checked against Keras by
``tests/test_records_metrics.py``.

Example:
    >>> LearningRateSchedule(name="cosine_decay", args={"initial_learning_rate": 0.01, "decay_steps": 100}).to_dict()
    {'schedule': 'cosine_decay', 'initial_learning_rate': 0.01, 'decay_steps': 100}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hypolab.records.arguments import Argument, ArgumentType
from hypolab.records.parts import Arguments, Part, exact_keys


@dataclass(frozen=True)
class KerasSchedule:
    """A Keras learning-rate schedule: its class in ``keras.optimizers.schedules`` and its arguments."""

    keras_class: str
    arguments: Mapping[str, Argument] = field(default_factory=dict)


_INITIAL = Argument(ArgumentType.NUMBER, 0, low_open=True, required=True, why="the learning rate at step 0")
_STEPS = Argument(ArgumentType.INTEGER, 1, required=True, why="the optimizer steps the decay takes")
_RATE = Argument(ArgumentType.NUMBER, 0, low_open=True, required=True, why="the factor of each decay period")
_STAIRCASE = Argument(ArgumentType.BOOLEAN, why="decay in whole periods rather than smoothly")
_ALPHA = Argument(ArgumentType.NUMBER, 0, 1, why="the final learning rate as a share of the initial one")

#: The schedules ``optimizer.learning_rate`` may name (``schedule: <name>``): snake-case Keras class names.
SCHEDULES: dict[str, KerasSchedule] = {
    "cosine_decay": KerasSchedule("CosineDecay", {
        "initial_learning_rate": _INITIAL, "decay_steps": _STEPS, "alpha": _ALPHA,
        "warmup_target": Argument(ArgumentType.NUMBER, 0, low_open=True,
                                  why="the learning rate reached at the end of the warm-up"),
        "warmup_steps": Argument(ArgumentType.INTEGER, 0, why="steps of linear warm-up before the decay"),
    }),
    "cosine_decay_restarts": KerasSchedule("CosineDecayRestarts", {
        "initial_learning_rate": _INITIAL,
        "first_decay_steps": Argument(ArgumentType.INTEGER, 1, required=True, why="the steps of the first period"),
        "t_mul": Argument(ArgumentType.NUMBER, 0, low_open=True, why="how much longer each period is"),
        "m_mul": Argument(ArgumentType.NUMBER, 0, low_open=True, why="how much lower each restart starts"),
        "alpha": _ALPHA,
    }),
    "exponential_decay": KerasSchedule("ExponentialDecay", {
        "initial_learning_rate": _INITIAL, "decay_steps": _STEPS, "decay_rate": _RATE, "staircase": _STAIRCASE,
    }),
    "inverse_time_decay": KerasSchedule("InverseTimeDecay", {
        "initial_learning_rate": _INITIAL, "decay_steps": _STEPS, "decay_rate": _RATE, "staircase": _STAIRCASE,
    }),
    "piecewise_constant_decay": KerasSchedule("PiecewiseConstantDecay", {
        "boundaries": Argument(ArgumentType.INTEGERS, 1, required=True,
                               why="the steps where the learning rate changes, ascending"),
        "values": Argument(ArgumentType.NUMBERS, 0, low_open=True, required=True,
                           why="the learning rate before, between and after the boundaries"),
    }),
    "polynomial_decay": KerasSchedule("PolynomialDecay", {
        "initial_learning_rate": _INITIAL, "decay_steps": _STEPS,
        "end_learning_rate": Argument(ArgumentType.NUMBER, 0, why="the learning rate at the end of the decay"),
        "power": Argument(ArgumentType.NUMBER, 0, low_open=True, why="the exponent of the polynomial"),
        "cycle": Argument(ArgumentType.BOOLEAN, why="start the decay again after decay_steps"),
    }),
}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class LearningRateSchedule(Part):
    """A Keras learning-rate schedule by name (``SCHEDULES``) with its arguments.

    Args:
        name: the schedule, e.g. ``cosine_decay``.
        args: its constructor arguments, e.g. ``{"initial_learning_rate": 0.01, "decay_steps": 1000}``.
    """

    where: ClassVar[str] = "optimizer.learning_rate"

    name: str
    args: Arguments

    def to_dict(self) -> dict[str, Any]:
        """``{"schedule": name, **args}``, as ``optimizer.learning_rate`` holds it."""
        return {"schedule": self.name, **self.args.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LearningRateSchedule:
        """Read ``{"schedule": name, **args}``."""
        exact_keys(data, ("schedule",), cls.place(), open_ended=True)
        return cls(name=data["schedule"], args={key: value for key, value in data.items() if key != "schedule"})


@dataclass(frozen=True, kw_only=True)
class ReduceLROnPlateauSettings(Part):
    """The arguments of ``keras.callbacks.ReduceLROnPlateau``, every one of them set.

    The better direction of ``monitor`` comes from ``records.higher_is_better``
    (Keras's ``mode="auto"``).

    Args:
        monitor: the logged value watched, e.g. ``val_loss``.
        factor: the learning rate is multiplied by this, in (0, 1).
        patience: epochs without improvement before it is lowered.
        min_delta: smallest change that counts as an improvement.
        cooldown: epochs after a reduction before counting again.
        min_lr: the learning rate never goes below this.
    """

    where: ClassVar[str] = "reduce_lr_on_plateau"

    monitor: str
    factor: float
    patience: int
    min_delta: float
    cooldown: int
    min_lr: float
