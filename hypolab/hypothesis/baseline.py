"""Baseline files: a ``base`` written by ``hypolab tune`` that a hypothesis builds on.

A hypothesis's ``baseline: baselines/mlp.yaml`` (relative to the hypothesis
file) takes that file's ``base:``; the hypothesis's own ``base`` is then
deep-merged over it. A baseline file holds ``base`` plus the tuner's metadata
(``source``, ``objective``, ``score``, ``trials``, ...) and the ``data`` it
was tuned on. Problems inside it are reported against the baseline file and
its lines.

A hypothesis records the exact baseline it used (``BaselineRef``: the file's
content hash), and ``check_tuned_data`` refuses a baseline tuned on other
data or another test split than the hypothesis's (its config may have been
chosen on the hypothesis's test examples). A baseline written before
``hypolab tune`` recorded its data gives a warning, not an error: hypolab
cannot tell, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hypolab.errors import SpecError, SpecErrors
from hypolab.fingerprint import data_fingerprint, file_sha256
from hypolab.inputs import kind_of_path
from hypolab.hypothesis.messages import kind_of, show
from hypolab.hypothesis.schema import BaselineFile
from hypolab.hypothesis.translate import locate, translate
from hypolab.hypothesis.yamlsource import Document, KeyPath, parse, read_file
from hypolab.records import BaselineRef, DataConfig


@dataclass
class Layer:
    """A document holding a base config at ``prefix`` (a hypothesis file's or a baseline's).

    A baseline's layer also has ``ref`` (its path and content hash) and
    ``tuned_on`` (the data config it records, None where it records none).
    """

    doc: Document
    prefix: KeyPath
    config: Mapping[str, Any]
    ref: BaselineRef | None = None
    tuned_on: DataConfig | None = None


def load_baseline(doc: Document, path: Path) -> tuple[Layer | None, list[SpecError]]:
    """Read the baseline file a hypothesis names.

    Args:
        doc: the hypothesis document (where a missing file is reported).
        path: the baseline file, already joined to the hypothesis file's folder.

    Returns:
        ``(layer, errors)``: the baseline's ``base`` as a layer (None where it
        cannot be used) and the problems found.
    """
    kind = kind_of_path(path)
    if kind is not None:
        return None, [
            doc.error(
                ("baseline",),
                f"baseline file {show(path.as_posix())} is {kind}, not a regular file. Expected the "
                "YAML file 'hypolab tune' writes: give the path of the file itself.",
                shown="",
            )
        ]
    if not path.is_file():
        return None, [
            doc.error(
                ("baseline",),
                f"baseline file {show(path.as_posix())} not found. The path is looked up in the "
                "hypothesis file's folder, then in the working directory; write one with "
                "'hypolab tune' or fix the path.",
                shown="",
            )
        ]
    file = path.as_posix()
    try:
        bdoc = parse(read_file(path, file, what="baseline file"), file)
    except SpecErrors as exc:
        return None, list(exc.errors)
    except SpecError as exc:
        return None, [exc]
    if not isinstance(bdoc.data, dict):
        got = "an empty file" if bdoc.data is None else kind_of(bdoc.data)
        return None, [bdoc.error((), f"a baseline file must be a mapping with a 'base' key. Got {got}.")]
    try:
        BaselineFile.model_validate(bdoc.data)
    except ValidationError as exc:
        return None, [locate(bdoc, problem) for problem in translate(exc, BaselineFile, bdoc.data)]
    try:
        ref = BaselineRef(path=file, sha256=file_sha256(path))
    except OSError as exc:
        return None, [doc.error(("baseline",), f"cannot read the baseline file {show(file)}: {exc.strerror or exc}.",
                                shown="")]  # fmt: skip
    return Layer(bdoc, ("base",), bdoc.data["base"], ref=ref, tuned_on=_tuned_on(bdoc.data.get("data"))), []


def _tuned_on(recorded: Any) -> DataConfig | None:
    """The data config a baseline file records (``hypolab tune`` writes ``data:``), or None."""
    if not isinstance(recorded, Mapping) or not isinstance(recorded.get("name"), str):
        return None
    fields = ("name", "target", "validation_split", "test_split", "split_seed", "subset", "fingerprint")
    return DataConfig(**{key: recorded[key] for key in fields if key in recorded})


def check_tuned_data(doc: Document, baseline: Layer, data: DataConfig) -> tuple[list[SpecError], list[str]]:
    """A baseline tuned on other data or another test split than ``data``: an error naming both.

    The test split is decided by the data's content, its labels (``target``),
    ``test_split`` and ``split_seed`` (``DataConfig.test_split_identity``);
    ``validation_split`` and ``subset`` may differ. A baseline that records
    no data (written before hypolab recorded it) is a warning.

    Returns:
        ``(errors, warnings)``.
    """
    file = baseline.ref.path if baseline.ref else "the baseline"
    tuned = baseline.tuned_on
    if tuned is None:
        return [], [f"baseline {file} records no data config (written by an older 'hypolab tune'), so hypolab "
                    f"cannot check that it was tuned on this hypothesis's data and test split; run 'hypolab "
                    "tune' again to record them."]  # fmt: skip
    if tuned.fingerprint is None:
        tuned = DataConfig(**{**tuned.to_dict(), "fingerprint": data_fingerprint(tuned)})
    mine, theirs = data.test_split_identity(), tuned.test_split_identity()
    if mine["source"] is None or theirs["source"] is None:  # content unknown on one side: compare by name
        mine["source"], theirs["source"] = _source_name(data), _source_name(tuned)
    if mine == theirs:
        return [], []
    return [
        doc.error(
            ("baseline",),
            f"baseline {show(file)} was tuned on {_describe(tuned)} but this hypothesis uses {_describe(data)}. "
            "Its config may have been chosen on this hypothesis's test examples. Expected the same data, "
            "target, test_split and split_seed; tune a baseline on this data and split ('hypolab tune'), "
            "or use the baseline's.",
            shown="",
        )
    ], []


def _source_name(data: DataConfig) -> str:
    return data.name if data.fingerprint is None else data.fingerprint


def _describe(data: DataConfig) -> str:
    parts = []
    if data.fingerprint and data.fingerprint != data.name:
        parts.append(f"content {data.fingerprint[:23]}...")
    if data.target:
        parts.append(f"target {data.target!r}")
    parts += [f"test_split {data.test_split:g}", f"split_seed {data.split_seed}"]
    return f"{data.name!r} ({', '.join(parts)})"
