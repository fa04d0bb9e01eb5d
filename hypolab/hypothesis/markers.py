"""The markers a schema field carries for its error messages (``hypothesis.translate`` reads them).

``Expected`` words what a value must be (``a number in (0, 1)``), ``Limit``
why it has an upper bound, ``Unknown`` how a tagged union's bad tag is named.
The hypothesis, training and search schemas all use them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expected:
    """What a value must be, in words, for error messages."""

    text: str


@dataclass(frozen=True)
class Limit:
    """Why a value has an upper bound (a number's, a list's or a string's length), for messages."""

    reason: str


@dataclass(frozen=True)
class Unknown:
    """How messages name a tagged union's members: ``unknown model kind 'resnet'``."""

    noun: str
