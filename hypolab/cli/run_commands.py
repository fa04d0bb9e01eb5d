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
from hypolab.records.runs import DEFAULT_STORE, DEVICES, EXECUTORS

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
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
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
@click.option("--save-models", is_flag=True,
              help="Write each trained run's final model as .keras next to the store (STORE.models/KEY.keras).")  # fmt: skip
@click.option("--reports", "reports_root", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Where the report folder <name>/ is written.")  # fmt: skip
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
              help="local trains in this process; ray runs each pack as a Ray task (pip install 'hypolab[ray]').")  # fmt: skip
@click.option("--ray-address", default=None, metavar="auto|HOST:PORT",
              help="With --executor ray: join this running cluster (default: start a local Ray instance).")  # fmt: skip
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="With --executor ray: at most N packs at once (default: as many as the cluster's CPUs or GPUs hold).")  # fmt: skip
@click.option("--gpus-per-unit", type=click.FloatRange(min=0), default=None, metavar="F",
              help="With --executor ray: GPUs per pack, a fraction shares one (default: 1 where GPUs exist).")  # fmt: skip
@click.option("--expect", type=click.Choice([v.value for v in Verdict]), default=None,
              help="Exit 3 unless each hypothesis' verdict is this one (for CI pipelines).")  # fmt: skip
@click.option("--open", "open_report", is_flag=True, help="Open the report in a browser when it is written.")
@click.option("-v", "--verbose", is_flag=True, help="Show the backend's own start-up log (TensorFlow, absl, CUDA).")
@click.option("--smoke", is_flag=True,
              help="Check FILE end to end in seconds: 2 seeds, 1 epoch, a small subset, a throwaway store and report.")  # fmt: skip
def test(files, store_path, rerun, device, pack, tensorboard_dir, deterministic, save_models, reports_root, executor,
         ray_address, workers, gpus_per_unit, expect, open_report, verbose, smoke) -> None:  # fmt: skip
    """Train every arm of each FILE for every seed, analyse and report.

    Runs already in the store are reused (--rerun retrains them). Interrupted?
    Run the same command again: it trains only what is missing. Several files
    train one after another through one executor, a run two files share once.

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
    sources = list(files)
    if smoke:
        import tempfile

        from hypolab.hypothesis import load as load_hypothesis
        from hypolab.pipeline.smoke import smoke_line, smoke_version

        with cli_errors():
            sources = [smoke_version(load_hypothesis(file)) for file in files]
        folder = tempfile.mkdtemp(prefix="hypolab-smoke-")
        store_path, reports_root = str(Path(folder) / "runs.db"), str(Path(folder) / "reports")
        for source in sources:
            click.echo(terminal_text(smoke_line(source, folder)))
    options = RunOptions(store=store_path, rerun=rerun, device=device, pack=pack, tensorboard_dir=tensorboard_dir,
                         deterministic=deterministic, save_models=save_models, executor=executor,
                         ray_address=ray_address, workers=workers, gpus_per_unit=gpus_per_unit)  # fmt: skip
    command = shlex.join(["hypolab", *sys.argv[1:]])
    with cli_errors(), interrupted(lambda: interrupted_line(files, store_path)):
        from hypolab import pipeline
        from hypolab.progress import make_progress

        progress = make_progress(metric=_metric_of(files))
        if len(sources) == 1:
            outcomes = [pipeline.test(sources[0], options=options, progress=progress, reports_root=reports_root,
                                      command=command)]  # fmt: skip
        else:
            outcomes = pipeline.test_files(sources, options=options, progress=progress,
                                           reports_root=reports_root, command=command)  # fmt: skip
    for outcome in outcomes:
        for line in summary_lines(outcome, store_path):
            click.echo(terminal_text(line))
    if len(outcomes) > 1:
        click.echo(f"{len(outcomes)} hypotheses:")
        for outcome in outcomes:
            click.echo(terminal_text(f"  {one_line(outcome)}"))
    if open_report:
        for outcome in outcomes:
            problem = None if outcome.report_path is None else open_in_browser(outcome.report_path)
            if problem:
                click.echo(terminal_text(f"--open: {problem}"), err=True)
    if expect is not None:
        unexpected = [(o.hypothesis.name, None if o.analysis is None else o.analysis.verdict.value) for o in outcomes]
        unexpected = [(name, got) for name, got in unexpected if got != expect]
        for name, got in unexpected:
            click.echo(terminal_text(f"--expect {expect}: the verdict of {name} is {got or 'missing (no analysis)'}; "
                                     f"exit {EXIT_UNEXPECTED_VERDICT}."), err=True)  # fmt: skip
        if unexpected:
            raise click.exceptions.Exit(EXIT_UNEXPECTED_VERDICT)


def one_line(outcome) -> str:
    """A hypothesis's outcome in one line: its name, each verdict, its runs and its report."""
    h = outcome.hypothesis
    if outcome.analysis is None:
        verdicts = "no analysis"
    else:
        verdicts = "; ".join(f"{c['treatment']} vs {c['control']}: {c['verdict']}"
                             for c in outcome.analysis.to_dict()["comparisons"])  # fmt: skip
    report = outcome.report_path if outcome.report_path is not None else "no report"
    return f"{h.name}: {verdicts} ({len(outcome.results)} runs, {outcome.trained} trained now; {report})"


def _metric_of(files) -> str | None:
    """The metric the plain progress lines name: the hypotheses' one metric (None where they differ or do not load)."""
    from hypolab.errors import HypolabError
    from hypolab.hypothesis import load as load_hypothesis

    try:
        metrics = {load_hypothesis(file).metric for file in files}
    except HypolabError:
        return None  # the pipeline loads them again and reports the error
    return metrics.pop() if len(metrics) == 1 else None


def interrupted_line(files, store_path: str) -> str:
    """What Ctrl-C prints: how many of the planned runs are saved, and that rerunning resumes."""
    from hypolab.hypothesis import load as load_hypothesis
    from hypolab.pipeline.identity import look_up
    from hypolab.store import RunStore

    rows = []
    with RunStore(store_path, read_only=True) as store:
        for file in files:
            rows.extend(look_up(load_hypothesis(file), store).rows)
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
    from hypolab.cli.report_command import secondary_lines

    lines += secondary_lines(outcome.secondary)
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
