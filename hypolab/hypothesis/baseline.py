"""Baseline files: a ``base`` written by ``hypolab tune`` that a hypothesis builds on.

A hypothesis's ``baseline: baselines/mlp.yaml`` (relative to the hypothesis
file) takes that file's ``base:``; the hypothesis's own ``base`` is then
deep-merged over it. A baseline file holds ``base`` plus the tuner's metadata
(``source``, ``objective``, ``score``, ``trials``, ...). Problems inside it
are reported against the baseline file and its lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hypolab.errors import SpecError, SpecErrors
from hypolab.inputs import kind_of_path
from hypolab.hypothesis.messages import kind_of, show
from hypolab.hypothesis.schema import BaselineFile
from hypolab.hypothesis.translate import locate, translate
from hypolab.hypothesis.yamlsource import Document, KeyPath, parse, read_file


@dataclass
class Layer:
    """A document holding a base config at ``prefix`` (a hypothesis file's or a baseline's)."""

    doc: Document
    prefix: KeyPath
    config: Mapping[str, Any]


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
    return Layer(bdoc, ("base",), bdoc.data["base"]), []
