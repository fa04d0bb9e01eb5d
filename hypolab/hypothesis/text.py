"""User strings as plain, visible text: what names and claims may hold, and how they are printed.

A claim or an arm name is shown in terminals, tables, plots and pages. Some
characters would make it lie there: right-to-left overrides reorder what a
reader sees, zero-width characters make two names that look identical (or a
claim that looks empty), and terminal escape sequences recolour or rewrite
the screen. Those are refused in names and claims (``visible_problem``), and
names that differ only by Unicode normalisation are treated as the same name
(``name_key``). Every other string hypolab prints (a file path from the
command line, a CSV cell, an exception's text) goes through ``printable``,
which writes such characters as escapes.
"""

from __future__ import annotations

import unicodedata

#: Unicode categories of characters that are never visible text: controls,
#: format characters (zero-width, bidi overrides, soft hyphen, BOM), line and
#: paragraph separators, surrogates, private use and unassigned code points.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})

#: Letters that render as blank space (the Hangul fillers, the braille blank).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

#: Layout characters a claim may hold (a folded YAML block keeps its line breaks).
CLAIM_LAYOUT = frozenset("\n\t")


def invisible(char: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether ``char`` is a control, format or blank character (unless ``allowed``)."""
    if char in allowed:
        return False
    return unicodedata.category(char) in INVISIBLE_CATEGORIES or char in BLANK_LETTERS


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: a character by code point and name."""
    name = unicodedata.name(char, "") or unicodedata.category(char)
    return f"U+{ord(char):04X} {name}".rstrip()


def visible_problem(text: str, key: str, *, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why ``text`` cannot be a name or claim (invisible characters), or None where it can.

    Args:
        text: the string as written.
        key: the key it was written under, named in the message.
        allowed: invisible characters accepted anyway (``CLAIM_LAYOUT`` for claims).

    Example: ``visible_problem("batch\\u200b 4", "name")`` says that ``'name'`` holds
    U+200B ZERO WIDTH SPACE at character 5; ``visible_problem("batch 4", "name")`` is None.
    """
    found = [(index, char) for index, char in enumerate(text) if invisible(char, allowed=allowed)]
    if not found:
        return None
    if not "".join(char for char in text if not invisible(char, allowed=allowed)).strip():
        return (
            f"'{key}' must not be empty. Got {ascii(text)}: only invisible characters "
            f"({', '.join(sorted({describe(char) for _, char in found}))}). Write it in words."
        )
    index, char = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (
        f"'{key}' must be visible text. Got {ascii(text)}: {describe(char)} at character {index}{more}. "
        "Control, format (zero-width, right-to-left override) and blank characters hide or reorder "
        "what a reader sees; remove them."
    )


def name_key(name: str) -> str:
    """The form two names are compared in: NFKC, so look-alike spellings are one name."""
    return unicodedata.normalize("NFKC", name)


def printable(text: str) -> str:
    """``text`` with every invisible character but line breaks written as an escape.

    For the terminal: an escape sequence (``\\x1b[2J``) in a file path or a CSV
    cell is printed as the characters ``\\x1b[2J``, never sent raw.

    Example: ``printable("arm \\x1b[31mred")`` is the 16 characters ``arm \\x1b[31mred``.
    """
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char == "\n" or not invisible(char):
            out.append(char)
        else:
            out.append(ascii(char)[1:-1])
    return "".join(out)
