"""Text cells of the CSVs hypolab writes, safe to open in a spreadsheet and read back exactly.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return as a formula (``=HYPERLINK(...)``, ``+cmd|...``), so
an arm named that way would run in whoever opens ``runs.csv``. Following
OWASP's CSV-injection rule, such a text cell is written with a ``'`` in
front, which spreadsheets show as a plain-text marker and do not evaluate.
Number cells are left alone (``-0.5`` stays a number).

``restore`` undoes it: a cell that starts with ``'`` followed by one of those
characters, or by another ``'``, loses its first ``'``. A text that starts
with ``'`` and then one of those is itself written with one more ``'``, so
``restore(neutralise(text)) == text`` for every text, and a cell no one
neutralised (``'quoted``) reads as written.

Example:

    neutralise("=HYPERLINK(\\"http://x\\")")  # "'=HYPERLINK(\\"http://x\\")"
    restore("'=HYPERLINK(\\"http://x\\")")    # '=HYPERLINK("http://x")'
"""

from __future__ import annotations

#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = frozenset("=+-@\t\r")

#: The mark written in front of such a cell.
QUOTE = "'"


def neutralise(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet evaluates (a ``'`` in front where it would)."""
    if text[:1] in FORMULA_STARTS or _marked(text):
        return QUOTE + text
    return text


def restore(cell: str) -> str:
    """The text ``neutralise`` wrote as ``cell``."""
    return cell[1:] if _marked(cell) else cell


def _marked(text: str) -> bool:
    return text[:1] == QUOTE and len(text) > 1 and (text[1] in FORMULA_STARTS or text[1] == QUOTE)
