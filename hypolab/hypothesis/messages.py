"""The words of error messages in house style: what was received, what was expected, a fix.

``show`` writes a value as the user wrote it in YAML, ``kind_of`` names its
type, ``suggest`` adds "Did you mean", ``unknown_key`` words an unknown key.
A ``Problem`` is one message before its file position is known; ``translate``
makes them from pydantic's errors and ``locate`` gives them file, line and
column. Hypothesis files and search files use these same words.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One problem found in a mapping, before its file position is known.

    Args:
        path: key path of the offending node (an unknown key's own path).
        parent: key path printed before the message (``treatments[0].set``).
        message: what was received, what was expected and a fix.
        at_key: point at the key (unknown keys) rather than the value.
    """

    path: Loc
    parent: Loc
    message: str
    at_key: bool = False


#: A value longer than this is shown cut, with its size (a message quotes a value, never a file).
SHOWN_CHARACTERS = 80
SHOWN_ITEMS = 12


def show(value: Any) -> str:
    """A value as the user wrote it in YAML: ``'relu'``, ``5``, ``true``, ``null``.

    Long strings and lists are cut (``'aaaa...' (50,000,000 characters)``), so
    a message about a huge value stays one readable line.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > SHOWN_CHARACTERS:
            return f"{value[:SHOWN_CHARACTERS - 20]!r}... ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, int) and value.bit_length() > 4 * SHOWN_CHARACTERS:
        # repr of a very long integer is slow, and refused past 4,300 digits.
        return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        if len(value) > SHOWN_ITEMS:
            return "[" + ", ".join(show(v) for v in value[:SHOWN_ITEMS]) + f", ... ({len(value):,} items)]"
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return json.dumps(value, default=str)


def kind_of(value: Any) -> str:
    """A YAML word for the type of ``value``: ``a string``, ``a list``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def suggest(word: str, candidates: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest candidate, or an empty string."""
    close = difflib.get_close_matches(str(word), sorted(set(candidates)), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def one_of(candidates: Sequence[str]) -> str:
    """``'a', 'b' or 'c'``."""
    quoted = [f"'{c}'" for c in candidates]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def unknown_key(key: str, known: Iterable[str], *, what: str = "key") -> str:
    """``unknown key 'batchsize'. Did you mean 'batch_size'?`` (or the list of keys)."""
    known = sorted(set(known))
    hint = suggest(key, known)
    if not hint:
        hint = f" Expected one of: {', '.join(known)}." if known else " Remove it."
    return f"unknown {what} '{key}'.{hint}"


def key_text(loc: Loc) -> tuple[Loc, str]:
    """Split a path into the parent mapping's path and the key as shown: ``units[1]``."""
    index = len(loc)
    while index > 0 and isinstance(loc[index - 1], int):
        index -= 1
    if index == 0:
        return (), "".join(f"[{i}]" for i in loc) or "the file"
    parent = loc[: index - 1]
    shown = str(loc[index - 1]) + "".join(f"[{i}]" for i in loc[index:])
    return parent, shown
