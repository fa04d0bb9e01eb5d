"""The ``hypolab report`` command: re-render reports from stored runs, training nothing.

The spec, the planner, the store, the statistics and the plotting libraries
are imported inside the command, so ``hypolab --help`` stays fast.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from hypolab.cli.errors import cli_errors, terminal_text
from hypolab.errors import HypolabError, ReportError
from hypolab.store import DEFAULT_STORE


@click.command(name="report")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE),
              show_default=True, help="The run store (SQLite file) 'hypolab test' wrote.")  # fmt: skip
@click.option("--out", "reports_root", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Where each report folder <name>/ and the index.html of all reports go.")  # fmt: skip
def report(files: tuple[str, ...], store_path: str, reports_root: str) -> None:
    """Re-render the reports of FILE... from stored runs, training nothing.

    Each FILE's planned runs must all be in the store (run 'hypolab test FILE'
    first). The analysis is computed again from the stored values, so a report
    always matches the file as it reads now. A FILE that cannot be reported is
    named with the reason; the others are still rendered.
    """
    with cli_errors():
        if not Path(store_path).is_file():
            raise ReportError(
                f"No run store at {store_path}. Expected the SQLite file 'hypolab test' writes; "
                "run 'hypolab test FILE' first, or pass --store with the store's path."
            )
    from hypolab.report import write_index
    from hypolab.store import RunStore

    failed = 0
    with cli_errors(), RunStore(store_path, read_only=True) as store:
        for file in files:
            try:
                lines = _render_one(file, store, store_path, Path(reports_root))
            except HypolabError as exc:
                failed += 1
                click.echo(terminal_text(f"Error: {exc}"), err=True)
                continue
            for line in lines:
                click.echo(terminal_text(line))
        if failed < len(files):
            click.echo(f"Index: {write_index(reports_root)}")
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} reports could not be rendered (see above).")


def _render_one(file: str, store, store_path: str, reports_root: Path) -> list[str]:
    from dataclasses import replace

    from hypolab import pipeline
    from hypolab.pipeline.identity import look_up
    from hypolab.hypothesis import load as load_hypothesis
    from hypolab.report import write_report

    h = load_hypothesis(file)
    standing = look_up(h, store)
    specs, stored, missing = standing.specs, standing.records, standing.missing
    looks = None
    if h.sequential is not None:  # the runs its recorded looks rest on, not the whole plan
        specs, looks = pipeline.recorded_looks(h, store, standing.specs)
        missing = [s for s in specs if s.key not in stored]
    if missing:
        listed = ", ".join(f"{s.arm} seed {s.seed}" for s in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        why = "".join(f" They are missing because {reason}." for reason in standing.reasons)
        raise ReportError(
            f"{file}: {len(missing)} of {len(specs)} planned runs are not in the store {store_path} "
            f"({listed}{more}).{why} Expected every run of every arm; run 'hypolab test {file}' to train "
            "them, or pass --store with the store that holds them."
        )
    # The store keeps the arm name of the hypothesis that first trained a run; show this file's.
    results = [replace(stored[s.key], arm=s.arm) for s in specs]
    analysis = pipeline.analyze_hypothesis(h, results, looks=looks)
    secondary = pipeline.analyze_secondary(h, results)
    command = shlex.join(["hypolab", "test", file, "--store", store_path])
    page = write_report(
        h, results, analysis, reports_root / h.name, command=command, index=False,
        registered=store.registration(h.name), secondary=secondary,
    )  # fmt: skip
    from hypolab.report.verdicts import headline_line

    lines = [f"{h.name}: {len(results)} stored runs"]
    if standing.registration.flagged:
        lines.append(f"Warning: {standing.registration.summary()}. The verdicts below use the file as it reads now.")
    first = headline_line(analysis)  # the dose series' or hypothesis' verdict first
    if first:
        lines.append(first)
    for comparison in analysis.comparisons:
        lines.append(f"Verdict ({comparison.treatment} vs {comparison.control}): "
                     f"{comparison.verdict.value}. {comparison.sentence}")  # fmt: skip
    lines += secondary_lines(secondary)
    lines.append(f"Report: {page}")
    return lines


def secondary_lines(secondary) -> list[str]:
    """The terminal's lines of the secondary metrics (``hypolab test`` and ``hypolab report``)."""
    lines = []
    for extra in secondary:
        lines.append(f"Secondary metric {extra.metric} (two-sided, correction {extra.correction.value}; "
                     "not part of the verdict):")  # fmt: skip
        lines += [f"  {c.treatment} vs {c.control}: {c.sentence}" for c in extra.comparisons]
    return lines
