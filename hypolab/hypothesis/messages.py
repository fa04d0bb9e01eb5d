"""Error messages in house style: what was received, what was expected, a fix.

Pydantic reports problems as ``(type, loc, input)``; ``translate`` turns each
into a ``Problem``: a clean key path (no union tags), whether it points at the
key or the value, and a message such as
``'alpha' must be a number in (0, 1). Got 5.`` The loader then attaches the
file, line and column.
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from hypolab.hypothesis.schema import Expected

Loc = tuple[str | int, ...]

_TYPE_WORDS = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


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


def show(value: Any) -> str:
    """A value as the user wrote it in YAML: ``'relu'``, ``5``, ``true``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
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


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            members = [m for m in get_args(annotation) if m is not type(None)]
            if len(members) == 1:
                annotation = members[0]
            else:
                return annotation, metadata
        else:
            return annotation, metadata


def _model_field(model: type[BaseModel], name: Any) -> tuple[str, Any] | None:
    for field_name, info in model.model_fields.items():
        if (info.alias or field_name) == name:
            return field_name, info
    return None


def _model_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


@dataclass
class _Node:
    path: Loc
    annotation: Any
    metadata: list[Any]
    description: str | None = None
    union: bool = False


def _walk(model: type[BaseModel], loc: Loc) -> _Node:
    """Follow ``loc`` through the model's fields, skipping discriminated-union tags."""
    node = _Node(path=(), annotation=model, metadata=[])
    for part in loc:
        annotation, _ = _unwrap(node.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found = _model_field(annotation, part)
            if found is None:
                return _Node(path=(*node.path, part), annotation=None, metadata=[])
            _, info = found
            _, inner_meta = _unwrap(info.annotation)
            node = _Node(
                path=(*node.path, part),
                annotation=info.annotation,
                metadata=[*info.metadata, *inner_meta],
                description=info.description,
            )
            continue
        origin = get_origin(annotation)
        if origin in (list, tuple):
            item = get_args(annotation)[0]
            _, item_meta = _unwrap(item)
            node = _Node(path=(*node.path, part), annotation=item, metadata=item_meta)
            continue
        if origin is dict:
            value = get_args(annotation)[1]
            node = _Node(path=(*node.path, part), annotation=value, metadata=[])
            continue
        if origin in (Union, types.UnionType):
            members = [_unwrap(m)[0] for m in get_args(annotation)]
            tagged = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            match = [m for m in tagged if m.model_fields.get("kind") and m.model_fields["kind"].default == part]
            if not match:
                match = [m for m in tagged if get_args(m.model_fields["kind"].annotation) == (part,)]
            if match:
                node = _Node(path=node.path, annotation=match[0], metadata=node.metadata)
                continue
            # A plain union (seeds, pack): stop here, the whole field is reported.
            node.union = True
            return node
        return _Node(path=(*node.path, part), annotation=None, metadata=[])
    return node


def _expected(node: _Node, error_type: str, ctx: dict[str, Any]) -> str:
    for item in node.metadata:
        if isinstance(item, Expected):
            return item.text
    annotation, _ = _unwrap(node.annotation)
    if get_origin(annotation) is Literal:
        return "one of " + one_of([str(a) for a in get_args(annotation)])
    if error_type == "greater_than":
        return f"a number > {ctx.get('gt')}"
    if error_type == "greater_than_equal":
        return f"a number >= {ctx.get('ge')}"
    if error_type == "less_than":
        return f"a number < {ctx.get('lt')}"
    if error_type == "less_than_equal":
        return f"a number <= {ctx.get('le')}"
    return _TYPE_WORDS.get(error_type, "a valid value")


def translate(exc: ValidationError, model: type[BaseModel], data: Any) -> list[Problem]:
    """House-style problems from a pydantic ``ValidationError`` of ``model``.

    Args:
        exc: the error pydantic raised validating ``data``.
        model: the model class validated.
        data: the validated input (to show what was received).

    Returns:
        One ``Problem`` per distinct problem, in pydantic's order.
    """
    problems: list[Problem] = []
    seen: set[tuple[Loc, str]] = set()
    for error in exc.errors(include_url=False):
        problem = _one(error, model, data)
        if (problem.path, problem.message) not in seen:
            seen.add((problem.path, problem.message))
            problems.append(problem)
    return problems


def _received(data: Any, path: Loc) -> tuple[bool, Any]:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, node


def _one(error: Any, model: type[BaseModel], data: Any) -> Problem:
    error_type = error["type"]
    ctx = error.get("ctx") or {}
    node = _walk(model, tuple(error["loc"]))
    path = node.path
    found, received = _received(data, path)
    if not found:
        received = error.get("input")
    parent, shown = key_text(path)

    if error_type == "extra_forbidden":
        owner = _walk(model, tuple(error["loc"])[:-1])
        owner_model, _ = _unwrap(owner.annotation)
        known = _model_keys(owner_model) if isinstance(owner_model, type) else []
        return Problem(path, parent, unknown_key(str(path[-1]), known), at_key=True)
    if error_type == "missing":
        description = (node.description or "").rstrip(".")
        what = f" ({description[:1].lower()}{description[1:]})" if description else ""
        where = "the file" if not parent else f"'{parent[-1]}'" if isinstance(parent[-1], str) else "it"
        return Problem(
            parent, parent, f"missing key '{shown}'{what}. Add '{shown}:' to {where}."
        )
    if error_type in ("union_tag_invalid", "union_tag_not_found"):
        tags = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "'mlp', 'cnn', 'custom'")).split(",")]
        if error_type == "union_tag_not_found":
            return Problem(path, path, f"missing key 'kind'. Expected one of {one_of(tags)}.")
        tag = str(ctx.get("tag"))
        kind_path = (*path, "kind")
        return Problem(
            kind_path,
            kind_path[:-1],
            f"unknown {shown} kind {show(tag)}. Expected one of {one_of(tags)}.{suggest(tag, tags)}",
        )
    if node.union:
        parent, shown = key_text(node.path)
        _, received = _received(data, node.path)
        expected = _expected(node, error_type, ctx)
        return Problem(node.path, parent, f"'{shown}' must be {expected}. Got {show(received)}.")
    if error_type == "literal_error":
        annotation, _ = _unwrap(node.annotation)
        choices = [str(a) for a in get_args(annotation)]
        hint = suggest(str(received), choices) if isinstance(received, str) else ""
        if len(choices) > 8:
            listing = f"a known name (one of {', '.join(choices)})"
        else:
            listing = "one of " + one_of(choices)
        return Problem(path, parent, f"'{shown}' must be {listing}. Got {show(received)}.{hint}")
    if error_type in ("too_short", "string_too_short"):
        if isinstance(received, str):
            return Problem(path, parent, f"'{shown}' must not be empty. Got ''.")
        expected = ctx.get("min_length", 1)
        items = "item" if expected == 1 else "items"
        return Problem(
            path, parent, f"'{shown}' must have at least {expected} {items}. Got {show(received)}."
        )
    if error_type in ("custom_error", "value_error") or error_type.startswith("hypolab"):
        return Problem(path, parent, error["msg"])
    expected = _expected(node, error_type, ctx)
    return Problem(path, parent, f"'{shown}' must be {expected}. Got {show(received)}.")
