"""Writing a hypothesis's report set: ``index.html``, ``results.json``, ``runs.csv``, ``summary.md``."""

from __future__ import annotations

import contextlib
import os
import tempfile
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
from hypolab.report.render import render, written_by_hypolab
from hypolab.report.results import ReportInfo, read_results, results_json, runs_csv

#: The files of a report set, in the order they are renamed into place: ``index.html``
#: first, so a set cut short by a crash between renames still has hypolab's page.
REPORT_FILES = ("index.html", "results.json", "runs.csv", "summary.md")

#: How to get out of a refused report folder.
FIX = "choose another with --out (hypolab report) or --reports (hypolab test), or move the files away"


def write_report(
    h: Hypothesis,
    results: Sequence[RunResult],
    analysis: Analysis,
    out_dir: str | os.PathLike[str],
    *,
    command: str = "",
    index: bool = True,
    registered: tuple[str, str] | Registration | None = None,
    secondary: Sequence[Analysis] = (),
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
        secondary: the analyses of the file's ``secondary_metrics``
            (``hypolab.pipeline.analyze_secondary``), shown beside the verdict
            and kept in ``results.json``'s ``secondary`` entry; never part of the verdict.

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
    for extra in secondary:
        if not isinstance(extra, Analysis) or extra.metric not in h.secondary_metrics:
            raise ReportError(f"cannot write the report of {h.name}: secondary analyses must be Analysis records of "
                              f"the file's secondary_metrics ({', '.join(h.secondary_metrics) or 'none'}). "
                              f"Got {getattr(extra, 'metric', type(extra).__name__)!r}.")  # fmt: skip
    out, root = Path(out_dir), reports_root(out_dir)
    check_report_folder(h, out)
    rendered_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    context = build_context(h, results, analysis, command=command, rendered_at=rendered_at, secondary=secondary,
                            out_dir=out)  # fmt: skip
    if isinstance(registered, tuple):
        registered = Registration(source=registered[0], sha256=text_sha256(registered[0]), registered_at=registered[1])
    from hypolab.hypothesis.registration import check_registration

    check = check_registration(h, registered)
    context.update(registration_context(h.source, None if registered is None else
                                        (registered.source, registered.registered_at)))  # fmt: skip
    context["registration"] = check
    info = ReportInfo.of(h, results, command=command, rendered_at=rendered_at, registration=check)
    texts = (render("report.html.j2", context), results_json(analysis, info, secondary),
             runs_csv(results, [arm.name for arm in h.arms]), summary.summary_markdown(context))  # fmt: skip
    files = {out / name: text for name, text in zip(REPORT_FILES, texts)}
    try:
        outputs.make_folder(out, root=root, for_file=out / "index.html")
        if index:
            outputs.check_target(root / "index.html", root=root)
        # The four files are one set: all replaced, or (a full disk) none.
        outputs.write_set(files, root=root)
    except OutputError as exc:
        raise ReportError(str(exc)) from None
    if index:
        page = root / "index.html"
        # A symlink is never followed: inside the root the link is replaced, outside it is refused.
        if page.is_symlink() or not page.exists() or written_by_hypolab(page):
            write_index(root)
    return out / "index.html"


def reports_root(out_dir: str | os.PathLike[str]) -> Path:
    """The folder whose ``index.html`` lists the report in ``out_dir``: its parent.

    A report folder that is a symlink to somewhere outside it is refused
    before anything is written. ``out_dir`` given as ``.`` has the real
    parent folder as its root, never itself (the index would overwrite the page).
    """
    out = Path(out_dir)
    return out.parent if out.name not in ("", ".", "..") else Path(os.path.abspath(out)).parent


def check_report_folder(h: Hypothesis, out_dir: str | os.PathLike[str]) -> None:
    """Refuse to write ``h``'s report over files hypolab did not write, or over another file's report.

    A folder that already holds any of the report's files must hold a page
    hypolab wrote (its ``index.html`` carries the generator mark), so a
    user's own ``DIR/name/index.html`` is never replaced; and its
    ``results.json`` must name this hypothesis file, or a file that no longer
    exists, so two hypothesis files that share a name (files outside a
    ``hypotheses/`` folder with the same stem) never overwrite each other's report.

    Raises:
        ReportError: the folder holds someone else's files, or another file's report.
    """
    out = Path(out_dir)
    present = [name for name in REPORT_FILES if (out / name).is_file() and not (out / name).is_symlink()]
    if not present:
        return
    page = out / "index.html"
    if not (page.is_file() and written_by_hypolab(page)):
        raise ReportError(
            f"Refusing to write the report of {h.path} into {out}: it holds {', '.join(present)}, "
            f"and {page} is {'not a page hypolab wrote' if page.is_file() else 'missing'}, so those "
            f"files are not hypolab's. Expected a report folder hypolab made, or none: {FIX}."
        )
    other = _reported_file(out / "results.json")
    if other is not None and other != h.path and _different_files(other, h.path):
        raise ReportError(
            f"Refusing to write the report of {h.path} into {out}: it holds the report of {other}, "
            f"another file with the same name '{h.name}'. Expected one report folder per file: keep "
            "hypothesis files under a hypotheses/ folder (the folders below it become part of the "
            "name), or rename one of them."
        )


def check_can_write(h: Hypothesis, out_dir: str | os.PathLike[str]) -> None:
    """Everything ``write_report`` checks before it writes, and that the folder is writable.

    Called before training (``hypolab.pipeline.test``), so a report that
    could not be written never costs a run. A temporary file is created in
    the folder and removed; a folder made for it is removed too: nothing is
    left behind.

    Raises:
        ReportError: the folder is refused (``check_report_folder``), leaves
            the reports root through a symlink, or cannot be written.
    """
    out = Path(out_dir)
    check_report_folder(h, out)
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        outputs.make_folder(out, root=reports_root(out), for_file=out / "index.html")
        descriptor, probe = tempfile.mkstemp(dir=out, prefix=".hypolab-probe.", suffix=".partial")
        os.close(descriptor)
        os.unlink(probe)
    except OutputError as exc:
        raise ReportError(f"{exc} (checked before training)") from None
    except OSError as exc:
        raise ReportError(
            f"Cannot write the report of {h.path} into {out}: {exc.strerror or exc} (checked before "
            f"training). Expected a folder you can write to; {FIX}."
        ) from None
    finally:
        for folder in made:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


def _reported_file(results: Path) -> str | None:
    """The hypothesis file a report's ``results.json`` names, where it can be read."""
    try:
        return read_results(results)[1].path
    except (OSError, ValueError):
        return None


def _different_files(one: str, other: str) -> bool:
    """Both paths name existing files, and not the same one."""
    try:
        return not os.path.samefile(one, other)
    except OSError:  # one of them is gone (moved, renamed): nothing to protect
        return False


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
