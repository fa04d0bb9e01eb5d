"""The ``validate``, ``plan``, ``new`` and ``schema`` commands.

None of them trains anything, so none of them imports Keras: the spec and
plan modules are imported inside each command, and the store and statistics
(``plan --store``) only where asked for.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hypolab.cli.errors import cli_errors, terminal_text

if TYPE_CHECKING:
    from hypolab.records import Hypothesis

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
POWER = 0.8


@click.command(name="validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
def validate(files: tuple[str, ...]) -> None:
    """Check hypothesis FILES without training: print `ok` or every error.

    Exits 0 when every file is valid, 1 otherwise.
    """
    from hypolab.errors import SpecErrors
    from hypolab.hypothesis import load

    failed = 0
    for file in files:
        try:
            h = load(file)
        except SpecErrors as exc:
            failed += 1
            for error in exc.errors:
                click.echo(terminal_text(f"Error: {error}"), err=True)
            continue
        for warning in h.warnings:
            click.echo(terminal_text(f"{file}: warning: {warning}"))
        click.echo(terminal_text(f"{file}: ok"))
    if failed:
        click.echo(f"{failed} of {len(files)} files failed validation.", err=True)
        raise SystemExit(1)


@click.command(name="plan")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="A run store: estimate the seeds per arm needed for 80% power from its finished runs.",
)
def plan(file: str, store_path: str | None) -> None:
    """Print the design of a hypothesis: what differs between arms, the runs and the seeds."""
    from hypolab.plan import design_table
    from hypolab.plan import plan as plan_runs
    from hypolab.hypothesis import load

    from hypolab.errors import DataError
    from hypolab.plan import timing_reason

    with cli_errors():
        h = load(file)
    try:
        specs = plan_runs(h)
        unknown = None
    except DataError as exc:  # a Keras set not downloaded yet: its content, part of every key, is unknown
        specs, unknown = [], str(exc)
    click.echo(terminal_text(f"{file}: {h.claim}"))

    better = "higher" if h.higher_is_better(h.metric) else "lower"
    margin = f", margin {h.margin:g}" if h.margin is not None else ""
    click.echo(
        f"metric {h.metric} ({better} is better), direction {h.direction.value}, alpha {h.alpha:g}{margin}"
    )
    if h.secondary_metrics:
        click.echo(f"secondary metrics (two-sided, own correction; never the verdict): {', '.join(h.secondary_metrics)}")
    click.echo(f"test {h.test.value}, pairing {h.pairing.value}, correction {h.correction.value}"
               + (", ordered dose series" if h.ordered else ""))
    click.echo(f"data {h.data.name} (validation {h.data.validation_split:g}, test {h.data.test_split:g}, "
               f"split_seed {h.data.split_seed}" + (f", subset {h.data.subset}" if h.data.subset else "") + ")"
               + (f"; content {h.data.fingerprint[:30]}" if h.data.fingerprint and h.data.fingerprint != h.data.name else ""))
    for line in _task_lines(h):
        click.echo(terminal_text(line))
    if h.baseline is not None:
        click.echo(f"baseline {h.baseline.path} (sha256 {h.baseline.sha256[:12]}...)")
    click.echo("")
    _print_table(design_table(h))
    click.echo("")
    runs = len(h.arms) * len(h.seeds)
    if unknown is None:
        keys = f"{len({spec.key for spec in specs})} distinct run keys"
    else:
        keys = "run keys known once the data can be read"
    click.echo(f"runs: {len(h.arms)} arms x {len(h.seeds)} seeds = {runs} runs ({keys})")
    click.echo(f"seeds: {', '.join(str(s) for s in h.seeds)}")
    engines = {spec.engine.value for spec in specs}
    if engines:
        click.echo(f"engine: {', '.join(sorted(engines))}" + (f"; {timing_reason(h)}" if timing_reason(h) else ""))
        from hypolab.plan import unsupported_reason

        for arm in h.arms:
            reason = unsupported_reason(arm.config)
            if reason is not None:
                click.echo(terminal_text(f"  {arm.name}: trains one seed at a time: {reason}"))
    if specs and not timing_reason(h):
        from hypolab.probes import plan_lines
        from hypolab.records import Engine

        packed = {spec.arm for spec in specs if spec.engine is Engine.PACKED}
        arms = [(arm.name, arm.config) for arm in h.arms if arm.name in packed]
        for line in plan_lines(arms, specs[0].data, len(h.seeds), h.pack):
            click.echo(terminal_text(line))
    from hypolab.compute import arm_steps, compute_warning, train_examples

    steps = arm_steps(h.arms, train_examples(h.data))
    click.echo("optimizer steps per run:")
    for row in steps:
        click.echo(terminal_text(f"  {row.arm}: {row.text()}"))
    for warning in (*h.warnings, *filter(None, [compute_warning(steps)])):
        click.echo(terminal_text(f"warning: {warning}"))
    if unknown is not None:
        click.echo(f"note: {unknown}")
    sd = None
    if store_path is not None and unknown is None:
        lines, sd = _power_lines(h, specs, store_path)
        for line in lines:
            click.echo(line)
    if h.sequential is not None:
        from hypolab.cli.sequential_plan import sequential_lines

        for line in sequential_lines(h, sd):
            click.echo(terminal_text(line))


@click.command(name="new")
@click.argument("name")
@click.option("--search", is_flag=True, help="Write a Keras Tuner search starter for hypolab tune instead (the tuner decides where).")
def new(name: str, search: bool) -> None:
    """Write a commented starter file to hypotheses/NAME.yaml (never overwrites)."""
    if not _NAME.match(name):
        raise click.UsageError(
            f"NAME must be letters, digits, '-' or '_' (it becomes hypotheses/NAME.yaml). Got {name!r}."
        )
    from hypolab.hypothesis.naming import output_name, reserved_problem

    if not search and reserved_problem(output_name(f"hypotheses/{name}.yaml"), f"{name}.yaml") is not None:
        raise click.UsageError(
            f"NAME must not start with 'tune-': reports/tune-<search>/ belongs to 'hypolab tune'. "
            f"Got {name!r}; choose another NAME, e.g. {name[5:]!r}."
        )
    if search:
        from hypolab.tuning.starter import write_search_starter

        with cli_errors():
            written = write_search_starter(name)
        click.echo(f"wrote {written}")
        return
    from hypolab.hypothesis.starter import starter_text

    path = Path("hypotheses") / f"{name}.yaml"
    if path.exists():
        raise click.ClickException(
            f"{path} already exists; not overwriting it. Choose another NAME or delete the file."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(starter_text(name, path.as_posix()))
    except FileExistsError:  # mkdir met a file named like the folder
        raise click.ClickException(
            f"cannot write {path}: {path.parent} is a file, not a folder. Expected a folder "
            f"{path.parent}/ here; rename the file {path.parent}."
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}.") from None
    click.echo(f"wrote {path.as_posix()}")
    click.echo(f"next: edit it, then hypolab validate {path.as_posix()}")


@click.command(name="schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Write the schema to this file instead of printing it (e.g. hypolab.schema.json).",
)
def schema(output: str | None) -> None:
    """Print the JSON Schema of hypothesis files, for editors with a YAML language server."""
    from hypolab.hypothesis import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    from hypolab import outputs
    from hypolab.errors import OutputError

    try:
        outputs.write_text(output, text)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {output}")


def _task_lines(h: Hypothesis) -> list[str]:
    """What ``plan`` says about the data's task, and how regression targets are trained on."""
    from pathlib import Path

    from hypolab.tasks import probe

    found = probe(h.data, Path(h.path).parent if h.path else None)
    if found.task is None:
        return []
    lines = [f"task {found.task.value} ({found.why})"]
    if found.task.value == "regression":
        lines.append("  targets standardised on the training split: losses in standardised units, "
                     "mae and the listed metrics in the data's units")  # fmt: skip
    return lines


def _cell(value: Any) -> str:
    from hypolab.hypothesis.messages import show

    if value is None:
        return "-"
    if isinstance(value, str):
        return terminal_text(value)
    return terminal_text(show(value))


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    click.echo("design (what differs between the arms):")
    table = Table()
    columns = list(rows[0]) if rows else ["arm"]
    for column in columns:
        table.add_column(Text(terminal_text(column)))
    for index, row in enumerate(rows):
        cells = [_cell(row.get(column)) for column in columns]
        if index == 0:
            cells[0] += " (control)"
        # Text, never markup: an arm named '[/bold]' is shown as written.
        table.add_row(*(Text(cell) for cell in cells))
    width = max(80, sum(max(len(c), 8) + 3 for c in columns) + 4)
    Console(width=width, highlight=False).print(table)


def _power_lines(h: Hypothesis, specs: list, store_path: str) -> tuple[list[str], float | None]:
    """What the store holds of the file (stale runs, registration), then seeds per arm for 80% power at the margin.

    Also returns the SD the first treatment's estimate rests on (None where there is none).
    """
    if not Path(store_path).is_file():
        return [f"power estimate skipped: no run store at {store_path} yet."], None
    from hypolab.cli.run_commands import standing_notes
    from hypolab.pipeline.identity import look_up
    from hypolab.records import Pairing, RunStatus, TestName
    from hypolab.stats.power import family_alpha, plan_seeds
    from hypolab.store import RunStore

    with cli_errors(), RunStore(store_path, read_only=True) as store:
        standing = look_up(h, store, specs)
    results = standing.records
    notes = standing_notes(standing)
    if h.margin is None:
        return [*notes, "power estimate skipped: the file has no 'margin' (the smallest effect of interest)."], None
    values: dict[str, dict[int, float]] = {arm.name: {} for arm in h.arms}
    for spec in specs:
        result = results.get(spec.key)
        if result is None or result.status is not RunStatus.FINISHED:
            continue
        value = result.metrics.get(h.metric)
        if value is not None and math.isfinite(value):
            values[spec.arm][spec.seed] = float(value)
    paired = h.pairing is Pairing.SEED
    lines = [*notes, f"seeds per arm for {POWER:.0%} power at margin {h.margin:g} (from finished runs in {store_path}):"]
    control = values[h.control.name]
    # The level the analysis computes power at, so plan and report agree.
    level = family_alpha(h.alpha, h.correction.value, len(h.treatments))
    sd = None
    for arm in h.treatments:
        treated = values[arm.name]
        seeds = sorted(set(control) & set(treated)) if paired else None
        try:
            est = plan_seeds([treated[s] for s in seeds] if paired else list(treated.values()),
                             [control[s] for s in seeds] if paired else list(control.values()),
                             margin=h.margin, alpha=level, power=POWER, alternative=h.direction.value,
                             paired=paired, welch=h.test is not TestName.STUDENT)
        except ValueError:
            lines.append(f"  {arm.name} vs {h.control.name}: needs at least 2 finished runs per arm "
                         f"(have {len(treated)} and {len(control)}).")
            continue
        sd = est.sd if sd is None else sd
        needed = "more than 10 million" if est.seeds_needed is None else est.seeds_needed
        lines.append(f"  {arm.name} vs {h.control.name}: {needed} (SD {est.sd:.4g}; "
                     f"{len(treated)} + {len(control)} finished runs; the file has {len(h.seeds)})")
        if est.few_runs:
            upper = ("more than 10 million" if est.seeds_needed_upper is None
                     else est.seeds_needed_upper)
            lines.append(f"    the SD rests on {est.df} degrees of freedom, so it is uncertain: if it is "
                         f"as large as its {est.confidence:.0%} upper bound {est.sd_upper:.4g}, {upper} "
                         f"seeds per arm are needed (planning with {upper} reaches {POWER:.0%} power "
                         f"in at least {est.confidence:.0%} of such pilots).")
    return lines, sd


