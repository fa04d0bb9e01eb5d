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
    """One line per finished run, for logs: ``[3/20] batch 4, seed 1: finished, val_accuracy 0.9444 (2.1 s)``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._total = 0
        self._done = 0

    def start(self, hypothesis: str, *, total: int, stored: int) -> None:
        self._total, self._done = total, stored
        self._write(f"{hypothesis}: {total} runs planned, {stored} already in the store, {total - stored} to train")

    def run_done(self, result: RunResult) -> None:
        self._done += 1
        self._write(f"[{self._done}/{self._total}] {result.arm}, seed {result.seed}: {_outcome(result)}")

    def waiting(self, count: int) -> None:
        self._write(f"waiting for {count} run(s) that another hypolab process is training")

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


class RichProgress(NullProgress):
    """One live bar over all runs, advanced per epoch so the ETA moves smoothly."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._console = Console(file=stream if stream is not None else sys.stdout)
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[current]}", markup=False),  # arm names may hold [brackets]
            console=self._console,
        )
        self._task = None
        self._credited: dict[str, float] = {}

    def start(self, hypothesis: str, *, total: int, stored: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(hypothesis, total=total, completed=stored, current="")
        if stored:
            self._console.print(f"{stored} of {total} runs already in the store", highlight=False)

    def runs_started(self, specs: Sequence[RunSpec]) -> None:
        self._bar.update(self._task, current=f"{_who(specs)}: starting")

    def epoch_done(self, specs: Sequence[RunSpec], epoch: int, epochs: int, logs: Mapping[str, float]) -> None:
        step = 1 / max(epochs, 1)
        for spec in specs:
            self._credited[spec.key] = self._credited.get(spec.key, 0.0) + step
        self._bar.update(
            self._task, advance=step * len(specs), current=f"{_who(specs)}: epoch {epoch}/{epochs}"
        )

    def run_done(self, result: RunResult) -> None:
        # Credit what the per-epoch advances did not (early stopping, failures).
        remainder = 1.0 - self._credited.pop(result.key, 0.0)
        self._bar.update(self._task, advance=max(remainder, 0.0))
        if result.status is not RunStatus.FINISHED:
            self._console.print(f"{result.arm}, seed {result.seed}: {_outcome(result)}", markup=False, highlight=False)

    def waiting(self, count: int) -> None:
        self._bar.update(self._task, current=f"waiting for {count} run(s) in another process")

    def close(self) -> None:
        self._bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    """A live bar when ``stream`` (stdout by default) is a terminal, plain lines otherwise."""
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return RichProgress(stream) if isatty is not None and isatty() else PlainProgress(stream)


def _who(specs: Sequence[RunSpec]) -> str:
    seeds = ", ".join(str(spec.seed) for spec in specs)
    return f"{specs[0].arm}, seed{'s' if len(specs) > 1 else ''} {seeds}"


def _outcome(result: RunResult) -> str:
    if result.status is RunStatus.FINISHED:
        score = next((f"{m} {result.metrics[m]:.4f}" for m in ("val_accuracy", "val_mae", "val_loss") if m in result.metrics), "")
        return f"finished, {score} ({result.train_seconds:.1f} s)"
    from hypolab.hypothesis.text import printable  # an exception's text may hold terminal escapes

    return f"{result.status.value}: {printable(str(result.error))}"
