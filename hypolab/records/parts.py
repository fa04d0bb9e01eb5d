"""What the parts of a resolved training config share: frozen values, exact dicts both ways.

``Arguments`` holds free-form keyword arguments (a custom builder's ``args``,
an optimizer's other arguments, a Keras metric's or schedule's arguments) as a
frozen, hashable mapping. ``Part`` is the base of every config part record:
its fields frozen, ``to_dict`` of its fields, a strict ``from_dict``.
``exact_keys`` is the one check of a part's keys, worded the same for every part.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import Any, ClassVar


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
        self._items = {key: freeze(value) for key, value in (items or {}).items()}

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
        return {key: thaw(value) for key, value in self._items.items()}


def freeze(value: Any) -> Any:
    """``value`` made hashable: mappings as ``Arguments``, lists as tuples, all the way down."""
    if isinstance(value, Mapping):
        return value if isinstance(value, Arguments) else Arguments(value)
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain value of a frozen one: ``Arguments`` as dicts, tuples as lists."""
    if isinstance(value, Arguments):
        return value.to_dict()
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


class Part:
    """What the config part records share: frozen values, ``to_dict`` of their fields, a strict ``from_dict``."""

    #: Where the part sits in a resolved config, for messages.
    where: ClassVar[str] = ""

    def __post_init__(self) -> None:
        # Lists become tuples and mappings ``Arguments``, so every record is hashable; any
        # other value is kept as given (a trainer's check names a wrong one).
        for f in fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, freeze(getattr(self, f.name)))

    def leading(self) -> dict[str, Any]:
        """Keys written before the fields (a model's ``kind``); none by default."""
        return {}

    @classmethod
    def leading_keys(cls) -> tuple[str, ...]:
        """The keys of ``leading()``."""
        return ()

    def to_dict(self) -> dict[str, Any]:
        """The part as the resolved dict holds it: plain values, lists for tuples."""
        out = self.leading()
        out.update((f.name, thaw(getattr(self, f.name))) for f in fields(self))  # type: ignore[arg-type]
        return out

    @classmethod
    def place(cls) -> str:
        """Where the part sits in a resolved config, as messages name it."""
        return cls.where

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """The keys of this part's dict, in order."""
        return (*cls.leading_keys(), *(f.name for f in fields(cls)))  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Read the part from its dict; a missing or an unknown key is a ``ValueError``."""
        exact_keys(data, cls.keys(), cls.place())
        return cls(**{f.name: data[f.name] for f in fields(cls)})  # type: ignore[arg-type]


def exact_keys(data: Any, expected: tuple[str, ...], where: str, *, open_ended: bool = False,
               optional: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Check that ``data`` is a mapping with exactly the keys ``expected`` (at least, where ``open_ended``).

    Args:
        data: the dict read.
        expected: the keys it must have.
        where: where it sits in a resolved config, for the message.
        open_ended: other keys are allowed too.
        optional: keys it may have besides ``expected``.

    Raises:
        ValueError: naming where, the missing and unknown keys, and the keys expected.
    """
    place = f"resolved config: {where}" if where else "resolved config"
    if not isinstance(data, Mapping):
        raise ValueError(f"{place} must be a mapping. Got {type(data).__name__} instead.")
    missing = [key for key in expected if key not in data]
    unknown = [] if open_ended else [key for key in data if key not in expected and key not in optional]
    if missing or unknown:
        problems = [f"missing {', '.join(map(repr, missing))}"] if missing else []
        problems += [f"unknown {', '.join(map(repr, unknown))}"] if unknown else []
        what = "the keys" if not open_ended else "at least the keys"
        also = f" Optional keys: {', '.join(optional)}." if optional else ""
        raise ValueError(
            f"{place}: {' and '.join(problems)}. Expected {what} {', '.join(expected)}; "
            f"got {', '.join(map(str, data)) or 'none'}.{also}"
        )
