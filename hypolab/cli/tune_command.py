"""The ``hypolab tune`` command.

Keras and Keras Tuner are imported inside the command only, so
``hypolab --help`` never loads TensorFlow.
"""

from __future__ import annotations

import shlex
import sys

import click

from hypolab.backend_log import set_verbose
from hypolab.cli.errors import check_folder, cli_errors
from hypolab.cli.exits import interrupted, open_in_browser, report_uri
from hypolab.store import DEFAULT_STORE


@click.command(name="tune")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--confirm", "confirm_runs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Re-train the top configs on N fresh seeds through the runner and choose the baseline on those runs.")  # fmt: skip
@click.option("--top", type=click.IntRange(min=1), default=3, show_default=True, metavar="K",
              help="How many of the tuner's best configs --confirm re-trains.")  # fmt: skip
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=str(DEFAULT_STORE),
              show_default=True, help="The run store (SQLite file) that keeps --confirm's runs.")  # fmt: skip
@click.option("--device", type=click.Choice(["auto", "cpu", "gpu"]), default="auto", show_default=True,
              help="auto uses a visible GPU; cpu hides the GPUs; gpu fails without one.")  # fmt: skip
@click.option("--reports", "reports_root", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Where tune-<name>/ (the report and Keras Tuner's project) is written.")  # fmt: skip
@click.option("--baselines", "baselines_root", type=click.Path(file_okay=False), default="baselines",
              show_default=True, help="Where <name>.yaml, the baseline file, is written.")  # fmt: skip
@click.option("--force", is_flag=True,
              help="Replace <name>.yaml even where hypotheses registered in --store built on it.")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True,
              help="Print Keras Tuner's line per trial and the backend's start-up log.")  # fmt: skip
@click.option("--open", "open_report", is_flag=True, help="Open the tune report in a browser when it is written.")
def tune(file, confirm_runs, top, store_path, device, reports_root, baselines_root, force, verbose,
         open_report) -> None:  # fmt: skip
    """Search a strong baseline for FILE (a search file) with Keras Tuner.

    Writes baselines/<name>.yaml (reuse it with `baseline:` in a hypothesis
    file) and reports/tune-<name>/index.html. The tuner sees the training and
    validation splits only. Interrupted? Run the same command again: finished
    trials are kept.

    \b
    Distributed: set KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT and
    KERASTUNER_TUNER_ID (chief on one process, tuner0, tuner1, ... on the
    others) and run the same command in each; the chief writes the outputs.
    """
    set_verbose(verbose)  # else TensorFlow's start-up chatter is kept off the terminal (hypolab.backend_log)
    for option, folder in (("--reports", reports_root), ("--baselines", baselines_root)):
        check_folder(option, folder)  # before the search, which keeps its trials under --reports
    stopped = "Interrupted: finished trials are kept. Run the same command again to resume the search."
    with cli_errors(), interrupted(lambda: stopped):
        from hypolab.progress import make_progress
        from hypolab.tuning.tune import tune as run_tune

        outcome = run_tune(
            file, confirm=confirm_runs, top=top, store=store_path, device=device,
            reports_root=reports_root, baselines_root=baselines_root,
            progress=make_progress() if confirm_runs else None, verbose=1 if verbose else 0,
            on_trial=None if verbose else _print_trial, command=shlex.join(["hypolab", *sys.argv[1:]]),
            force=force,
        )  # fmt: skip
    for line in summary_lines(outcome):
        click.echo(line)
    if outcome.role != "worker":
        from hypolab.report import write_index

        with cli_errors():
            write_index(reports_root)  # the index lists tune reports beside the hypotheses
    if open_report and outcome.role != "worker":
        problem = open_in_browser(outcome.report_path)
        if problem:
            click.echo(f"--open: {problem}", err=True)


def _print_trial(event) -> None:
    """One line per finished trial (Keras Tuner's own output is kept for --verbose)."""
    values = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in event.values.items())
    result = f"{event.objective} {event.score:.4f}" if event.score is not None else event.status.value.lower()
    click.echo(f"trial {event.trial_id}: {result}  ({values})")


def summary_lines(outcome) -> list[str]:
    """The closing summary of ``hypolab tune``."""
    if outcome.role == "worker":
        return ["Worker done: the chief writes the baseline and the report."]
    finished = len(outcome.ranked)
    lines = [f"{len(outcome.trials)} trials, {finished} finished"
             + (f" ({outcome.trials_before} kept from an earlier run)" if outcome.resumed else "")]  # fmt: skip
    best = outcome.ranked[0]
    lines.append(f"Tuner's best: trial {best.trial_id}, score {best.score:.4f}")
    if outcome.confirmation is not None:
        c = outcome.confirmation
        lines.append(f"Confirmed on {len(c.seeds)} fresh seeds ({c.metric}, mean over seeds):")
        for row in c.trials:
            mean = "all runs failed" if row.mean is None else f"{row.mean:.4f} (sd {row.std:.4f})"
            lines.append(f"  trial {row.trial_id}: tuner {row.tuner_score:.4f} -> confirmed {mean}")
        lines.append(f"Chosen: trial {c.chosen.trial_id}")
    lines.append(f"Baseline: {outcome.baseline_path}")
    lines.append(f"Report: {outcome.report_path}")
    lines.append(f"        {report_uri(outcome.report_path)}")
    return lines
