"""The ranges of Keras optimizer arguments, checked at validation rather than as failed runs.

Keras checks a few of these itself, when the optimizer is built (so every run
of an arm fails); most it does not check at all (``beta_1: 1.5`` trains and
diverges). Each range here is the one the optimizer's update is defined on,
from the Keras 3 docstrings and constructors (``keras/src/optimizers/``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hypolab.hypothesis.messages import Problem, show
from hypolab.records.arguments import Interval


#: Argument -> its range, for every optimizer that takes it (``OPTIMIZER_OWN_RANGES`` refines).
ARGUMENT_RANGES: dict[str, Interval] = {
    "weight_decay": Interval(0, why="a decay of the weights towards 0"),
    "clipnorm": Interval(0, low_open=True, why="the largest gradient norm kept"),
    "clipvalue": Interval(0, low_open=True, why="the largest gradient value kept"),
    "global_clipnorm": Interval(0, low_open=True, why="the largest norm of all gradients kept"),
    "ema_momentum": Interval(0, 1, why="the weight of the old average"),
    "loss_scale_factor": Interval(0, low_open=True, why="a factor the loss is multiplied by"),
    "beta_1": Interval(0, 1, high_open=True, why="the decay of the first-moment average"),
    "beta_2": Interval(0, 1, high_open=True, why="the decay of the second-moment average"),
    "rho": Interval(0, 1, high_open=True, why="the decay of the squared-gradient average"),
    "momentum": Interval(0, 1, high_open=True, why="the share of the last step kept; 1 or more never settles"),
    "epsilon": Interval(0, low_open=True, why="a small constant that keeps a division finite"),
    "epsilon_1": Interval(0, low_open=True, why="a small constant added to the squared gradient"),
    "epsilon_2": Interval(0, low_open=True, why="a small constant the step is scaled by"),
    "clip_threshold": Interval(0, low_open=True, why="the largest root-mean-square step kept"),
    "beta_2_decay": Interval(high=0, high_open=True, why="the exponent of the decay schedule, below 0"),
    "initial_accumulator_value": Interval(0, why="the starting sum of squared gradients"),
    "learning_rate_power": Interval(high=0, why="the exponent the learning rate decays with"),
    "l1_regularization_strength": Interval(0, why="a penalty strength"),
    "l2_regularization_strength": Interval(0, why="a penalty strength"),
    "l2_shrinkage_regularization_strength": Interval(0, why="a penalty strength"),
    "beta": Interval(0, why="Ftrl's beta, added to the accumulator's root"),
    "adam_beta_1": Interval(0, 1, high_open=True, why="the decay of the first-moment average"),
    "adam_beta_2": Interval(0, 1, high_open=True, why="the decay of the second-moment average"),
    "adam_weight_decay": Interval(0, why="a decay of the weights towards 0"),
    "adam_lr_ratio": Interval(0, low_open=True, why="the Adam learning rate as a share of Muon's"),
    "rms_rate": Interval(0, low_open=True, why="the root-mean-square the update is scaled to"),
}

#: Where one optimizer takes an argument on another range than the rest.
OPTIMIZER_OWN_RANGES: dict[str, dict[str, Interval]] = {
    "lion": {"beta_1": Interval(0, 1, low_open=True, why="Lion's interpolation of the update; Keras refuses 0")},
}

#: Integer arguments and their smallest value (Keras refuses fewer accumulation steps than 2).
INTEGER_MINIMUM: dict[str, int] = {"ema_overwrite_frequency": 1, "gradient_accumulation_steps": 2, "ns_steps": 1}

#: Gradient clipping: Keras takes at most one of these.
CLIPPING = ("clipnorm", "clipvalue", "global_clipnorm")


def argument_problems(optimizer: Mapping[str, Any]) -> list[Problem]:
    """The arguments of a resolved optimizer outside their range, and clippings set together.

    Args:
        optimizer: ``{"name": ..., "learning_rate": ..., <argument>: <value>}``; values
            that are not numbers are left to the type checks.

    Returns:
        One ``Problem`` per argument out of range, paths ``("optimizer", <argument>)``.

    Example: ``{"name": "adam", "beta_1": 1.5}`` gives ``'beta_1' must be a number in
    [0, 1) (the decay of the first-moment average). Got 1.5.``
    """
    name = optimizer.get("name")
    own = OPTIMIZER_OWN_RANGES.get(name, {}) if isinstance(name, str) else {}
    problems = []
    for key, value in optimizer.items():
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        path = ("optimizer", key)
        if key in INTEGER_MINIMUM:
            if isinstance(value, int) and value < INTEGER_MINIMUM[key]:
                problems.append(Problem(path, ("optimizer",), f"'{key}' must be an integer >= "
                                        f"{INTEGER_MINIMUM[key]} or null (Keras's smallest). Got {show(value)}."))  # fmt: skip
            continue
        interval = own.get(key) or ARGUMENT_RANGES.get(key)
        if interval is not None and math.isfinite(value) and value not in interval:
            problems.append(Problem(path, ("optimizer",), f"'{key}' must be {interval.words()} "
                                    f"({interval.why}). Got {show(value)}."))  # fmt: skip
    clipping = [key for key in CLIPPING if optimizer.get(key) is not None]
    if len(clipping) > 1:
        problems.append(Problem(("optimizer", clipping[1]), ("optimizer",),
                                f"set at most one of {', '.join(CLIPPING)} (Keras clips one way). "
                                f"Got {' and '.join(clipping)}."))  # fmt: skip
    return problems
