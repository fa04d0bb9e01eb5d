"""Safe YAML loading that remembers where every key and value was written.

ruamel.yaml's round-trip loader builds plain mappings, lists and scalars and
never constructs Python objects from tags, so ``!!python/object`` cannot run
code; such tags are reported as errors instead. Every node's line and column
is kept in ``Document.positions`` so later checks can point at the text.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from hypolab import inputs
from hypolab.errors import SpecError, SpecErrors

#: A path into a document: mapping keys and list indices, e.g. ``("treatments", 0, "set")``.
KeyPath = tuple[str | int, ...]

_STANDARD_TAG_PREFIX = "tag:yaml.org,2002:"
_STANDARD_TAGS = {"str", "int", "float", "bool", "null", "map", "seq", "omap", "binary"}

#: A file that expands to more values than this (YAML aliases of aliases) is refused.
MAX_VALUES = 100_000

#: Deeper nesting than this is refused (a hypothesis file needs about 5 levels).
MAX_DEPTH = 50

#: The largest hypothesis, search or baseline file: 256 KiB, comments included
#: (a hypothesis file is a few kilobytes; parsing 256 KiB takes about a second).
MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class Position:
    """1-based line and column of a key or value in a file."""

    line: int
    column: int


@dataclass
class Document:
    """A parsed YAML file: its plain data and the position of every node.

    Args:
        file: the file's path as the user gave it (used in messages).
        text: the file's text.
        data: the document as plain dicts, lists, strings, numbers, booleans and None.
        values: position of the value at each key path.
        keys: position of the key at each key path (mappings only).
    """

    file: str
    text: str
    data: Any
    values: dict[KeyPath, Position] = field(default_factory=dict)
    keys: dict[KeyPath, Position] = field(default_factory=dict)

    def position(self, path: KeyPath, *, key: bool = False) -> Position | None:
        """The position of ``path`` (its key where ``key``), or of its nearest parent."""
        probe = tuple(path)
        if key and probe in self.keys:
            return self.keys[probe]
        while probe:
            if probe in self.values:
                return self.values[probe]
            if probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get(())

    def error(self, path: KeyPath, message: str, *, key: bool = False, shown: str | None = None) -> SpecError:
        """A ``SpecError`` located at ``path`` in this file.

        Args:
            path: the key path of the offending node.
            message: what was received, what was expected and a fix.
            key: point at the key rather than the value.
            shown: the key path to print, where it differs from ``path``.
        """
        where = self.position(path, key=key)
        return SpecError(
            message,
            file=self.file,
            line=where.line if where else None,
            column=where.column if where else None,
            path=format_path(path) if shown is None else shown,
        )


def read_file(path: Path, file: str, *, what: str) -> str:
    """The UTF-8 text of ``path``, or a ``SpecErrors`` naming ``file`` and why it cannot be read.

    Anything but a regular file (a folder, a named pipe, ``/dev/zero``) and a
    file over ``MAX_FILE_BYTES`` are refused before a byte is read
    (``hypolab.inputs``), so no file can hang or exhaust ``validate``.
    """
    try:
        return inputs.as_text(inputs.read_bytes(path, limit=MAX_FILE_BYTES, what=what))
    except inputs.Unreadable as exc:
        message = exc.reason
    except UnicodeDecodeError as exc:
        message = f"is not UTF-8 text ({exc.reason} at byte {exc.start}). Save the file as UTF-8."
    raise SpecErrors([SpecError(message, file=file)])


def format_path(path: KeyPath) -> str:
    """``("treatments", 0, "set")`` -> ``treatments[0].set``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse(text: str, file: str) -> Document:
    """Parse YAML text safely, keeping positions.

    Args:
        text: the YAML text.
        file: the path to name in messages.

    Returns:
        A ``Document``.

    Raises:
        SpecError: on a syntax error, a duplicate key, a non-standard tag or a
            non-string key.
    """
    if len(text) > MAX_FILE_BYTES:
        raise SpecError(
            f"the text is {len(text):,} characters, more than the {MAX_FILE_BYTES:,} a file may hold; "
            "it was not parsed. Expected a file of a few kilobytes.",
            file=file,
        )
    yaml = YAML(typ="rt", pure=True)
    deep = _flow_depth_exceeded(text)
    if deep is not None:
        raise SpecError(
            f"brackets nest more than {MAX_DEPTH} levels deep. Expected a hypothesis file of a few "
            "levels; check for unbalanced '[' or '{'.",
            file=file,
            line=deep[0],
            column=deep[1],
        )
    try:
        raw = yaml.load(text)
    except DuplicateKeyError as exc:
        raise _syntax_error(exc, text, file, "duplicate key") from None
    except MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file, "YAML syntax error") from None
    except RecursionError:
        raise SpecError(
            f"the file nests mappings or lists too deeply to read. Expected at most {MAX_DEPTH} levels.",
            file=file,
        ) from None
    except ValueError as exc:
        # Constructing a scalar: above all an integer longer than Python converts
        # from text (sys.get_int_max_str_digits, 4,300 digits).
        raise _unconvertible(text, file, exc) from None
    except YAMLError as exc:  # unmarked errors are rare (e.g. bad encodings)
        raise SpecError(f"YAML syntax error: {exc}. Fix the YAML and try again.", file=file) from None
    doc = Document(file=file, text=text, data=None)
    doc.values[()] = Position(1, 1)
    doc.data = _Converter(doc).plain(raw, (), ())
    return doc



def _unconvertible(text: str, file: str, exc: ValueError) -> SpecError:
    """A value the YAML parser cannot convert: where a number of thousands of digits is, if one is."""
    match = re.search(r"[0-9_]{1000,}", text)
    if match is None:
        return SpecError(f"a value cannot be read: {exc}. Check the values of the file.", file=file)
    return SpecError(
        "a number has thousands of digits, more than any setting takes. Expected a number of a few "
        "digits; check the value.",
        file=file,
        line=text.count("\n", 0, match.start()) + 1,
        column=match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1,
    )


def _flow_depth_exceeded(text: str) -> tuple[int, int] | None:
    """Where ``[``/``{`` first nest deeper than MAX_DEPTH (outside quotes and comments), if anywhere.

    Checked before parsing because the YAML parser recurses once per level and
    would fail slowly, deep inside itself.
    """
    depth = 0
    quote = ""
    for number, line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(line, start=1):
            if quote:
                if char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char == "#" and (column == 1 or line[column - 2] in " \t"):
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number, column
            elif char in "]}":
                depth = max(0, depth - 1)
        if quote == "'" or quote == '"':
            continue  # quoted scalars may span lines
    return None


def _syntax_error(exc: MarkedYAMLError, text: str, file: str, what: str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    lines = text.splitlines()
    if isinstance(exc, DuplicateKeyError):
        key = (exc.problem or "").split('"')[1] if '"' in (exc.problem or "") else "?"
        message = f"{what}: key '{key}' appears twice in one mapping. Remove or rename one of them."
        shown_lines = []
    else:
        message = f"{what}: {(exc.problem or exc.context or 'invalid YAML').strip()}"
        shown_lines = []
        context = exc.context_mark
        if exc.context and context is not None and mark is not None and context.line < mark.line:
            message += f" ({exc.context.strip()} started at line {context.line + 1}, column {context.column + 1})"
            shown_lines.append(context.line + 1)
        if "mapping values are not allowed" in message:
            message += ". A value that contains ': ' must be quoted, e.g. claim: \"A: B\""
        else:
            message += ". Check the indentation, colons, brackets and quotes."
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    shown = ""
    for number in shown_lines:
        if 0 < number <= len(lines):
            shown += f"\n    {number} | {lines[number - 1]}"
    if line is not None and column is not None and 0 < line <= len(lines):
        shown += f"\n    {line} | {lines[line - 1]}\n    {' ' * (len(str(line)) + 3 + column - 1)}^"
    return SpecError(message + shown, file=file, line=line, column=column)


def _tag_of(node: Any) -> str | None:
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag)
    if not value or not isinstance(value, str):
        return None
    if value.startswith(_STANDARD_TAG_PREFIX) and value[len(_STANDARD_TAG_PREFIX) :] in _STANDARD_TAGS:
        return None
    return value


def _shown_tag(tag: str) -> str:
    if tag.startswith(_STANDARD_TAG_PREFIX):
        return "!!" + tag[len(_STANDARD_TAG_PREFIX) :]
    return tag


class _Converter:
    """Round-trip nodes -> plain Python values, checking tags, keys and size."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0

    def plain(self, node: Any, path: KeyPath, ancestors: tuple[int, ...]) -> Any:
        doc = self.doc
        self.count += 1
        if self.count > MAX_VALUES:
            raise doc.error(
                path,
                f"the file expands to more than {MAX_VALUES} values (aliases of aliases?). "
                "Expected a hypothesis file of a few dozen keys; remove the aliases.",
            )
        if len(ancestors) > MAX_DEPTH:
            raise doc.error(path, f"the file nests mappings or lists more than {MAX_DEPTH} levels deep. Flatten it.")
        if id(node) in ancestors:
            raise doc.error(path, "an alias refers to a node that contains it (a cycle). Remove the alias.")
        if isinstance(node, TaggedScalar) and _tag_of(node) is None:
            # A standard tag on a scalar (``!!str 1``): the value it names, here a string.
            return str(node.value)
        tag = _tag_of(node)
        if tag is not None:
            raise doc.error(
                path,
                f"YAML tag '{_shown_tag(tag)}' is not allowed. Expected plain YAML: mappings, lists, "
                "strings, numbers, booleans and null. Remove the tag.",
            )
        if isinstance(node, CommentedMap):
            inside = (*ancestors, id(node))
            out: dict[str, Any] = {}
            here = doc.values.get(path, Position(1, 1))
            for key in node:
                # Keys merged in with '<<:' have no position of their own.
                key_line, key_col = _lc(node.lc.key, key) or (here.line - 1, here.column - 1)
                value_line, value_col = _lc(node.lc.value, key) or (key_line, key_col)
                if not isinstance(key, str):
                    doc.values[(*path, "<key>")] = Position(key_line + 1, key_col + 1)
                    raise doc.error(
                        (*path, "<key>"),
                        f"keys must be strings. Got {_show_key(key)}. Quote the key or rename it.",
                        shown=format_path(path),
                    )
                child = (*path, key)
                doc.keys[child] = Position(key_line + 1, key_col + 1)
                doc.values[child] = Position(value_line + 1, value_col + 1)
                out[key] = self.plain(node[key], child, inside)
            return out
        if isinstance(node, CommentedSeq):
            inside = (*ancestors, id(node))
            here = doc.values.get(path, Position(1, 1))
            items = []
            for index, item in enumerate(node):
                item_line, item_col = _lc(node.lc.item, index) or (here.line - 1, here.column - 1)
                doc.values[(*path, index)] = Position(item_line + 1, item_col + 1)
                items.append(self.plain(item, (*path, index), inside))
            return items
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, str):
            return str(node)
        if isinstance(node, (datetime.date, datetime.datetime)):
            raise doc.error(
                path,
                f"dates and times are not values of this format. Got {node}. Quote it to make it a string.",
            )
        raise doc.error(
            path,
            f"values of type {type(node).__name__.replace('Commented', '').lower()} are not supported. "
            "Expected a mapping, list, "
            "string, number, boolean or null.",
        )


def _lc(lookup: Any, key: Any) -> tuple[int, int] | None:
    try:
        return lookup(key)
    except (KeyError, IndexError, TypeError):
        return None


def _show_key(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (CommentedMap, CommentedSeq, dict, list, tuple)):
        return "a mapping or list"
    return repr(key)
