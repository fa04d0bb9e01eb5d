"""What a Keras constructor argument may be: its type, its range, whether it is required.

The tables of Keras metrics and learning-rate schedules (``records.metrics``,
``records.schedules``) describe each argument hypolab passes on with an
``Argument``, so a hypothesis file is checked against what Keras accepts
without importing Keras (``hypolab.hypothesis.arguments`` checks values
against them; a test checks the tables against Keras itself).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any


class ArgumentType(str, enum.Enum):
    """The kind of value a Keras argument takes."""

    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    INTEGERS = "integers"
    NUMBERS = "numbers"


@dataclass(frozen=True)
class Interval:
    """A range of numbers, each end open or closed, and why a value needs it.

    Example:
        >>> Interval(0, 1, high_open=True).words()
        'a number in [0, 1)'
    """

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    why: str = ""

    def __contains__(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def words(self, noun: str = "a number") -> str:
        """``a number in [0, 1)``, ``a number > 0``, ``an integer >= 1``: ``noun`` and the bounds."""
        if math.isinf(self.low) and math.isinf(self.high):
            return noun
        if math.isinf(self.high):
            return f"{noun} {'>' if self.low_open else '>='} {self.low:g}"
        if math.isinf(self.low):
            return f"{noun} {'<' if self.high_open else '<='} {self.high:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"{noun} in {left}{self.low:g}, {self.high:g}{right}"


@dataclass(frozen=True)
class Argument:
    """One keyword argument of a Keras constructor, as a hypothesis file may write it.

    Args:
        type: integer, number, boolean, one of ``choices``, or a list of integers or numbers.
        low, high: the range of a number or integer (of each item of a list); infinite where unbounded.
        low_open, high_open: whether the range excludes its ends.
        choices: the values a ``choice`` argument takes.
        required: Keras has no default for it.
        why: what the argument is, for messages.

    Example:
        >>> Argument(ArgumentType.INTEGER, low=1).words()
        'an integer >= 1'
    """

    type: ArgumentType
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    choices: tuple[Any, ...] = ()
    required: bool = False
    why: str = ""

    @property
    def interval(self) -> Interval:
        """The range of a number or integer (of each item of a list)."""
        return Interval(self.low, self.high, self.low_open, self.high_open, self.why)

    def accepts(self, value: float) -> bool:
        """Whether the number ``value`` is in the range."""
        return value in self.interval

    def words(self) -> str:
        """What a value must be: ``a number in [0, 1)``, ``an integer >= 1``, ``one of 'ROC' or 'PR'``."""
        if self.type is ArgumentType.BOOLEAN:
            return "true or false"
        if self.type is ArgumentType.CHOICE:
            shown = [repr(c) for c in self.choices]
            return "one of " + (", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else shown[0])
        listed = self.type in (ArgumentType.INTEGERS, ArgumentType.NUMBERS)
        integral = self.type in (ArgumentType.INTEGER, ArgumentType.INTEGERS)
        if listed:
            return f"a list of {self.interval.words('integers' if integral else 'numbers')}"
        return self.interval.words("an integer" if integral else "a number")
