"""The user's own data: ``.npz`` arrays and ``.csv`` tables.

``data.task`` decides the task (``hypolab.tasks``, the one rule): with
``auto``, integer, boolean or text labels are classes (re-encoded ``0..k-1``
in sorted order, the original values kept as class names) and float labels
regression targets; in a CSV file a target column whose every cell is an
integer (``3``, ``-1``) is classes, one with a decimal point or exponent
anywhere (``3.0``, ``2.5e3``) regression, other text (``cat``) classes.
``classification`` or ``regression`` say it outright.

Splits the file brings are used as given: an ``.npz`` file's ``x_val``/``y_val``
and ``x_test``/``y_test``, a CSV file's ``data.split_column`` (``train``,
``validation`` or ``val``, ``test``).
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np

from hypolab.datasets.splits import RawData, encode_labels
from hypolab.errors import DataError
from hypolab.records import Task
from hypolab.tasks import cells_kind, task_of_array

#: A split column's words for each split (case and spaces ignored).
SPLIT_WORDS: dict[str, str] = {"train": "train", "validation": "val", "val": "val", "test": "test"}


def load_npz(path: Path, task: Task | None = None) -> RawData:
    """Read ``x_train``, ``y_train`` and optional ``x_val``, ``y_val``, ``x_test``, ``y_test`` from a ``.npz`` file.

    ``x`` of shape ``(n,)`` or ``(n, features)`` is tabular (standardised);
    ``(n, height, width)`` or ``(n, height, width, channels)`` is images
    (a channel axis is added; uint8 pixels are divided by 255, other pixels by
    the training split's maximum). ``task`` is the declared ``data.task``
    (None: decided from ``y_train``'s dtype).

    Raises:
        DataError: the file is unreadable, a key is missing, or shapes disagree.
    """
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(
            f"{path}: cannot read it as a .npz file ({type(exc).__name__}: {exc}). "
            "Expected a file written by numpy.savez(path, x_train=..., y_train=...)."
        ) from exc
    missing = [k for k in ("x_train", "y_train") if k not in arrays]
    if missing:
        raise DataError(
            f"{path}: missing array(s) {', '.join(missing)}. Found: {', '.join(sorted(arrays)) or 'none'}. "
            "Expected x_train and y_train, and optionally x_val and y_val, x_test and y_test."
        )
    for split in ("val", "test"):
        if (f"x_{split}" in arrays) != (f"y_{split}" in arrays):
            raise DataError(f"{path}: has only one of x_{split} and y_{split}. Expected both or neither.")
    x, y = arrays["x_train"], _labels(path, "y_train", arrays["y_train"])
    x_test, x_val = arrays.get("x_test"), arrays.get("x_val")
    y_test = _labels(path, "y_test", arrays["y_test"]) if "y_test" in arrays else None
    y_val = _labels(path, "y_val", arrays["y_val"]) if "y_val" in arrays else None
    for xk, xa, yk, ya in (("x_train", x, "y_train", y), ("x_test", x_test, "y_test", y_test),
                           ("x_val", x_val, "y_val", y_val)):  # fmt: skip
        if xa is None:
            continue
        if xa.dtype.kind not in "biuf":
            raise DataError(f"{path}: {xk} has dtype {xa.dtype}. Expected numbers (int or float).")
        if len(xa) != len(ya):
            raise DataError(
                f"{path}: {xk} has {len(xa)} examples but {yk} has {len(ya)}. Expected the same number."
            )
        if xa.dtype.kind == "f" and not np.isfinite(xa).all():
            row = int(np.argwhere(~np.isfinite(xa.reshape(len(xa), -1)))[0][0])
            raise DataError(
                f"{path}: {xk} holds NaN or inf (first at example {row}). Expected finite numbers."
            )
    if x.ndim > 4 or x.ndim < 1:
        raise DataError(
            f"{path}: x_train has shape {x.shape}. Expected (n, features), (n, height, width) "
            "or (n, height, width, channels)."
        )
    for key, other in (("x_test", x_test), ("x_val", x_val)):
        if other is not None and other.shape[1:] != x.shape[1:]:
            raise DataError(
                f"{path}: {key} examples have shape {other.shape[1:]} but x_train's have {x.shape[1:]}. "
                "Expected the same shape."
            )
    images = x.ndim >= 3
    if x.ndim in (1, 3):
        x, x_test, x_val = (None if a is None else a[..., None] for a in (x, x_test, x_val))
    task = task_of_array(y, task)
    names: tuple[str, ...] = ()
    if task is Task.CLASSIFICATION:
        y, y_test, names, y_val = encode_labels(str(path), y, y_test, y_val)
    else:
        y, y_test, y_val = (None if a is None else _targets(path, a) for a in (y, y_test, y_val))
    pixel_max = 255.0 if images and x.dtype == np.uint8 else None
    return RawData(x, y, x_test, y_test, images, task, names, pixel_max, x_val=x_val, y_val=y_val)


def _targets(path: Path, y: np.ndarray) -> np.ndarray:
    """Regression targets as float64; labels that are not numbers cannot be."""
    if y.dtype.kind not in "biuf":
        raise DataError(f"{path}: data.task is regression, but the labels are {y.dtype} values (text). "
                        "Expected numbers, or data.task: classification.")  # fmt: skip
    return y.astype(np.float64)


def _labels(path: Path, key: str, y: np.ndarray) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(
            f"{path}: {key} has shape {y.shape}. Expected one label per example, shape (n,) "
            "(integer class labels, not one-hot, or float regression targets)."
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise DataError(f"{path}: {key} holds NaN or inf. Expected finite labels.")
    return y


def load_csv(path: Path, target: str | None, task: Task | None = None, split_column: str | None = None) -> RawData:
    """Read a comma-separated file with a header row; ``target`` names the label column.

    Every other column is a numeric feature (standardised with the training
    split's mean and standard deviation), but ``split_column``, which names
    each row's split (``train``, ``validation`` or ``val``, ``test``); rows of
    a split it names are that split, the splits it leaves out are drawn from
    its ``train`` rows. ``task`` is the declared ``data.task`` (None: decided
    from the target cells, ``hypolab.tasks``).

    Raises:
        DataError: no target given or found, a non-numeric feature cell (the
            message names the line and column), ragged rows, no data rows, or
            a split cell that is not a split's name.
    """
    if not target:
        raise DataError(
            f"{path}: data.target is not set. Expected the name of the CSV column that holds the labels."
        )
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read it as a UTF-8 CSV file: {exc}") from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise DataError(
            f"{path}: the file is empty. Expected a header row naming the columns, then data rows."
        )
    header = [h.strip() for h in rows[0]]
    for key, column in (("data.target", target), ("data.split_column", split_column)):
        if column is not None and column not in header:
            hint = ""
            if len(header) == 1 and any(d in header[0] for d in ";\t|"):
                hint = " The file seems not to be comma-separated; hypolab reads comma-separated files."
            raise DataError(
                f"{path}: {key}: no column {column!r}. Columns found: {', '.join(map(repr, header))}.{hint}"
            )
    body = [
        (line, row) for line, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)
    ]
    if not body:
        raise DataError(f"{path}: no data rows after the header. Expected at least one row.")
    t = header.index(target)
    s = header.index(split_column) if split_column is not None else None
    features = [i for i in range(len(header)) if i not in (t, s)]
    if not features:
        raise DataError(
            f"{path}: only the target column {target!r}. Expected at least one feature column."
        )
    labels, splits = [], []
    for line, row in body:
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {line} has {len(row)} fields but the header has {len(header)}. "
                "Expected the same number on every line."
            )
        label = row[t].strip()
        if not label:
            raise DataError(
                f"{path}: line {line}, column {target!r}: the label is empty. Expected a value."
            )
        labels.append(label)
        if s is not None:
            splits.append(_split_of(path, line, split_column, row[s]))
    x = _features(path, header, body, features)
    y = _target_array(path, labels, task)
    task = Task.REGRESSION if y.dtype.kind == "f" else Task.CLASSIFICATION
    return _with_splits(str(path), x, y, task, splits)


def _split_of(path: Path, line: int, column: str | None, cell: str) -> str:
    word = cell.strip().lower()
    if word not in SPLIT_WORDS:
        raise DataError(f"{path}: line {line}, column {column!r}: {cell!r} is not a split. Expected train, "
                        "validation (or val) or test.")  # fmt: skip
    return SPLIT_WORDS[word]


def _with_splits(source: str, x: np.ndarray, y: np.ndarray, task: Task, splits: list[str]) -> RawData:
    """The table as ``RawData``: its named splits apart, its classes encoded."""
    where = np.asarray(splits) if splits else np.full(len(y), "train")
    parts = {name: (x[where == name], y[where == name]) for name in ("train", "val", "test")}
    if not len(parts["train"][1]):
        raise DataError(f"{source}: data.split_column names no row 'train'. Expected training rows.")
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = (
        (a, b) if len(b) else (None, None) for a, b in (parts["train"], parts["val"], parts["test"]))  # fmt: skip
    names: tuple[str, ...] = ()
    if task is Task.CLASSIFICATION:
        y_train, y_test, names, y_val = encode_labels(source, y_train, y_test, y_val)
    return RawData(x_train, y_train, x_test, y_test, False, task, names, None, x_val=x_val, y_val=y_val)


def _features(path: Path, header: list[str], body: list, features: list[int]) -> np.ndarray:
    cells = [[row[i] for i in features] for _, row in body]
    try:
        # numpy parses the whole table in C; only a failure walks it cell by cell.
        x = np.array(cells, dtype=np.float64)
    except ValueError:
        x = None
    if x is not None and np.isfinite(x).all():
        return x
    return np.array(
        [
            [_number(path, line, header[i], cell) for i, cell in zip(features, values, strict=True)]
            for (line, _), values in zip(body, cells, strict=True)
        ],
        dtype=np.float64,
    )


def _number(path: Path, line: int, column: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = None
    if value is None or not np.isfinite(value):
        raise DataError(
            f"{path}: line {line}, column {column!r}: {cell!r} is not a number. "
            "Expected numeric features (only the target column may hold text); "
            "encode categories as numbers or drop the column."
        )
    return value


def _target_array(path: Path, labels: list[str], task: Task | None) -> np.ndarray:
    """The target column as an array: int64 classes, float64 targets, or text classes (``hypolab.tasks``)."""
    kind = cells_kind(labels)
    if task is Task.REGRESSION:
        if kind == "text":
            bad = next(v for v in labels if cells_kind([v]) == "text")
            raise DataError(f"{path}: data.task is regression, but the target column holds {bad!r}, which is not a "
                            "number. Expected numeric targets, or data.task: classification.")  # fmt: skip
        return np.array([float(v) for v in labels], dtype=np.float64)
    if kind == "integers":
        return np.array([int(v) for v in labels], dtype=np.int64)
    if kind == "decimals" and task is None:
        return np.array([float(v) for v in labels], dtype=np.float64)
    return np.array(labels)  # text classes, or decimals declared classes (their text is each class's name)
