"""Progress of a ``hypolab test``: what the pipeline reports while it trains.

Library code never prints: the pipeline calls a ``Progress`` object. The CLI
passes ``make_progress()``, which draws one live rich bar over all runs (ETA,
current arm, seed and epoch) on a terminal and writes plain lines otherwise
(CI logs, ``| tee``). Notebooks and tests pass nothing (``NullProgress``) or
their own object with the same methods.

Example:

    progress = make_progress()
    results = hypolab.pipeline.run_hypothesis("hypotheses/batchsize.yaml", progress=progress)
"""

from __future__ import annotations

import sys
from fractions import Fraction
from collections.abc import Mapping, Sequence
from typing import Protocol, TextIO

from hypolab.records import RunResult, RunSpec, RunStatus


class Progress(Protocol):
    """What the pipeline tells its caller while it works; every method returns quickly."""

    def start(self, hypothesis: str, *, total: int, stored: int) -> None:
        """Training begins: ``total`` planned runs, of which ``stored`` are already done."""

    def runs_started(self, specs: Sequence[RunSpec]) -> None:
        """These runs start training (several when seeds are packed into one model)."""

    def epoch_done(self, specs: Sequence[RunSpec], epoch: int, epochs: int, logs: Mapping[str, float]) -> None:
        """Runs ``specs`` finished epoch ``epoch`` (1-based) of ``epochs``."""

    def run_done(self, result: RunResult) -> None:
        """A run's record was written."""

    def waiting(self, count: int) -> None:
        """``count`` runs are being trained by another process; waiting for them."""

    def close(self) -> None:
        """Training is over (or was interrupted); release the display."""


class NullProgress:
    """Reports nothing: the default of the Python API."""

    def start(self, hypothesis: str, *, total: int, stored: int) -> None:
        pass

    def runs_started(self, specs: Sequence[RunSpec]) -> None:
        pass

    def epoch_done(self, specs: Sequence[RunSpec], epoch: int, epochs: int, logs: Mapping[str, float]) -> None:
        pass

    def run_done(self, result: RunResult) -> None:
        pass

    def waiting(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


class PlainProgress(NullProgress):
    """One line per finished run, for logs: ``[3/20] batch 4, seed 1: finished, test_accuracy 0.9444 (2.1 s)``.

    Args:
        stream: where the lines go (stdout by default).
        metric: the hypothesis' metric, named on each line where the run has it
            (else the validation accuracy, error or loss).
    """

    def __init__(self, stream: TextIO | None = None, *, metric: str | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._metric = metric
        self._total = 0
        self._done = 0

    def start(self, hypothesis: str, *, total: int, stored: int) -> None:
        self._total, self._done = total, stored
        self._write(f"{hypothesis}: {total} runs planned, {stored} already in the store, {total - stored} to train")

    def run_done(self, result: RunResult) -> None:
        self._done += 1
        self._write(f"[{self._done}/{self._total}] {result.arm}, seed {result.seed}: {_outcome(result, self._metric)}")

    def waiting(self, count: int) -> None:
        self._write(f"waiting for {count} run(s) that another hypolab process is training")

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


class RichProgress(NullProgress):
    """One live bar over all runs, advanced per epoch so the ETA moves smoothly.

    Progress is counted exactly (whole runs done plus the fractions of runs in
    training, as ``Fraction``), so the last frame reads N/N. The counts, the
    elapsed time and the ETA keep their width at 80 columns; the hypothesis'
    name and the current arm and seeds give way (with an ellipsis) first.
    """

    def __init__(self, stream: TextIO | None = None, *, metric: str | None = None, width: int | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.table import Column

        def fixed() -> Column:
            return Column(no_wrap=True)

        console = Console(file=stream if stream is not None else sys.stdout, width=width)

        self._console = console
        self._bar = Progress(
            TextColumn("[bold]{task.description}",
                       table_column=Column(no_wrap=True, overflow="ellipsis", max_width=24)),  # fmt: skip
            BarColumn(bar_width=12, table_column=fixed()),
            MofNCompleteColumn(table_column=fixed()),
            TimeElapsedColumn(table_column=fixed()),
            TextColumn("ETA", table_column=fixed()),
            TimeRemainingColumn(table_column=fixed()),
            # Arm names may hold [brackets]; a long seed list gives way before the times do.
            current := _current_column(self._console),
            console=self._console,
        )
        current.bar = self._bar
        self._task = None
        self._done = 0
        self._partial: dict[str, Fraction] = {}

    def start(self, hypothesis: str, *, total: int, stored: int) -> None:
        self._bar.start()
        self._done = stored
        self._task = self._bar.add_task(hypothesis, total=total, completed=stored, current="")
        if stored:
            self._console.print(f"{stored} of {total} runs already in the store", highlight=False)

    def runs_started(self, specs: Sequence[RunSpec]) -> None:
        self._bar.update(self._task, current=f"{_who(specs)}: starting")

    def epoch_done(self, specs: Sequence[RunSpec], epoch: int, epochs: int, logs: Mapping[str, float]) -> None:
        for spec in specs:
            self._partial[spec.key] = Fraction(min(epoch, epochs), max(epochs, 1))
        self._bar.update(self._task, completed=self._completed(), current=f"{_who(specs)}: epoch {epoch}/{epochs}")

    def run_done(self, result: RunResult) -> None:
        # A finished run counts whole, whatever its epochs added (early stopping, failures).
        self._partial.pop(result.key, None)
        self._done += 1
        self._bar.update(self._task, completed=self._completed())
        if result.status is not RunStatus.FINISHED:
            self._console.print(f"{result.arm}, seed {result.seed}: {_outcome(result)}", markup=False, highlight=False)

    def waiting(self, count: int) -> None:
        self._bar.update(self._task, current=f"waiting for {count} run(s) in another process")

    def close(self) -> None:
        self._bar.stop()

    def _completed(self) -> float:
        return float(self._done + sum(self._partial.values(), Fraction(0)))


def _current_column(console):
    """The arm and seeds column: as wide as the terminal leaves after the other columns, read at each frame."""
    from rich.progress import TextColumn
    from rich.table import Column

    class CurrentColumn(TextColumn):
        bar = None  # the Progress it is a column of, set once that exists

        def get_table_column(self) -> Column:
            tasks = self.bar.tasks if self.bar is not None else []
            name = max((min(24, len(task.description)) for task in tasks), default=24)
            counts = max((2 * len(str(int(task.total or 0))) + 1 for task in tasks), default=9)
            # name, bar (12), counts, elapsed, "ETA", remaining (7 + 3 + 7) and the six gaps between columns
            fixed = name + 12 + counts + 17 + 6
            return Column(no_wrap=True, overflow="ellipsis", max_width=max(8, console.width - fixed))

    return CurrentColumn("{task.fields[current]}", markup=False)  # arm names may hold [brackets]


def make_progress(stream: TextIO | None = None, *, metric: str | None = None) -> Progress:
    """A live bar when ``stream`` (stdout by default) is a terminal, plain lines otherwise.

    ``metric`` (the hypothesis' metric) is the score the plain lines name.
    """
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    kind = RichProgress if isatty is not None and isatty() else PlainProgress
    return kind(stream, metric=metric)


def _who(specs: Sequence[RunSpec]) -> str:
    """``batch 4, seed 3`` or ``batch 4, seeds 0-29``: three or more consecutive seeds as a range."""
    seeds = sorted(spec.seed for spec in specs)
    if len(seeds) == 1:
        return f"{specs[0].arm}, seed {seeds[0]}"
    spans: list[list[int]] = []
    for seed in seeds:
        if spans and seed == spans[-1][1] + 1:
            spans[-1][1] = seed
        else:
            spans.append([seed, seed])
    text = ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}-{b}" for a, b in spans)
    return f"{specs[0].arm}, seeds {text}"


def _outcome(result: RunResult, metric: str | None = None) -> str:
    if result.status is RunStatus.FINISHED:
        names = ((metric,) if metric else ()) + ("val_accuracy", "val_mae", "val_loss")
        score = next((f"{m} {result.metrics[m]:.4f}" for m in names if m in result.metrics), "")
        return f"finished, {score} ({result.train_seconds:.1f} s)"
    from hypolab.hypothesis.text import printable  # an exception's text may hold terminal escapes

    return f"{result.status.value}: {printable(str(result.error))}"
