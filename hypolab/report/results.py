"""The data files beside the page: ``results.json`` (written and read back) and ``runs.csv``.

``results.json`` is ``Analysis.to_dict()`` exactly, at full precision (NaN
and infinity as null), plus one ``report`` entry (``ReportInfo``) that the
index of all reports reads. It is the one place the report writes the
analysis as JSON, and ``read_results`` the one place it reads it back.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hypolab.records import Analysis, Hypothesis, RegistrationCheck, RunResult
from hypolab.report import csvcells, tables


@dataclass(frozen=True)
class ReportInfo:
    """The ``report`` entry of ``results.json``: which hypothesis, which runs, when.

    Args:
        hypothesis: the hypothesis's name (its report folder).
        path: the hypothesis file as given.
        claim: the claim in words.
        metric: the metric compared.
        seeds: the seeds every arm was planned with.
        arms: the arm names, control first.
        runs: how many runs the report was rendered from.
        runs_finished_at: when the last of them finished (ISO 8601), or None.
        rendered_at: when the report was rendered (ISO 8601, UTC).
        command: the command line that produced the runs.
        registration: how the file compared with its registration when rendered
            (``results.json``'s top-level ``registration`` entry); None where unknown.
    """

    hypothesis: str
    path: str
    claim: str
    metric: str
    seeds: tuple[int, ...]
    arms: tuple[str, ...]
    runs: int
    runs_finished_at: str | None
    rendered_at: str
    command: str
    registration: RegistrationCheck | None = None

    @classmethod
    def of(cls, h: Hypothesis, results: Sequence[RunResult], *, command: str,
           rendered_at: str, registration: RegistrationCheck | None = None) -> ReportInfo:
        """The entry for ``h`` rendered from ``results``."""
        finished = [r.finished_at for r in results if r.finished_at]
        return cls(hypothesis=h.name, path=h.path, claim=h.claim, metric=h.metric,
                   seeds=tuple(h.seeds), arms=tuple(arm.name for arm in h.arms),
                   runs=len(results), runs_finished_at=max(finished) if finished else None,
                   rendered_at=rendered_at, command=command, registration=registration)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        entry = {**asdict(self), "seeds": list(self.seeds), "arms": list(self.arms)}
        del entry["registration"]  # its own top-level entry of results.json
        return entry

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], registration: Mapping[str, Any] | None = None) -> ReportInfo:
        return cls(hypothesis=str(data["hypothesis"]), path=str(data["path"]),
                   claim=str(data["claim"]), metric=str(data["metric"]),
                   seeds=tuple(data["seeds"]), arms=tuple(data["arms"]), runs=int(data["runs"]),
                   runs_finished_at=data["runs_finished_at"], rendered_at=str(data["rendered_at"]),
                   command=str(data["command"]),
                   registration=None if registration is None else RegistrationCheck.from_dict(dict(registration)))  # fmt: skip


def results_json(analysis: Analysis, info: ReportInfo, secondary: Sequence[Analysis] = ()) -> str:
    """``results.json``: ``analysis.to_dict()``, the ``report`` entry and the ``registration`` entry, NaN/inf as null.

    The secondary metrics' analyses, where the file names any, are its
    ``secondary`` entry: a list of ``Analysis.to_dict()``, one per metric.
    """
    data = {**analysis.to_dict(), "report": info.to_dict(),
            "registration": None if info.registration is None else info.registration.to_dict()}  # fmt: skip
    if secondary:
        data["secondary"] = [extra.to_dict() for extra in secondary]
    return json.dumps(_finite(data), indent=2, allow_nan=False) + "\n"


def read_results(path: Path) -> tuple[Analysis, ReportInfo]:
    """The analysis and the ``report`` entry of a ``results.json`` hypolab wrote.

    Raises:
        OSError: the file cannot be read.
        ValueError: it is not JSON, or not the JSON ``results_json`` writes
            (the message says what is wrong).
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("report"), dict):
        raise ValueError("not a hypolab report's results: no 'report' entry")
    try:
        return Analysis.from_dict(data), ReportInfo.from_dict(data["report"], data.get("registration"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not the analysis hypolab writes ({type(exc).__name__}: {exc})") from None


#: The columns of ``runs.csv``; ``value`` holds numbers, the others text.
RUNS_CSV_COLUMNS = ("hypothesis", "arm", "seed", "key", "status", "engine", "timing", "metric", "value")


def runs_csv(results: Sequence[RunResult], arm_names: Sequence[str] = ()) -> str:
    """``runs.csv``: one row per run and final metric (see ``tables.runs_csv_rows``).

    Text cells a spreadsheet would evaluate (``=HYPERLINK(...)`` as an arm
    name) are neutralised (``csvcells``); ``hypolab analyze`` reads them back
    as written.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RUNS_CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in tables.runs_csv_rows(results, arm_names):
        writer.writerow({key: csvcells.neutralise(value) if isinstance(value, str) and key != "value" else value
                         for key, value in row.items()})  # fmt: skip
    return buffer.getvalue()


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
