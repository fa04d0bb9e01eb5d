"""A hypothesis's name: its report folder ``reports/<name>/`` and its registration in the run store.

The name is the file's path below the nearest folder called ``hypotheses``,
each part made safe and the parts joined by ``--``:

    hypotheses/batchsize.yaml                       -> batchsize
    hypotheses/fashion_mnist/fashion_batchsize.yaml -> fashion_mnist--fashion_batchsize
    experiments/batchsize.yaml                      -> batchsize   (no hypotheses/ folder above it)

So two files with the same stem in different folders under ``hypotheses/``
never share a report folder or a registration, wherever the command runs
from (the folders are those of the absolute path). A part is lower case with
anything outside ``[a-z0-9_-]`` (and any run of ``-``) made one ``-``, so
``--`` only ever joins parts and no name can be ``.``, ``..`` or hold a
``/``: nothing is written outside ``reports/``. Names beginning ``tune-``
are the tune reports' (``reports/tune-<search>/``) and refused for
hypotheses (``reserved_problem``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

#: The folder whose contents are named by their path below it.
HYPOTHESES_FOLDER = "hypotheses"

#: Joins the parts of a name; a part never holds it.
SEPARATOR = "--"

#: Report folders ``reports/tune-<search>/`` belong to ``hypolab tune``.
TUNE_PREFIX = "tune-"

_FALLBACK = "hypothesis"


def output_name(file: str) -> str:
    """The hypothesis name from its file's path, safe as one folder name under ``reports/``.

    Example:
        >>> output_name("hypotheses/Batch Size.yaml")
        'batch-size'
        >>> output_name("hypotheses/fashion_mnist/fashion_units.yaml")
        'fashion_mnist--fashion_units'
    """
    given = PurePosixPath(file.replace("\\", "/"))
    stem = given.name
    if stem.lower().endswith((".yaml", ".yml")):
        stem = stem.rsplit(".", 1)[0]
    folders = [_safe(part) for part in _folders_below_hypotheses(given.parent)]
    return SEPARATOR.join([part for part in folders if part] + [_safe(stem) or _FALLBACK])


def reserved_problem(name: str, file: str) -> str | None:
    """Why ``name`` cannot be a hypothesis's (it is a tune report's), or None."""
    # 'tune-x' is the folder of the search x; 'tune--x' (a folder hypotheses/tune/) never is,
    # since a search's name never starts with '-'.
    if name.startswith(TUNE_PREFIX) and not name.startswith(TUNE_PREFIX + "-"):
        stem = name[len(TUNE_PREFIX):]
        return (
            f"the file name gives the report folder reports/{name}/, which belongs to 'hypolab tune' "
            f"(reports/tune-<search>/, here the search '{stem}'). Expected a file name that does not "
            f"start with '{TUNE_PREFIX}': rename {Path(file).name}, e.g. to {stem}.yaml."
        )
    return None


def _folders_below_hypotheses(folder: PurePosixPath) -> tuple[str, ...]:
    """The folders between the nearest ``hypotheses/`` above ``folder`` and the file, if any."""
    absolute = PurePosixPath(os.path.abspath(folder).replace("\\", "/"))
    parts = absolute.parts
    for index in range(len(parts) - 1, -1, -1):
        if parts[index].lower() == HYPOTHESES_FOLDER:
            return tuple(parts[index + 1:])
    return ()


def _safe(part: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9_-]+", "-", part.lower())).strip("-_")
