"""Checking the arguments of a Keras metric or schedule against its table, before any training.

The tables (``records.metrics.KERAS_METRICS``, ``records.schedules.SCHEDULES``)
say what each argument may be (``records.arguments.Argument``); ``check``
gives one ``Problem`` per argument Keras does not take, per value of the
wrong type or out of its range, and per required argument missing, and the
arguments in their canonical form (sorted, integral floats as floats), so
equal configs hash to equal run keys however they were written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hypolab.hypothesis.messages import Loc, Problem, show, suggest
from hypolab.records.arguments import Argument, ArgumentType


def check(values: Mapping[str, Any], table: Mapping[str, Argument], path: Loc, owner: str
          ) -> tuple[dict[str, Any], list[Problem]]:  # fmt: skip
    """The canonical arguments and their problems.

    Args:
        values: the arguments as written (the entry's other keys removed).
        table: the arguments the Keras class takes.
        path: where the arguments sit (each problem's path adds the argument's name).
        owner: how messages name what takes them, e.g. ``metric 'auc'``.

    Returns:
        ``(canonical, problems)``.

    Example:
        >>> check({"k": 3.0}, KERAS_METRICS["top_k_categorical_accuracy"].arguments, ("metrics", 0), "metric 'x'")[1][0].message
        "'k' must be an integer >= 1 (how many top classes count as a hit). Got 3.0."
    """
    problems: list[Problem] = []
    canonical: dict[str, Any] = {}
    for key in sorted(values):
        value = values[key]
        where = (*path, key)
        argument = table.get(key)
        if argument is None:
            known = sorted(table)
            hint = suggest(key, known) or (f" Expected one of: {', '.join(known)}." if known else " It takes none.")
            problems.append(Problem(where, path, f"{owner} has no argument '{key}'.{hint}", at_key=True))
            continue
        problem = _value_problem(key, value, argument)
        if problem is not None:
            problems.append(Problem(where, path, problem))
        else:
            canonical[key] = _canonical(value, argument)
    for key, argument in table.items():
        if argument.required and key not in values:
            problems.append(Problem(path, path, f"{owner} needs '{key}' ({argument.why}): {argument.words()}. Add it."))
    return canonical, problems


def _value_problem(key: str, value: Any, argument: Argument) -> str | None:
    """Why ``value`` is not what ``argument`` takes, or None."""
    expected = f"'{key}' must be {argument.words()}" + (f" ({argument.why})" if argument.why else "")
    kind = argument.type
    if kind is ArgumentType.BOOLEAN:
        return None if isinstance(value, bool) else f"{expected}. Got {show(value)}."
    if kind is ArgumentType.CHOICE:
        return None if value in argument.choices and not isinstance(value, bool) else f"{expected}. Got {show(value)}."
    items = value if kind in (ArgumentType.INTEGERS, ArgumentType.NUMBERS) else [value]
    if kind in (ArgumentType.INTEGERS, ArgumentType.NUMBERS) and (not isinstance(value, list) or not value):
        return f"{expected}. Got {show(value)}."
    integral = kind in (ArgumentType.INTEGER, ArgumentType.INTEGERS)
    for item in items:
        number = not isinstance(item, bool) and isinstance(item, int if integral else (int, float))
        if not number or not math.isfinite(item) or not argument.accepts(item):
            return f"{expected}. Got {show(value)}."
    return None


def _canonical(value: Any, argument: Argument) -> Any:
    if argument.type is ArgumentType.NUMBER:
        return float(value)
    if argument.type is ArgumentType.NUMBERS:
        return [float(v) for v in value]
    return value
