"""Checks of a file's ``data:``: the data set exists and is readable, its split settings fit it.

``check_data`` is shared by hypothesis files and search files (``tuning/searchspec.py``);
like every check it returns ``SpecError``s pointing into the ``Document`` and never raises.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypolab.errors import SpecError
from hypolab.inputs import kind_of_path
from hypolab.hypothesis.messages import show, suggest
from hypolab.hypothesis.schema import DataSpec
from hypolab.hypothesis.vocabulary import BUILTIN_DATASETS, DATA_FILE_SUFFIXES
from hypolab.hypothesis.yamlsource import Document


def check_data(data: DataSpec, doc: Document, folder: Path) -> tuple[str | None, list[SpecError]]:
    """Check the data set name: built in, or an existing .npz/.csv file.

    A file is looked up relative to the hypothesis file's folder first, then
    the working directory. Search files check their ``data`` with it too.

    Returns:
        ``(name, errors)``: the name to load (a file path as found) and errors.
    """
    name = data.name
    if name in BUILTIN_DATASETS:
        for key, value, own in (("target", data.target, "labels"), ("split_column", data.split_column, "splits")):
            if value is not None:
                return None, [
                    doc.error(
                        ("data", key),
                        f"'{key}' is for CSV files only; data set '{name}' has its own {own}. Remove '{key}'.",
                        shown="data",
                    )
                ]
        if data.task not in ("auto", BUILTIN_DATASETS[name].value):
            return None, [
                doc.error(
                    ("data", "task"),
                    f"data set '{name}' is {BUILTIN_DATASETS[name].value} (its labels are classes). "
                    f"Got data.task: {data.task}. Remove 'task' or write task: {BUILTIN_DATASETS[name].value}.",
                    shown="data",
                )
            ]
        return name, []
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in DATA_FILE_SUFFIXES:
        return None, [
            doc.error(
                ("data", "name"),
                f"unknown data set {show(name)}. Expected one of "
                f"{', '.join(BUILTIN_DATASETS)} or a .npz/.csv file path.{suggest(name, BUILTIN_DATASETS)}",
                shown="data",
            )
        ]
    candidates = [folder / name, Path(name)]
    found = next((c for c in candidates if c.is_file()), None)
    errors: list[SpecError] = []
    other = next(((c, kind) for c in candidates if (kind := kind_of_path(c)) is not None), None)
    if found is None and other is not None:
        errors.append(
            doc.error(
                ("data", "name"),
                f"data file {show(name)} is {other[1]} ({show(str(other[0]))}), not a regular file. "
                f"Expected a {suffix} file: give the path of the file itself.",
                shown="data",
            )
        )
    elif found is None:
        errors.append(
            doc.error(
                ("data", "name"),
                f"data file {show(name)} not found (looked in {show(str(folder))} and the working "
                "directory). Check the path; relative paths start at the hypothesis file's folder.",
                shown="data",
            )
        )
    if suffix == ".csv" and data.target is None:
        errors.append(
            doc.error(
                ("data",),
                "CSV data needs 'target': the name of the label column. Add 'target: <column>' "
                "to data.",
                shown="data",
            )
        )
    if found is not None and suffix == ".csv" and data.split_column is not None:
        errors.extend(_split_column_problems(data, doc, found))
    if suffix != ".csv" and data.split_column is not None:
        errors.append(
            doc.error(
                ("data", "split_column"),
                "'split_column' is for CSV files only; a .npz file gives its own splits as x_val/y_val and "
                "x_test/y_test arrays. Remove 'split_column'.",
                shown="data",
            )
        )
    if suffix == ".npz" and data.target is not None:
        errors.append(
            doc.error(
                ("data", "target"),
                "'target' is for CSV files only; a .npz file holds x and y arrays. Remove 'target'.",
                shown="data",
            )
        )
    return (str(found) if found is not None else None), errors


def _split_column_problems(data: DataSpec, doc: Document, path: Path) -> list[SpecError]:
    """``split_column`` must be a column of the CSV's header, and not the target."""
    from hypolab.tasks import csv_header

    header = csv_header(path)
    if header is None or data.split_column in header and data.split_column != data.target:
        return []
    why = ("it is the target column" if data.split_column == data.target
           else f"the header has no such column (columns: {', '.join(map(show, header))})")  # fmt: skip
    return [doc.error(("data", "split_column"), f"'split_column' {show(data.split_column)} cannot name the splits: "
                      f"{why}. Expected a column holding train, validation (or val) or test for each row.",
                      shown="data")]  # fmt: skip
