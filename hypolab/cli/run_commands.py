"""The ``hypolab test`` and ``hypolab status`` commands.

Keras and the pipeline are imported inside ``test`` only, so ``hypolab --help``
and ``hypolab status`` never load TensorFlow.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from hypolab.backend_log import set_verbose
from hypolab.cli.errors import check_folder, cli_errors, terminal_text
from hypolab.cli.exits import EXIT_UNEXPECTED_VERDICT, interrupted, open_in_browser, report_uri
from hypolab.records import RunOptions, RunStatus, Verdict
from hypolab.records.runs import DEFAULT_STORE, DEVICES

_STORE_HELP = "The run store (SQLite file) shared by every hypothesis."


def _parse_pack(ctx: click.Context, param: click.Parameter, value: str | None) -> int | str | None:
    if value is None or value == "auto":
        return value
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        raise click.BadParameter(f"must be 'auto' or a positive integer. Got {value!r} instead.")
    return size


@click.command(name="test")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE),
              show_default=True, help=_STORE_HELP)  # fmt: skip
@click.option("--rerun", is_flag=True, help="Retrain every run, even those in the store (old records are kept as history).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="auto uses a visible GPU; cpu hides the GPUs; gpu fails without one.")  # fmt: skip
@click.option("--pack", default=None, callback=_parse_pack, metavar="auto|N",
              help="Seeds trained together in one model (overrides the file's pack; 1 = one at a time).")  # fmt: skip
@click.option("--tensorboard", "tensorboard_dir", type=click.Path(file_okay=False), default=None,
              help="Write TensorBoard logs of every trained run here (one HParams group per arm, the hypothesis metric logged).")  # fmt: skip
@click.option("--deterministic", is_flag=True, help="Deterministic GPU ops (slower; CPU runs are deterministic anyway).")
@click.option("--reports", "reports_root", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Where the report folder <name>/ is written.")  # fmt: skip
@click.option("--expect", type=click.Choice([v.value for v in Verdict]), default=None,
              help="Exit 3 unless the hypothesis' verdict is this one (for CI pipelines).")  # fmt: skip
@click.option("--open", "open_report", is_flag=True, help="Open the report in a browser when it is written.")
@click.option("-v", "--verbose", is_flag=True, help="Show the backend's own start-up log (TensorFlow, absl, CUDA).")
@click.option("--smoke", is_flag=True,
              help="Check FILE end to end in seconds: 2 seeds, 1 epoch, a small subset, a throwaway store and report.")  # fmt: skip
def test(file, store_path, rerun, device, pack, tensorboard_dir, deterministic, reports_root, expect, open_report,
         verbose, smoke) -> None:  # fmt: skip
    """Train every arm of FILE for every seed, analyse and report.

    Runs already in the store are reused (--rerun retrains them). Interrupted?
    Run the same command again: it trains only what is missing.

    \b
    Exit codes: 0 ran and reported, 1 error, 2 usage error,
    3 verdict other than --expect, 130 interrupted (Ctrl-C).
    """
    # TensorFlow's C++ start-up chatter would bury the progress lines (hypolab.backend_log).
    set_verbose(verbose)
    # Checked before training: a folder that cannot be written would fail every run (TensorBoard)
    # or lose the report at the end.
    for option, folder in (("--tensorboard", tensorboard_dir), ("--reports", reports_root)):
        if folder is not None:
            check_folder(option, folder)
    source = file
    if smoke:
        import tempfile

        from hypolab.hypothesis import load as load_hypothesis
        from hypolab.pipeline.smoke import smoke_line, smoke_version

        with cli_errors():
            source = smoke_version(load_hypothesis(file))
        folder = tempfile.mkdtemp(prefix="hypolab-smoke-")
        store_path, reports_root = str(Path(folder) / "runs.db"), str(Path(folder) / "reports")
        click.echo(terminal_text(smoke_line(source, folder)))
    options = RunOptions(store=store_path, rerun=rerun, device=device, pack=pack, tensorboard_dir=tensorboard_dir,
                         deterministic=deterministic)  # fmt: skip
    with cli_errors(), interrupted(lambda: interrupted_line(file, store_path)):
        from hypolab import pipeline
        from hypolab.progress import make_progress

        outcome = pipeline.test(source, options=options, progress=make_progress(metric=_metric_of(file)),
                                reports_root=reports_root, command=shlex.join(["hypolab", *sys.argv[1:]]))  # fmt: skip
    for line in summary_lines(outcome, store_path):
        click.echo(terminal_text(line))
    if open_report and outcome.report_path is not None:
        problem = open_in_browser(outcome.report_path)
        if problem:
            click.echo(terminal_text(f"--open: {problem}"), err=True)
    if expect is not None:
        got = None if outcome.analysis is None else outcome.analysis.verdict.value
        if got != expect:
            click.echo(terminal_text(f"--expect {expect}: the verdict is {got or 'missing (no analysis)'}; "
                                     f"exit {EXIT_UNEXPECTED_VERDICT}."), err=True)  # fmt: skip
            raise click.exceptions.Exit(EXIT_UNEXPECTED_VERDICT)


def _metric_of(file: str) -> str | None:
    """The hypothesis' metric, named by the plain progress lines (None where the file does not load)."""
    from hypolab.errors import HypolabError
    from hypolab.hypothesis import load as load_hypothesis

    try:
        return load_hypothesis(file).metric
    except HypolabError:
        return None  # the pipeline loads it again and reports the error


def interrupted_line(file: str, store_path: str) -> str:
    """What Ctrl-C prints: how many of the planned runs are saved, and that rerunning resumes."""
    from hypolab.hypothesis import load as load_hypothesis
    from hypolab.pipeline.identity import look_up
    from hypolab.store import RunStore

    h = load_hypothesis(file)
    with RunStore(store_path, read_only=True) as store:
        rows = look_up(h, store).rows
    saved = sum(r.finished + r.diverged for r in rows)
    planned = sum(r.planned for r in rows)
    return (f"Interrupted: {saved} of {planned} runs are saved in {store_path}. "
            "Run the same command again to train only the rest.")  # fmt: skip


def summary_lines(outcome, store_path: str) -> list[str]:
    """The closing summary of ``hypolab test``: counts, unsuccessful runs, verdicts, report."""
    h = outcome.hypothesis
    total = len(outcome.results)
    lines = [f"{h.name}: {total} runs ({outcome.trained} trained now, {total - outcome.trained} from the store {store_path})"]
    for reason in outcome.stale:
        lines.append(f"  stored runs not reused: {reason}")
    if outcome.registration is not None and outcome.registration.flagged:
        lines.append(f"Warning: {outcome.registration.summary()}. The verdicts below use the file as it reads now.")
    for result in outcome.unsuccessful:
        lines.append(f"  {result.status.value}: {result.arm}, seed {result.seed}: {result.error}")
    if outcome.analysis is None:
        lines.append(f"No analysis: {outcome.analysis_error}")
    else:
        from hypolab.report.verdicts import headline_line

        first = headline_line(outcome.analysis)  # the dose series' or hypothesis' verdict first
        if first:
            lines.append(first)
        for comparison in outcome.analysis.comparisons:
            lines.append(f"Verdict ({comparison.treatment} vs {comparison.control}): "
                         f"{comparison.verdict.value}. {comparison.sentence}")  # fmt: skip
    if outcome.report_path is not None:
        lines.append(f"Report: {outcome.report_path}")
        lines.append(f"        {report_uri(outcome.report_path)}")
    elif outcome.report_note:
        lines.append(f"No report: {outcome.report_note}")
    return lines


@click.command(name="status")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE),
              show_default=True, help=_STORE_HELP)  # fmt: skip
def status(file, store_path) -> None:
    """Show runs finished, diverged, failed, running and pending per arm.

    With FILE, counts FILE's planned runs as it reads now; without, every
    hypothesis the store has seen, each counted from its file as it reads
    now (as last planned where the file cannot be read). Stored runs that no
    longer match a file (other data, another baseline, an edited file) are
    named with the reason. Never writes to the store.
    """
    from hypolab.hypothesis import load as load_hypothesis
    from hypolab.pipeline.identity import look_up
    from hypolab.store import RunStore

    with cli_errors():
        exists = Path(store_path).exists()
        if file is None:
            if not exists:
                click.echo(f"No run store at {store_path} yet. Run 'hypolab test FILE' first, or pass --store.")
                return
            with RunStore(store_path, read_only=True) as store:
                blocks = [_registered_block(store, name, path) for name, path in store.hypotheses()]
            if not blocks:
                click.echo(f"The run store {store_path} has no hypotheses yet.")
        else:
            h = load_hypothesis(file)
            if exists:
                with RunStore(store_path, read_only=True) as store:
                    standing = look_up(h, store)
            else:  # nothing trained yet; do not create a store just to look
                standing = look_up(h, None)
            blocks = [(h.name, file, standing.rows, standing_notes(standing))]
    for name, path, rows, notes in blocks:
        click.echo(terminal_text(f"{name} ({path})"))
        for line in _table(rows):
            click.echo(terminal_text(f"  {line}"))
        for note in notes:
            click.echo(terminal_text(f"  {note}"))


def _registered_block(store, name: str, path: str):
    """A hypothesis the store has seen, counted from its file as it reads now where it can be read."""
    from hypolab.errors import HypolabError
    from hypolab.hypothesis import load as load_hypothesis
    from hypolab.pipeline.identity import look_up

    identity = store.plan_identity(name)
    # The path as given when planned (relative to where that command ran), then its absolute form.
    candidates = [Path(path)] + ([Path(identity.path)] if identity is not None and identity.path else [])
    found = next((c for c in candidates if c.is_file()), None)
    why = f"{path} is not there"
    if found is not None:
        try:
            h = load_hypothesis(found)
            if h.name == name:
                standing = look_up(h, store)
                return name, path, standing.rows, standing_notes(standing)
            why = f"{found} is now named {h.name}"
        except HypolabError as exc:
            why = f"{found} does not load: {str(exc).splitlines()[0]}"
    return name, path, store.arm_status(name), [f"counted as last planned: {why}"]


def standing_notes(standing) -> list[str]:
    """What ``status``, ``plan`` and ``test`` say below a hypothesis's counts: stale runs, registration."""
    notes = [f"stored runs do not match the file: {reason}" for reason in standing.reasons]
    if standing.registration.flagged:
        notes.append(f"registration: {standing.registration.summary()}")
    return notes


def _table(rows) -> list[str]:
    header = ["arm", "planned", *(s.value for s in RunStatus), "running", "pending"]
    body = [
        [r.arm, r.planned, r.finished, r.diverged, r.failed, r.running, r.pending] for r in rows
    ]
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    return [
        "  ".join(str(cell).ljust(w) if i == 0 else str(cell).rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        for row in [header, *body]
    ]
