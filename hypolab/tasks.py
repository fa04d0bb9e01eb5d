"""What a data set's labels are: classes or regression targets (``data.task``), decided one way everywhere.

``data.task: auto`` keeps hypolab's rule: integer, boolean or text labels are
classes; decimal (float) labels are regression targets. In a CSV file a
target column whose every cell is an integer (``3``, ``-1``) is classes; one
decimal point or exponent anywhere (``3.0``, ``2.5e3``) makes it targets;
other text (``cat``) is classes. ``classification`` or ``regression`` say it
outright: integer targets (a CSV's ``progression`` of 25..346) are then
targets, decimal labels (``0.0``/``1.0``) classes.

``probe`` reads only what tells the task (a CSV's header and first rows, an
``.npz`` file's ``y_train`` header), so ``hypolab validate`` can refuse a
metric the data cannot have before anything trains; ``probe(..., rows=None)``
reads the whole label column, which ``hypolab test`` does before the first run.
Light: the standard library and numpy.

Example:
    >>> probe(DataConfig(name="data/diabetes.csv", target="progression")).task
    <Task.CLASSIFICATION: 'classification'>
"""

from __future__ import annotations

import csv
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hypolab.records import DataConfig, Task

#: A CSV cell that is an integer label.
INTEGER_CELL = re.compile(r"^[+-]?\d+$")
#: Rows of a CSV file ``probe`` reads by default.
PROBE_ROWS = 2_000
#: The built-in data sets: all of them classification.
BUILTIN = ("digits", "mnist", "fashion_mnist", "cifar10")


def task_of_array(y: np.ndarray, declared: Task | None = None) -> Task:
    """The task of labels read as an array: ``declared`` where given, else float targets are regression."""
    if declared is not None:
        return declared
    return Task.REGRESSION if y.dtype.kind in "fc" else Task.CLASSIFICATION


def cells_kind(cells: list[str]) -> str:
    """What CSV label cells hold: ``integers``, ``decimals`` (numbers, not all integers) or ``text``."""
    if all(INTEGER_CELL.match(cell) for cell in cells):
        return "integers"
    try:
        values = [float(cell) for cell in cells]
    except ValueError:
        return "text"
    return "decimals" if all(np.isfinite(values)) else "text"  # "nan"/"inf" labels are names


def task_of_cells(cells: list[str], declared: Task | None = None) -> Task:
    """The task of a CSV target column: ``declared`` where given, else only decimals are regression."""
    if declared is not None:
        return declared
    return Task.REGRESSION if cells_kind(cells) == "decimals" else Task.CLASSIFICATION


@dataclass(frozen=True)
class TaskProbe:
    """What ``probe`` found about a data set's task.

    Args:
        task: the task, or None where the data cannot be read now.
        why: how it was decided, for messages: ``data.task: regression``,
            ``the target column 'progression' holds integers (read as classes)``...
        certain: nothing later in the file can change it (False: ``auto`` read
            integers in a CSV's first rows only, and a later decimal would make them targets).
    """

    task: Task | None
    why: str
    certain: bool = True


def probe(data: DataConfig, base_dir: str | os.PathLike[str] | None = None, *,
          rows: int | None = PROBE_ROWS) -> TaskProbe:  # fmt: skip
    """The task of the data ``data`` names, from as little of it as tells.

    Args:
        data: the data config (its ``task``, ``name`` and ``target``).
        base_dir: the hypothesis file's folder (a relative file is looked up there first).
        rows: CSV rows to read; None reads them all.

    Returns:
        A ``TaskProbe``; its ``task`` is None where the file cannot be read now
        (the loaders say why when it is loaded).
    """
    declared = data.declared_task
    if declared is not None:
        return TaskProbe(declared, f"data.task: {declared.value}")
    if data.name in BUILTIN:
        return TaskProbe(Task.CLASSIFICATION, f"data set '{data.name}' has class labels")
    path = _find(data.name, base_dir)
    if path is None:
        return TaskProbe(None, "the data file cannot be read now")
    if path.suffix.lower() == ".npz":
        kind = _npz_label_kind(path)
        if kind is None:
            return TaskProbe(None, "the .npz file's y_train cannot be read now")
        task = Task.REGRESSION if kind in "fc" else Task.CLASSIFICATION
        what = "decimal (float) targets" if task is Task.REGRESSION else "integer, boolean or text labels (classes)"
        return TaskProbe(task, f"data.task: auto, and y_train holds {what}")
    cells, complete = _csv_label_cells(path, data.target, rows)
    if cells is None:
        return TaskProbe(None, "the CSV target column cannot be read now")
    kind = cells_kind(cells)
    task = Task.REGRESSION if kind == "decimals" else Task.CLASSIFICATION
    read = "holds" if complete else f"holds (in its first {len(cells):,} rows)"
    what = {"integers": "integers, read as classes", "decimals": "decimals, read as regression targets",
            "text": "text, read as classes"}[kind]  # fmt: skip
    return TaskProbe(task, f"data.task: auto, and the target column '{data.target}' {read} {what}",
                     certain=complete or kind == "text")  # fmt: skip


def _find(name: str, base_dir: str | os.PathLike[str] | None) -> Path | None:
    path = Path(name).expanduser()
    candidates = [path] if path.is_absolute() or base_dir is None else [Path(base_dir) / path, path]
    return next((c for c in candidates if c.is_file()), None)


def _npz_label_kind(path: Path) -> str | None:
    """The dtype kind of an ``.npz`` file's ``y_train``, read from its header only."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("y_train.npy") as member:
            version = np.lib.format.read_magic(member)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            return reader(member)[2].kind
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError):
        return None


def csv_header(path: Path) -> list[str] | None:
    """The column names of a CSV file's header row (None where it cannot be read)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return [h.strip() for h in next(csv.reader(handle), [])]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _csv_label_cells(path: Path, target: str | None, rows: int | None) -> tuple[list[str] | None, bool]:
    """The non-empty target cells of the first ``rows`` data rows, and whether that was all of them."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if target not in header:
                return None, False
            column = header.index(target)
            cells: list[str] = []
            for row in reader:
                if rows is not None and len(cells) >= rows:
                    return cells, False
                if len(row) > column and row[column].strip():
                    cells.append(row[column].strip())
            return cells, True
    except (OSError, UnicodeDecodeError, csv.Error):
        return None, False
