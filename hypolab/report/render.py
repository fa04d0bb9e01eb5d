"""Writing a hypothesis's report set: ``index.html``, ``results.json``, ``runs.csv``, ``summary.md``.

The page is rendered with Jinja2 with autoescaping on for every template, so
any text from a hypothesis file or a run (claim, arm names, error messages)
is shown as text. It is one self-contained file: inline CSS, figures as
``data:`` URIs, no script, no font or stylesheet fetched from anywhere.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab import outputs
from hypolab.errors import OutputError, ReportError
from hypolab.records import Hypothesis, RunResult
from hypolab.report import tables
from hypolab.report.numbers import fmt
from hypolab.report.page import GENERATOR, build_context, registration_context

TEMPLATES = Path(__file__).with_name("templates")



def write_report(
    h: Hypothesis,
    results: Sequence[RunResult],
    analysis: Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    command: str = "",
    index: bool = True,
    registered: tuple[str, str] | None = None,
) -> Path:
    """Write the report set of one hypothesis into ``out_dir`` and return ``index.html``.

    Writes ``index.html`` (the page), ``results.json`` (the analysis exactly as
    given, NaN/inf as null, plus a ``report`` entry naming the hypothesis),
    ``runs.csv`` (one row per run and final metric) and ``summary.md``. With
    ``index=True`` it then refreshes ``out_dir/../index.html``, the list of
    every report there, unless that file exists and was not written by hypolab.

    Args:
        h: the hypothesis as loaded from its file.
        results: every run of its arms (finished, diverged and failed).
        analysis: ``hypolab.stats.analyze(...).to_dict()`` (the JSON of issue 4).
        out_dir: the report's own folder, e.g. ``reports/batchsize``.
        command: the command line that produced the runs, shown for reproducibility.
        index: refresh the index of the parent folder.
        registered: ``(source, registered_at)``: the file's text as first
            registered in the run store before training
            (``RunStore.first_registration``). Where the file now reads
            otherwise, the page says so and shows what changed.

    Returns:
        The path of the written ``index.html``.

    Raises:
        ReportError: the analysis does not have the expected shape, or a file
            cannot be written.

    Example:
        >>> write_report(h, results, analyze(...).to_dict(), "reports/batchsize")
        PosixPath('reports/batchsize/index.html')
    """
    check_analysis(h, analysis)
    rendered_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    context = build_context(h, results, analysis, command=command, rendered_at=rendered_at)
    context.update(registration_context(h.source, registered))
    out = Path(out_dir)
    # The reports root is the report folder's parent: a report folder that is a
    # symlink to somewhere else is refused before anything is written.
    root = out.parent
    from hypolab.report import summary

    files = {
        "index.html": render("report.html.j2", context),
        "results.json": results_json(h, results, analysis, command=command, rendered_at=rendered_at),
        "runs.csv": runs_csv(results, [arm.name for arm in h.arms]),
        "summary.md": summary.summary_markdown(context),
    }
    try:
        outputs.make_folder(out, root=root, for_file=out / "index.html")
        if index:
            outputs.check_target(root / "index.html", root=root)
    except OutputError as exc:
        raise ReportError(str(exc)) from None
    for name, text in files.items():
        write_text(out / name, text, root=root)
    if index:
        from hypolab.report.index import write_index

        page = root / "index.html"
        # A symlink is never followed: inside the root the link is replaced, outside it is refused.
        if page.is_symlink() or not page.exists() or _written_by_hypolab(page):
            write_index(root)
    return out / "index.html"


def check_analysis(h: Hypothesis, analysis: Any) -> None:
    """Raise ``ReportError`` unless ``analysis`` has the fields a report needs."""
    expected = "Expected the dict of hypolab.stats.analyze(...).to_dict()."
    if not isinstance(analysis, Mapping):
        raise ReportError(
            f"Cannot render the report of '{h.name}': the analysis must be a dict. "
            f"Got {type(analysis).__name__}. {expected}"
        )
    for key in ("arms", "comparisons"):
        if not isinstance(analysis.get(key), list):
            got = "nothing" if key not in analysis else type(analysis[key]).__name__
            raise ReportError(
                f"Cannot render the report of '{h.name}': the analysis field '{key}' must be "
                f"a list. Got {got}. {expected}"
            )
    metric = analysis.get("metric")
    if metric is not None and metric != h.metric:
        raise ReportError(
            f"Cannot render the report of '{h.name}': the analysis is of metric '{metric}' "
            f"but the hypothesis compares '{h.metric}'. Analyse the metric the file names."
        )


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render one of the package's templates (autoescape on)."""
    import jinja2

    try:
        return _environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:  # a bug of ours, said plainly rather than as a traceback
        raise ReportError(f"Cannot render {template}: {exc}. This is a hypolab bug; please report it.") from exc


def results_json(
    h: Hypothesis,
    results: Sequence[RunResult],
    analysis: Mapping[str, Any],
    *,
    command: str,
    rendered_at: str,
) -> str:
    """``results.json``: the analysis as given, plus a ``report`` entry for the index."""
    finished = [r.finished_at for r in results if r.finished_at]
    meta = {
        "hypothesis": h.name,
        "path": h.path,
        "claim": h.claim,
        "metric": h.metric,
        "seeds": list(h.seeds),
        "arms": [arm.name for arm in h.arms],
        "runs": len(results),
        "runs_finished_at": max(finished) if finished else None,
        "rendered_at": rendered_at,
        "command": command,
    }
    return json.dumps(_json_safe({**analysis, "report": meta}), indent=2, allow_nan=False) + "\n"


def runs_csv(results: Sequence[RunResult], arm_names: Sequence[str] = ()) -> str:
    """``runs.csv``: one row per run and final metric (see ``tables.runs_csv_rows``)."""
    buffer = io.StringIO()
    fields = ["hypothesis", "arm", "seed", "key", "status", "metric", "value"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(tables.runs_csv_rows(results, arm_names))
    return buffer.getvalue()


def write_text(path: Path, text: str, *, root: str | os.PathLike[str] | None = None) -> None:
    """Write a file whole and atomically, never through a symlink, or raise ``ReportError``.

    Args:
        path: the file.
        text: its whole content.
        root: the reports root ``path`` must stay inside (symlinks resolved).
    """
    try:
        outputs.write_text(path, text, root=root)
    except OutputError as exc:
        raise ReportError(str(exc)) from None


def _written_by_hypolab(page: Path) -> bool:
    try:
        with page.open(encoding="utf-8", errors="replace") as handle:
            return GENERATOR in handle.read(2000)
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    return env


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):
        return _json_safe(value.value)  # an enum
    if hasattr(value, "item"):
        return value.item()  # a numpy scalar
    return value
