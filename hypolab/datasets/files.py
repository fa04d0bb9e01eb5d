"""The user's own data: ``.npz`` arrays and ``.csv`` tables.

Labels decide the task: integer, boolean or text labels are classes
(re-encoded ``0..k-1`` in sorted order, the original values kept as class
names); float labels are regression targets. In a CSV file a target column
whose every cell is an integer (``3``, ``-1``) is classes; one with a decimal
point or exponent anywhere (``3.0``, ``2.5e3``) is regression; other text
(``cat``) is classes.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import numpy as np

from hypolab.datasets.splits import RawData, encode_labels, infer_task
from hypolab.errors import DataError
from hypolab.records import Task

_INT = re.compile(r"^[+-]?\d+$")


def load_npz(path: Path) -> RawData:
    """Read ``x_train``, ``y_train`` and optional ``x_test``, ``y_test`` from a ``.npz`` file.

    ``x`` of shape ``(n,)`` or ``(n, features)`` is tabular (standardised);
    ``(n, height, width)`` or ``(n, height, width, channels)`` is images
    (a channel axis is added; uint8 pixels are divided by 255, other pixels by
    the training split's maximum).

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
            "Expected x_train and y_train, and optionally x_test and y_test."
        )
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise DataError(f"{path}: has only one of x_test and y_test. Expected both or neither.")
    x, y = arrays["x_train"], _labels(path, "y_train", arrays["y_train"])
    x_test = arrays.get("x_test")
    y_test = _labels(path, "y_test", arrays["y_test"]) if "y_test" in arrays else None
    for xk, xa, yk, ya in (("x_train", x, "y_train", y), ("x_test", x_test, "y_test", y_test)):
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
    if x_test is not None and x_test.shape[1:] != x.shape[1:]:
        raise DataError(
            f"{path}: x_test examples have shape {x_test.shape[1:]} but x_train's have {x.shape[1:]}. "
            "Expected the same shape."
        )
    images = x.ndim >= 3
    if x.ndim == 1:
        x, x_test = x[:, None], (None if x_test is None else x_test[:, None])
    elif x.ndim == 3:
        x, x_test = x[..., None], (None if x_test is None else x_test[..., None])
    task = infer_task(y)
    names: tuple[str, ...] = ()
    if task is Task.CLASSIFICATION:
        y, y_test, names = encode_labels(str(path), y, y_test)
    pixel_max = 255.0 if images and x.dtype == np.uint8 else None
    return RawData(x, y, x_test, y_test, images, task, names, pixel_max)


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


def load_csv(path: Path, target: str | None) -> RawData:
    """Read a comma-separated file with a header row; ``target`` names the label column.

    Every other column is a numeric feature (standardised with the training
    split's mean and standard deviation).

    Raises:
        DataError: no target given or found, a non-numeric feature cell (the
            message names the line and column), ragged rows, or no data rows.
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
    if target not in header:
        hint = ""
        if len(header) == 1 and any(d in header[0] for d in ";\t|"):
            hint = " The file seems not to be comma-separated; hypolab reads comma-separated files."
        raise DataError(
            f"{path}: data.target: no column {target!r}. Columns found: {', '.join(map(repr, header))}.{hint}"
        )
    body = [
        (line, row) for line, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)
    ]
    if not body:
        raise DataError(f"{path}: no data rows after the header. Expected at least one row.")
    t = header.index(target)
    features = [i for i in range(len(header)) if i != t]
    if not features:
        raise DataError(
            f"{path}: only the target column {target!r}. Expected at least one feature column."
        )
    labels = []
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
    x = _features(path, header, body, features)
    y = _target_array(labels)
    task = infer_task(y)
    names: tuple[str, ...] = ()
    if task is Task.CLASSIFICATION:
        y, _, names = encode_labels(str(path), y, None)
    return RawData(x, y, None, None, False, task, names, None)


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


def _target_array(labels: list[str]) -> np.ndarray:
    if all(_INT.match(v) for v in labels):
        return np.array([int(v) for v in labels], dtype=np.int64)
    try:
        values = np.array([float(v) for v in labels], dtype=np.float64)
    except ValueError:
        return np.array(labels)  # text classes
    if not np.isfinite(values).all():
        return np.array(labels)  # "nan"/"inf" labels are names, not targets
    return values
