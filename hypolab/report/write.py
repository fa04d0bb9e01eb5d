"""Writing a hypothesis's report set: ``index.html``, ``results.json``, ``runs.csv``, ``summary.md``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypolab import outputs
from hypolab.errors import OutputError, ReportError
from hypolab.fingerprint import text_sha256
from hypolab.records import Analysis, Hypothesis, Registration, RunResult
from hypolab.report import summary
from hypolab.report.index import write_index
from hypolab.report.page import build_context, registration_context
from hypolab.report.render import render, write_text, written_by_hypolab
from hypolab.report.results import ReportInfo, results_json, runs_csv


def write_report(
    h: Hypothesis,
    results: Sequence[RunResult],
    analysis: Analysis,
    out_dir: str | os.PathLike[str],
    *,
    command: str = "",
    index: bool = True,
    registered: tuple[str, str] | Registration | None = None,
) -> Path:
    """Write the report set of one hypothesis into ``out_dir`` and return ``index.html``.

    Writes ``index.html`` (the page), ``results.json`` (``analysis.to_dict()``
    at full precision, NaN/inf as null, plus a ``report`` entry naming the
    hypothesis), ``runs.csv`` (one row per run and final metric) and
    ``summary.md``. With ``index=True`` it then refreshes
    ``out_dir/../index.html``, the list of every report there, unless that
    file exists and was not written by hypolab.

    Args:
        h: the hypothesis as loaded from its file.
        results: every run of its arms (finished, diverged and failed).
        analysis: the ``Analysis`` record of ``h`` on ``results``, as
            ``hypolab.analyze_hypothesis(h, results)`` (or ``hypolab.stats.analyze``
            with the file's settings) returns it.
        out_dir: the report's own folder, e.g. ``reports/batchsize``.
        command: the command line that produced the runs, shown for reproducibility.
        index: refresh the index of the parent folder.
        registered: ``(source, registered_at)``: the file's text as first
            registered in the run store before training
            (``RunStore.first_registration``), or the ``Registration`` record
            (``RunStore.registration``, which also holds the baseline used then).
            Where the file (or its baseline) now reads otherwise, the page,
            ``summary.md``, ``results.json`` (``registration``) and the index say
            so, and the page shows what changed.

    Returns:
        The path of the written ``index.html``.

    Raises:
        ReportError: ``analysis`` is not an ``Analysis`` of this hypothesis,
            or a file cannot be written.

    Example:
        >>> write_report(h, results, hypolab.analyze_hypothesis(h, results), "reports/batchsize")
        PosixPath('reports/batchsize/index.html')
    """
    check_analysis(h, analysis)
    rendered_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    context = build_context(h, results, analysis, command=command, rendered_at=rendered_at)
    if isinstance(registered, tuple):
        registered = Registration(source=registered[0], sha256=text_sha256(registered[0]), registered_at=registered[1])
    from hypolab.hypothesis.registration import check_registration

    check = check_registration(h, registered)
    context.update(registration_context(h.source, None if registered is None else
                                        (registered.source, registered.registered_at)))  # fmt: skip
    context["registration"] = check
    out = Path(out_dir)
    # The reports root is the report folder's parent: a report folder that is a
    # symlink to somewhere else is refused before anything is written.
    root = out.parent
    info = ReportInfo.of(h, results, command=command, rendered_at=rendered_at, registration=check)
    files = {
        "index.html": render("report.html.j2", context),
        "results.json": results_json(analysis, info),
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
        page = root / "index.html"
        # A symlink is never followed: inside the root the link is replaced, outside it is refused.
        if page.is_symlink() or not page.exists() or written_by_hypolab(page):
            write_index(root)
    return out / "index.html"


def check_analysis(h: Hypothesis, analysis: Any) -> None:
    """Raise ``ReportError`` unless ``analysis`` is an ``Analysis`` of ``h`` (its metric, settings, arms)."""
    cannot = f"Cannot render the report of '{h.name}'"
    expected = ("Expected the Analysis record that hypolab.analyze_hypothesis(h, results) "
                "returns")  # fmt: skip
    if isinstance(analysis, Mapping):
        raise ReportError(
            f"{cannot}: the analysis must be an Analysis record. Got a dict. {expected}; pass that "
            "record, or turn a dict such as results.json back into one with Analysis.from_dict(data)."
        )
    if not isinstance(analysis, Analysis):
        raise ReportError(f"{cannot}: the analysis must be an Analysis record. "
                          f"Got {type(analysis).__name__}. {expected}.")  # fmt: skip
    if analysis.metric != h.metric:
        raise ReportError(
            f"{cannot}: the analysis is of metric '{analysis.metric}' but the hypothesis compares "
            f"'{h.metric}'. Analyse the metric the file names."
        )
    settings = (("control", analysis.control, h.control.name), ("direction", analysis.direction, h.direction),
                ("alpha", analysis.alpha, h.alpha), ("margin", analysis.margin, h.margin))  # fmt: skip
    for key, got, wanted in settings:
        if got != wanted:
            raise ReportError(
                f"{cannot}: the analysis has {key} {_show(got)} but the hypothesis sets "
                f"{_show(wanted)}. {expected}, which uses the file's settings."
            )
    unknown = [a.name for a in analysis.arms if a.name not in {arm.name for arm in h.arms}]
    if unknown:
        raise ReportError(f"{cannot}: the analysis has arms {unknown} that the hypothesis does not. "
                          f"Expected arms among {[arm.name for arm in h.arms]}.")  # fmt: skip


def _show(value: Any) -> str:
    return repr(getattr(value, "value", value))
