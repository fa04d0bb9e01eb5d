"""The ``hypolab analyze`` command: statistics and verdicts from a CSV of runs.

The CSV has one row per run with columns ``arm``, ``seed`` and one column per
metric; an optional ``status`` column marks failed or diverged runs (any
value other than ``finished``), whose metric cells may be empty.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import click

from hypolab.cli.errors import cli_errors, terminal_text
from hypolab.errors import AnalysisError
from hypolab.records import Analysis, Correction, Direction, Pairing, TestName
from hypolab.records.runs import SEED_LIMIT

FINISHED = "finished"

#: The largest runs CSV read (checked before reading): 256 MB, about 2.5 million runs.
MAX_CSV_BYTES = 256 * 1024 * 1024

#: The most rows analysed. The resampling tests take time in proportion (about half a
#: minute per 100,000 runs on one core); memory stays bounded (they resample in chunks).
MAX_ROWS = 1_000_000

#: ``runs.csv`` as ``hypolab test`` writes it: one row per run and metric, these columns.
LONG_FORMAT = ("metric", "value")


def read_runs(path: Path, metric: str) -> tuple[dict[str, list[float]], dict[str, list[int]],
                                                dict[str, list[int]]]:
    """Read per-seed values of ``metric`` from a runs CSV.

    Two layouts are read: one row per run with a column per metric (``arm``,
    ``seed``, ``test_accuracy``, ...), and hypolab's own ``runs.csv``, one row
    per run and metric (columns ``metric`` and ``value``), whose neutralised
    text cells (``'=...``, see ``hypolab.report.csvcells``) read back as written.

    Args:
        path: the CSV file.
        metric: the column to analyse (or, in ``runs.csv``, the ``metric`` to pick).

    Returns:
        ``(values, seeds, failed_seeds)``, each keyed by arm in file order.

    Raises:
        AnalysisError: the file is not a regular file of at most ``MAX_CSV_BYTES``,
            is not UTF-8, has more than ``MAX_ROWS`` rows, repeats a column name,
            lacks a column, a row has extra cells, a value is not a finite number
            (or overflows the statistics), a seed is repeated, or an arm has fewer
            than two runs.
    """
    from hypolab.stats.values import MAX_MAGNITUDE  # lazily: hypolab.stats loads SciPy

    reader = csv.DictReader(io.StringIO(_content(path), newline=""))
    columns = _columns(path, reader, metric)
    long = metric not in columns
    values: dict[str, list[float]] = {}
    seeds: dict[str, list[int]] = {}
    failed: dict[str, list[int]] = {}
    seen: dict[tuple[str, int], int] = {}
    without: dict[tuple[str, int], int] = {}  # runs.csv: runs seen only with other metrics
    has_status = "status" in columns
    for row in reader:
        line = reader.line_num
        if None in row:
            raise AnalysisError(
                f"{path}:{line}: {len(columns) + len(row[None])} cells, but the header has "
                f"{len(columns)} columns. Expected one cell per column (quote cells that "
                "contain commas).")
        if line > MAX_ROWS + 1:
            raise AnalysisError(f"{path}: more than {MAX_ROWS:,} rows. Expected at most {MAX_ROWS:,} "
                                "runs; analyse a sample of them, or each group on its own.")
        arm = _text(row, "arm")
        if not arm:
            raise AnalysisError(f"{path}:{line}: empty 'arm'. Expected an arm name.")
        seed_text = (row.get("seed") or "").strip()
        try:
            seed = int(seed_text)
        except ValueError:
            raise AnalysisError(f"{path}:{line}: 'seed' must be an integer. "
                                f"Got {seed_text!r}.") from None
        values.setdefault(arm, [])
        seeds.setdefault(arm, [])
        failed.setdefault(arm, [])
        status = (_text(row, "status") or FINISHED).lower() if has_status else FINISHED
        if long and _text(row, "metric") not in (metric, ""):
            without.setdefault((arm, seed), line)
            continue
        if (arm, seed) in seen:
            raise AnalysisError(f"{path}:{line}: arm {arm!r} seed {seed} appears twice "
                                f"(first on line {seen[arm, seed]}). Expected one row "
                                "per arm and seed.")
        seen[arm, seed] = line
        if status != FINISHED or (long and not _text(row, "metric")):
            failed[arm].append(seed)
            continue
        text = (row.get("value" if long else metric) or "").strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and abs(value) > MAX_MAGNITUDE:
            raise AnalysisError(
                f"{path}:{line}: {metric!r} of arm {arm!r} seed {seed} is {text}. Expected "
                f"a number of magnitude at most {MAX_MAGNITUDE:g} (larger values overflow "
                "the statistics); rescale the column.")
        if not math.isfinite(value):
            raise AnalysisError(
                f"{path}:{line}: {metric!r} of arm {arm!r} seed {seed} must be a finite "
                f"number. Got {text!r}. Mark failed runs with a 'status' column "
                "(e.g. failed) instead.")
        values[arm].append(value)
        seeds[arm].append(seed)
    if not values:
        raise AnalysisError(f"{path}: no rows. Expected one row per arm and seed.")
    if long and not any(values.values()) and not seen:
        raise AnalysisError(f"{path}: no rows of metric {metric!r} in the 'metric' column. "
                            "Expected --metric to name one of the metrics the file holds.")
    for arm, seed in without.keys() - seen.keys():  # a run without this metric counts as failed
        failed[arm].append(seed)
    for arm, listed in values.items():
        if len(listed) + len(failed[arm]) < 2:
            raise AnalysisError(
                f"{path}: arm {arm!r} has {len(listed) + len(failed[arm])} run(s). "
                "Expected at least 2 seeds per arm (more seeds give a firmer verdict).")
    return values, seeds, failed


def _content(path: Path) -> str:
    """The text of the CSV: a regular file of at most ``MAX_CSV_BYTES``, UTF-8 (a BOM allowed)."""
    from hypolab import inputs

    try:
        # Bytes: the csv module splits the lines itself.
        return inputs.read_bytes(path, limit=MAX_CSV_BYTES, what="runs CSV").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnalysisError(
            f"{path}: byte {exc.start} is not UTF-8 ({exc.object[exc.start:exc.start + 1]!r}). "
            "Expected a UTF-8 CSV; re-save the file as UTF-8.") from None
    except inputs.Unreadable as exc:
        raise AnalysisError(f"{path}: {exc.reason}") from None


def _columns(path: Path, reader: csv.DictReader, metric: str) -> list[str]:
    """The header's columns, each named once, with ``arm``, ``seed`` and the metric (or runs.csv's)."""
    columns = [c for c in (reader.fieldnames or []) if c is not None]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        where = ", ".join(f"{name!r} (columns {', '.join(str(i + 1) for i, c in enumerate(columns) if c == name)})"
                          for name in repeated)  # fmt: skip
        raise AnalysisError(f"{path}: the header names {where} more than once, so a row's cells "
                            "would be read from one of them silently. Expected each column once; "
                            "rename or remove the repeats.")
    long = metric not in columns and all(c in columns for c in LONG_FORMAT)
    for needed in ("arm", "seed", *(LONG_FORMAT if long else (metric,))):
        if needed not in columns:
            what = "metric column" if needed == metric else "column"
            separator = next((f" (separated by {sep!r}?)" for sep in (";", "\t", "|")
                              if len(columns) == 1 and sep in columns[0]), "")
            raise AnalysisError(
                f"{path}: no {what} {needed!r}. Got columns: {', '.join(columns) or 'none'}"
                f"{separator}. Expected 'arm', 'seed' and the --metric column.")
    return columns


def _text(row: dict[str, str | None], column: str) -> str:
    """A text cell as written, neutralised spreadsheet formulas restored (``csvcells``)."""
    from hypolab.report.csvcells import restore

    return restore((row.get(column) or "").strip())


def _fmt(x: float | None, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}g}"


def _p(x: float | None) -> str:
    if x is None:
        return "-"
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def render(analysis: Analysis) -> str:
    """The analysis as plain text: the tables, the hypothesis' verdict first, then each sentence."""
    from hypolab.stats.labels import label  # lazily: hypolab.stats loads SciPy

    lines = [(f"metric: {analysis.metric}   direction: {analysis.direction.value}   "
             f"alpha: {analysis.alpha:g}   margin: {_fmt(analysis.margin)}   "
             f"correction: {analysis.correction.value}"), ""]
    ci = f"{(1 - analysis.alpha) * 100:g}% CI"
    rows = [("arm", "n", "failed", "mean", "sd", "median", ci)]
    for a in analysis.arms:
        rows.append((a.name, str(a.n), str(a.n_failed), _fmt(a.mean), _fmt(a.std),
                     _fmt(a.median), f"{_fmt(a.ci_low)} to {_fmt(a.ci_high)}"))
    lines += _table(rows) + [""]
    rows = [("treatment", "test", "difference", "decision interval", "p", "p adj", "g",
             "verdict")]
    for c in analysis.comparisons:
        rows.append((c.treatment, c.test or "-", _fmt(c.difference), _interval(c.decision_interval),
                     _p(c.pvalue), _p(c.pvalue_adjusted), _fmt(c.hedges_g, 2), c.verdict.value))
    lines += _table(rows) + [""]
    lines.append(f"verdict: {analysis.verdict.value} ({analysis.verdict_reason})")
    if analysis.series is not None:
        lines.append(f"series: {analysis.series.sentence}")
    lines += [c.sentence for c in analysis.comparisons]
    if analysis.series is not None:
        for step in analysis.series.steps:
            lines.append(f"step {step.lower} -> {step.upper}: {step.conclusion.value}, "
                         f"difference {_fmt(step.difference)}, {step.test} p = {_p(step.pvalue)}, "
                         f"{analysis.series.step_correction}-adjusted p = "
                         f"{_p(step.pvalue_adjusted)}")
    if analysis.omnibus is not None:
        w, k = analysis.omnibus.welch_anova, analysis.omnibus.kruskal_wallis
        lines += ["", (f"omnibus: {label(w.test).statistic} = {_fmt(w.statistic)}, "
                       f"p = {_p(w.pvalue)}; {label(k.test).statistic} = {_fmt(k.statistic)}, "
                       f"p = {_p(k.pvalue)}")]
    if analysis.trend is not None:
        t = analysis.trend
        lines.append(f"trend ({t.alternative}): slope {_fmt(t.slope)} per step, "
                     f"t({_fmt(t.df, 3)}) = {_fmt(t.statistic)}, p = {_p(t.pvalue)}")
    if analysis.comparisons:
        lines += ["", ("decision interval: each bound at the one-sided level its verdict was "
                       "decided at (docs/verdict.md)")]
    lines += [f"note: {note}" for note in analysis.notes]
    return "\n".join(lines)


def _interval(interval) -> str:
    if interval is None or interval.low is None:
        return "-"
    return f"{_fmt(interval.low)} to {_fmt(interval.high)} ({interval.confidence * 100:.4g}%)"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def _choice(kind: type) -> click.Choice:
    return click.Choice([m.value for m in kind])


@click.command(name="analyze")
@click.argument("runs_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--metric", required=True, help="The CSV column to compare.")
@click.option("--control", required=True, help="The control arm's name.")
@click.option("--direction", type=_choice(Direction), default="two-sided", show_default=True,
              help="Predicted direction of each treatment vs the control.")
@click.option("--margin", type=float, default=None,
              help="Smallest effect of interest (required for equivalent and noninferior: how much "
                   "worse a treatment may be).")
@click.option("--test", "test_name", type=_choice(TestName), default="auto", show_default=True)
@click.option("--pairing", type=_choice(Pairing), default="independent", show_default=True)
@click.option("--correction", type=_choice(Correction), default="holm", show_default=True)
@click.option("--alpha", type=float, default=0.05, show_default=True)
@click.option("--ordered", is_flag=True, help="The arms, in file order, form a dose series.")
@click.option("--failed-as-worst", is_flag=True,
              help="Count failed runs (status column) as the worst value instead of dropping.")
@click.option("--higher-is-better/--lower-is-better", "higher_is_better", default=None,
              help="The metric's direction, for --failed-as-worst and --direction noninferior with a "
                   "column that is not a known metric (known: test_accuracy, val_loss, ...).")
@click.option("--seed", type=click.IntRange(0, SEED_LIMIT - 1), default=0, show_default=True,
              help="Seed of the bootstrap and permutation resampling (0 to 2**32 - 1).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the analysis as JSON here.")
def analyze(runs_csv: Path, metric: str, control: str, direction: str, margin: float | None,
            test_name: str, pairing: str, correction: str, alpha: float, ordered: bool,
            failed_as_worst: bool, higher_is_better: bool | None, seed: int,
            json_out: Path | None) -> None:
    """Analyse per-seed results from a CSV with columns arm, seed and METRIC.

    \b
    Example:
      hypolab analyze runs.csv --metric test_accuracy --control "batch 128" \\
          --direction greater --margin 0.01 --json analysis.json
    """
    from hypolab.stats import analyze as run_analysis

    with cli_errors():
        values, seeds, failed = read_runs(runs_csv, metric)
        if control not in values:
            raise AnalysisError(f"{runs_csv}: --control {control!r} is not an arm of the "
                                f"file. Got arms: {', '.join(values)}.")
        result = run_analysis(values, control=control, direction=direction, alpha=alpha,
                              margin=margin, test=test_name, pairing=pairing,
                              correction=correction, ordered=ordered, seeds=seeds,
                              failed_seeds=failed, metric=metric,
                              failed_as_worst=failed_as_worst,
                              higher_is_better=higher_is_better, rng=seed)
        click.echo(terminal_text(render(result)))
        if json_out is not None:
            from hypolab import outputs
            from hypolab.errors import OutputError

            try:
                outputs.write_text(json_out, json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n")
            except OutputError as exc:
                raise AnalysisError(str(exc)) from None
            click.echo(f"\nwrote {json_out}")
