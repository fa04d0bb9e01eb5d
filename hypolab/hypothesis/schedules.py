"""Checking a learning-rate schedule (``optimizer.learning_rate: {schedule: ..., ...}``) before any training.

A schedule is one of ``records.schedules.SCHEDULES`` by its snake-case Keras
name, with that class's arguments (``hypothesis.arguments`` checks each),
plus the rules across arguments Keras would only trip on while training
(``piecewise_constant_decay``'s lengths and order) or silently ignore
(``cosine_decay``'s ``warmup_steps`` without a ``warmup_target``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypolab.hypothesis import arguments
from hypolab.hypothesis.messages import Problem, show, suggest
from hypolab.records.schedules import SCHEDULES

#: Where a schedule sits in a config.
PATH = ("optimizer", "learning_rate")


def check(value: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The canonical schedule ``{"schedule": name, **args}`` and its problems.

    Example:
        >>> check({"schedule": "cosine_decay", "initial_learning_rate": 0.1})[1][0].message
        "schedule 'cosine_decay' needs 'decay_steps' (the optimizer steps the decay takes): an integer >= 1. Add it."
    """
    name = value.get("schedule")
    if not isinstance(name, str) or name not in SCHEDULES:
        names = sorted(SCHEDULES)
        if name is None:
            message = (f"a learning-rate schedule needs 'schedule': the Keras schedule's name, one of "
                       f"{', '.join(names)}. Got {show(dict(value))}.")  # fmt: skip
            return None, [Problem(PATH, PATH[:1], message)]
        hint = suggest(str(name), names) or f" Expected one of: {', '.join(names)}."
        return None, [Problem((*PATH, "schedule"), PATH, f"unknown learning-rate schedule {show(name)}.{hint}")]
    args = {key: v for key, v in value.items() if key != "schedule"}
    canonical, problems = arguments.check(args, SCHEDULES[name].arguments, PATH, f"schedule '{name}'")
    if not problems:
        problems = _rules(name, canonical)
    return (None if problems else {"schedule": name, **canonical}), problems


def _rules(name: str, args: Mapping[str, Any]) -> list[Problem]:
    if name == "piecewise_constant_decay":
        boundaries, values = args["boundaries"], args["values"]
        if any(b <= a for a, b in zip(boundaries, boundaries[1:])):
            return [Problem((*PATH, "boundaries"), PATH, f"'boundaries' must be ascending steps. Got {show(boundaries)}.")]
        if len(values) != len(boundaries) + 1:
            return [Problem((*PATH, "values"), PATH,
                            f"'values' must hold one learning rate more than 'boundaries' ({len(boundaries) + 1}: before, "
                            f"between and after them). Got {len(values)}: {show(values)}.")]  # fmt: skip
    if name == "cosine_decay" and args.get("warmup_steps", 0) > 0 and args.get("warmup_target") is None:
        return [Problem((*PATH, "warmup_steps"), PATH,
                        "'warmup_steps' needs 'warmup_target' (the learning rate the warm-up climbs to): Keras "
                        "ignores the warm-up without it. Add warmup_target, or remove warmup_steps.")]  # fmt: skip
    return []
