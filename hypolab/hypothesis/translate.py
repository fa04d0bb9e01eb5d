"""The located-error translator: pydantic's errors -> house-style messages at file, line and column.

Pydantic reports problems as ``(type, loc, input)``; ``translate`` turns each
into a ``Problem``: a clean key path (no union tags), whether it points at the
key or the value, and a message such as
``'alpha' must be a number in (0, 1). Got 5.`` ``locate`` then attaches the
file, line and column. Hypothesis files, baseline files and search files are
all validated through here, so every format speaks the same words.

What a value must be comes from the schema: an ``Expected`` marker where the
field has one, a ``Literal``'s values, or the constraint that failed; a
tagged union's bad tag is worded with its ``Unknown`` marker where it has one
(``unknown model kind 'resnet'``), else like any other choice.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from hypolab.errors import SpecError
from hypolab.hypothesis.messages import Loc, Problem, key_text, one_of, show, suggest, unknown_key
from hypolab.hypothesis.schema import Expected, Limit, Unknown
from hypolab.hypothesis.yamlsource import Document, KeyPath, format_path

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

#: Literals with more choices than this are listed plainly: ``a known name (one of a, b, ...)``.
_LONG_LISTING = 8


def translate(exc: ValidationError, model: Any, data: Any) -> list[Problem]:
    """House-style problems from a pydantic ``ValidationError``.

    Args:
        exc: the error pydantic raised validating ``data``.
        model: what was validated: a model class, or a type (a union, an
            annotated field type) validated with a ``TypeAdapter``.
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


def locate(doc: Document, problem: Problem, *, prefix: KeyPath = ()) -> SpecError:
    """The ``SpecError`` of ``problem`` in ``doc``, its paths relative to ``prefix``.

    Example:
        >>> locate(doc, problem, prefix=("base",))  # doctest: +SKIP
        SpecError("hypotheses/x.yaml:8:3: base: unknown key 'epoch'. Did you mean 'epochs'?")
    """
    return doc.error(
        (*prefix, *problem.path), problem.message, key=problem.at_key, shown=format_path((*prefix, *problem.parent))
    )


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under ``Annotated`` and ``X | None``, and the metadata met on the way."""
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


def _model_field(model: type[BaseModel], name: Any) -> FieldInfo | None:
    for field_name, info in model.model_fields.items():
        if (info.alias or field_name) == name:
            return info
    return None


def _model_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _tagged_members(annotation: Any) -> list[type[BaseModel]]:
    return [m for m in (_unwrap(a)[0] for a in get_args(annotation)) if isinstance(m, type) and issubclass(m, BaseModel)]


def _tag_of(member: type[BaseModel], discriminator: str) -> Any:
    """The tag value of one member of a tagged union (its one-value ``Literal``)."""
    info = member.model_fields.get(discriminator)
    values = get_args(info.annotation) if info is not None else ()
    return values[0] if len(values) == 1 else None


def _discriminator(members: Sequence[type[BaseModel]]) -> str | None:
    """The field every member tags itself with: a one-value ``Literal`` in each."""
    if not members:
        return None
    for name in members[0].model_fields:
        if all(_tag_of(member, name) is not None for member in members):
            return name
    return None


@dataclass
class _Node:
    path: Loc
    annotation: Any
    metadata: list[Any] = field(default_factory=list)
    description: str | None = None
    union: bool = False


def _walk(model: Any, loc: Loc) -> _Node:
    """Follow ``loc`` through the schema's types, skipping tagged-union tags."""
    node = _Node(path=(), annotation=model, metadata=_unwrap(model)[1])
    for part in loc:
        annotation, _ = _unwrap(node.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = _model_field(annotation, part)
            if info is None:
                return _Node(path=(*node.path, part), annotation=None)
            _, inner_meta = _unwrap(info.annotation)
            node = _Node(
                path=(*node.path, part),
                annotation=info.annotation,
                metadata=[*info.metadata, *inner_meta],
                description=info.description,
            )
            continue
        origin = get_origin(annotation)
        if origin in (list, tuple, dict):
            item = get_args(annotation)[-1]
            node = _Node(path=(*node.path, part), annotation=item, metadata=_unwrap(item)[1])
            continue
        if origin in (Union, types.UnionType):
            members = _tagged_members(annotation)
            tag = _discriminator(members)
            match = [m for m in members if tag is not None and _tag_of(m, tag) == part]
            if match:
                node = _Node(path=node.path, annotation=match[0], metadata=node.metadata)
                continue
            # A plain union (seeds, pack): stop here, the whole field is reported.
            node.union = True
            return node
        return _Node(path=(*node.path, part), annotation=None)
    return node


def _marker(node: _Node, kind: type) -> Any:
    return next((item for item in node.metadata if isinstance(item, kind)), None)


def _expected(node: _Node, error_type: str, ctx: dict[str, Any]) -> str:
    marker = _marker(node, Expected)
    if marker is not None:
        return marker.text
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


def _received(data: Any, path: Loc) -> tuple[bool, Any]:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, node


def _choice(path: Loc, parent: Loc, shown: str, choices: list[str], received: Any, expected: str | None) -> Problem:
    """``'x' must be one of 'a' or 'b'. Got 'c'. Did you mean 'a'?``"""
    hint = suggest(str(received), choices) if isinstance(received, str) else ""
    if expected is None:
        if len(choices) > _LONG_LISTING:
            expected = f"a known name (one of {', '.join(choices)})"
        else:
            expected = "one of " + one_of(choices)
    return Problem(path, parent, f"'{shown}' must be {expected}. Got {show(received)}.{hint}")


def _tag_problem(error_type: str, node: _Node, data: Any, ctx: dict[str, Any]) -> Problem:
    """A tagged union whose tag is missing or not one of its members'."""
    path = node.path
    members = _tagged_members(_unwrap(node.annotation)[0])
    field_name = str(ctx.get("discriminator", "")).strip("'") or _discriminator(members) or "kind"
    tags = [str(_tag_of(m, field_name)) for m in members]
    if error_type == "union_tag_not_found":
        return Problem(path, path, f"missing key '{field_name}'. Expected one of {one_of(tags)}.")
    tag = str(ctx.get("tag"))
    tag_path = (*path, field_name)
    unknown = _marker(node, Unknown)
    if unknown is not None:
        message = f"unknown {unknown.noun} {show(tag)}. Expected one of {one_of(tags)}.{suggest(tag, tags)}"
        return Problem(tag_path, path, message)
    _, received = _received(data, tag_path)
    return _choice(tag_path, path, field_name, tags, received, None)


def _one(error: Any, model: Any, data: Any) -> Problem:
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
        return Problem(parent, parent, f"missing key '{shown}'{what}. Add '{shown}:' to {where}.")
    if error_type in ("union_tag_invalid", "union_tag_not_found"):
        return _tag_problem(error_type, node, data, ctx)
    if node.union:
        parent, shown = key_text(node.path)
        _, received = _received(data, node.path)
        expected = _expected(node, error_type, ctx)
        return Problem(node.path, parent, f"'{shown}' must be {expected}. Got {show(received)}.")
    if error_type == "literal_error":
        annotation, _ = _unwrap(node.annotation)
        marker = _marker(node, Expected)
        choices = [str(a) for a in get_args(annotation)]
        return _choice(path, parent, shown, choices, received, marker.text if marker else None)
    if error_type in ("too_short", "string_too_short"):
        if isinstance(received, str):
            return Problem(path, parent, f"'{shown}' must not be empty. Got ''.")
        expected = ctx.get("min_length", 1)
        items = "item" if expected == 1 else "items"
        return Problem(path, parent, f"'{shown}' must have at least {expected} {items}. Got {show(received)}.")
    if error_type.startswith("hypolab"):
        # A rule of the schema's own (PydanticCustomError), worded where it is written.
        return Problem(path, parent, error["msg"])
    limit = _marker(node, Limit)
    if limit is not None and error_type in _ABOVE:
        return Problem(path, parent, f"'{shown}' must {_ABOVE[error_type](ctx)} ({limit.reason}). "
                                     f"Got {_size(error_type, received)}.")  # fmt: skip
    expected = _expected(node, error_type, ctx)
    return Problem(path, parent, f"'{shown}' must be {expected}. Got {show(received)}.{_string_hint(error_type, received)}")


#: The errors of a value above a ``Limit``, and how each words the bound.
_ABOVE = {
    "less_than_equal": lambda ctx: f"be at most {ctx.get('le'):,}",
    "less_than": lambda ctx: f"be below {ctx.get('lt'):,}",
    "too_long": lambda ctx: f"have at most {ctx.get('max_length'):,} items",
    "string_too_long": lambda ctx: f"be at most {ctx.get('max_length'):,} characters long",
}


def _size(error_type: str, received: Any) -> str:
    """What was received, by its length where the length is what is wrong."""
    if error_type == "too_long" and isinstance(received, (list, tuple)):
        return f"{len(received):,} items"
    if error_type == "string_too_long" and isinstance(received, str):
        return f"{len(received):,} characters"
    return show(received)


def _string_hint(error_type: str, received: Any) -> str:
    """A hint where a number or boolean was written as a string (quoted, or tagged ``!!str``)."""
    if not isinstance(received, str) or error_type not in ("int_type", "float_type", "bool_type"):
        return ""
    try:
        float(received)
    except ValueError:
        if received.strip().lower() not in ("true", "false"):
            return ""
    return " It is a string: remove the quotes (or the !!str tag)."
